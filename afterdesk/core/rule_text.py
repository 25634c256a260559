"""The English texts of the settings' checks that name a JSON path or list the accepted codes
(a scorecard template's `categories[0].kpis[1].kpi: unknown KPI 'x'`, a bonus rule's
`definition.extras[0].op must be one of …`, an SLA policy's targets, an automation or routing
rule's conditions and actions), as msgids: the services raise them in English (the API answers
with them as documented) and the pages show them through `RULE_TEXT.shown` in the reader's
language (`afterdesk.core.stored_text`). A path or a code inside stays as written."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from afterdesk.core.stored_text import StoredText

RULE_TEXT = StoredText(
    (
        gettext_noop("%(path)s must be a number"),
        gettext_noop("%(path)s must be a number > 0"),
        gettext_noop("%(path)s must be an object"),
        gettext_noop("%(path)s must be a list"),
        gettext_noop("%(path)s must be a string"),
        gettext_noop("%(path)s must be a non-empty string"),
        gettext_noop("%(path)s must be a non-empty list"),
        gettext_noop("%(field)s is required"),
        gettext_noop("a template must be a JSON object"),
        gettext_noop("min_samples must be an integer ≥ 1"),
        gettext_noop("category %(name)s appears twice"),
        gettext_noop("first_reply_target.%(priority)s: not a priority (%(choices)s)"),
        gettext_noop("%(path)s.segment must map %(keys)s to strings"),
        gettext_noop("%(path)s.kpi must be a KPI of the template"),
        gettext_noop("%(path)s.kpi: unknown KPI %(kpi)s"),
        gettext_noop("KPI %(kpi)s appears twice"),
        gettext_noop("id must be letters, digits, - or _ (and not “new” or “import”)"),
        gettext_noop("id must stay %(id)s (save under a new id with “New template”)"),
        gettext_noop("%(path)s must be a finite number"),
        gettext_noop("%(path)s is out of range (|x| < 1e13, ≤ 12 decimals)"),
        gettext_noop("%(path)s must be ≥ 0"),
        gettext_noop("%(path)s must be at most %(max)s"),
        gettext_noop("%(path)s must have at most 2 decimals"),
        gettext_noop("name %(name)s appears twice"),
        gettext_noop("%(path)s is not a known field"),
        gettext_noop("%(path)s must be true or false"),
        gettext_noop("%(path)s must be one of %(choices)s"),
        gettext_noop("%(path)s must be between 0 and 100"),
        gettext_noop("two tiers have min_total %(value)s"),
        gettext_noop("%(path)s: values are at most 50 characters"),
        gettext_noop("targets must be an object: priority → {target → minutes}"),
        gettext_noop("%(path)s must be a number below 10¹⁰"),
        gettext_noop("priorities: unknown %(value)s"),
        gettext_noop("pause_statuses: %(value)s cannot pause a clock (%(choices)s)"),
        gettext_noop("targets: unknown priority %(value)s"),
        gettext_noop("targets.%(priority)s: unknown target %(target)s (%(choices)s)"),
        gettext_noop("unknown calendar %(value)s"),
        gettext_noop("%(path)s must be a list of strings"),
        gettext_noop("%(path)s must be a number of at least 0"),
        gettext_noop("unknown condition %(name)s; use %(choices)s"),
        gettext_noop("unknown priority %(value)s"),
        gettext_noop("unknown status %(value)s"),
        gettext_noop("a %(type)s action needs %(key)s (text of at most %(limit)s characters)"),
        gettext_noop("each action is an object with a type: %(choices)s"),
        gettext_noop("a rule has 1 to %(count)s actions"),
        gettext_noop("no active agent %(name)s"),
        gettext_noop("no team %(name)s"),
        gettext_noop("no reply template %(key)s"),
        gettext_noop("a notify action names whom: supervisors, assignee or email addresses"),
        gettext_noop("cannot notify %(target)s"),
        gettext_noop("no coupon pool %(name)s"),
        gettext_noop("%(path)s must be a whole number from %(low)s to %(high)s"),
        gettext_noop("a rule needs a name of at most 100 characters"),
        gettext_noop("a rule named %(name)s exists"),
        gettext_noop("a time rule names the status it waits in"),
        gettext_noop("no team named %(name)s"),
        gettext_noop("no agent %(name)s who can be assigned"),
        gettext_noop("no calendar %(name)s"),
        gettext_noop("%(path)s must be at least %(min)s"),
        gettext_noop("%(path)s is a 3-letter code"),
        gettext_noop("a bonus rule named %(name)s exists"),
        gettext_noop("no scorecard template %(key)s"),
        gettext_noop("position must be 1–%(max)s characters"),
        gettext_noop("no user has the position %(position)s"),
        # Python's JSON reader's reasons, quoted in a form's "Not valid JSON" error.
        gettext_noop("Expecting value"),
        gettext_noop("Expecting property name enclosed in double quotes"),
        gettext_noop("Expecting ',' delimiter"),
        gettext_noop("Expecting ':' delimiter"),
        gettext_noop("Extra data"),
        gettext_noop("Unterminated string starting at"),
        gettext_noop("Invalid control character at"),
    )
)
