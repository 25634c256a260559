"""Template helpers of the recognition pages and email: an award's explanation, its rules, its
runner-up, and one line of the monthly email. Agent names come from the performance pages'
one helper (`perf_tags.agent_name`)."""

from __future__ import annotations

from django import template

from afterdesk.metrics.templatetags.perf_tags import agent_name, kpi_label, kpi_value
from afterdesk.recognition.models import Award
from afterdesk.recognition.report import ReportLine
from afterdesk.recognition.text import award_explanation, award_runner_up, rules_text

register = template.Library()
register.filter("agent_name", agent_name)


@register.simple_tag
def award_text(award: Award) -> str:
    return award_explanation(award)


@register.simple_tag
def award_rules(award: Award) -> str:
    return rules_text(award.kind, award.figures.get("rules", {}))


@register.simple_tag(name="award_runner_up")
def runner_up(award: Award) -> str:
    return award_runner_up(award)


@register.simple_tag
def report_line(line: ReportLine) -> str:
    """`First reply time (business): 42.0 min (n = 12), team median 55.0 min — better`."""
    from django.utils.translation import gettext as _

    verdict = {True: _("better"), False: _("below"), None: ""}[line.better]
    text = _("%(kpi)s: %(value)s (n = %(n)s), team median %(median)s") % {
        "kpi": kpi_label(line.kpi),
        "value": kpi_value(line.value, line.kpi),
        "n": line.n,
        "median": kpi_value(line.median, line.kpi),
    }
    return f"{text} — {verdict}" if verdict else text
