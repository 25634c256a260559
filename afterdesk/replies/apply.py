"""A template rendered for a ticket (the preview) and a macro applied to it (docs/replies.md,
"Errors before sending" and "Macros").

The ticket's language picks the variant: the same code (`pt-BR`), else the same language
(`pt`); with neither, the template's default language is rendered and the result carries a
warning the agent sees before sending. A macro's reply and actions are written through the
ticket services inside one `ticket_change`: one set of events, the facts computed once, all or
nothing; its usage count is raised in that same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError, ValidationError
from afterdesk.replies import access, render
from afterdesk.replies.models import AssignMode, Macro, ReplyTemplate, TemplateVariant
from afterdesk.replies.variables import ticket_variables
from afterdesk.tickets import services as tickets
from afterdesk.tickets.consumers import reply_checking
from afterdesk.tickets.models import MESSAGE_BODY_MAX_CHARS, Ticket, TicketEvent


def _base(code: str) -> str:
    return code.lower().split("-")[0].split("_")[0]


def variant_pick(template: ReplyTemplate, language: str) -> tuple[TemplateVariant, str]:
    """The variant for a ticket in `language`, and a warning when it is the default's."""
    variants = list(template.variants.all())
    wanted = language.strip().lower()
    for same in (
        lambda v: v.language.lower() == wanted,
        lambda v: _base(v.language) == _base(wanted),
    ):
        if wanted:
            found = next((v for v in variants if same(v)), None)
            if found is not None:
                return found, ""
    default = next(
        (v for v in variants if v.language.lower() == template.default_language.lower()), None
    )
    if default is None:  # pragma: no cover - template_save always keeps the default's variant
        raise ValidationError(
            _("the template %(key)s has no variant") % {"key": repr(template.key)}
        )
    if wanted:
        warning = _(
            "This template has no %(wanted)s version: the %(default)s (default) text is shown. "
            "The buyer writes in %(wanted)s."
        ) % {"wanted": language, "default": default.language}
    else:
        warning = _(
            "The ticket's language is not known: the %(default)s (default) text is shown."
        ) % {"default": default.language}
    return default, warning


def template_render(*, template: ReplyTemplate, ticket: Ticket, agent: User) -> render.Rendered:
    """The reply this template gives on this ticket, or its errors (the preview)."""
    variant, warning = variant_pick(template, ticket.language)
    return _render(
        variant.body, ticket=ticket, agent=agent, language=variant.language, warning=warning
    )


def body_render(*, body: str, ticket: Ticket, agent: User, language: str) -> render.Rendered:
    """A body being written (not saved yet) rendered for a ticket."""
    return _render(body, ticket=ticket, agent=agent, language=language or ticket.language)


def _render(
    body: str, *, ticket: Ticket, agent: User, language: str, warning: str = ""
) -> render.Rendered:
    values = ticket_variables(ticket=ticket, agent=agent, language=language)
    result = render.render(body, values, language=language, max_chars=MESSAGE_BODY_MAX_CHARS)
    if result.ok:
        # What sending would refuse is shown now too (a marketplace's rules: no links on
        # Amazon, docs/channels.md): the consumers of `reply_checking` store nothing.
        try:
            reply_checking.notify(ticket=ticket, body=result.text, attachments=[])
        except DomainError as error:
            result = render.Rendered(language=language, errors=[error.message])
    if warning:
        return render.Rendered(
            text=result.text, language=result.language, errors=result.errors, warning=warning
        )
    return result


@dataclass(frozen=True)
class MacroApplied:
    ticket: Ticket  # as it is after the change
    reply: TicketEvent | None
    body: str
    language: str
    warning: str


def macro_preview(*, macro: Macro, ticket: Ticket, agent: User) -> render.Rendered | None:
    access.macro_use_require(agent, macro)
    if macro.template is None:
        return None
    return template_render(template=macro.template, ticket=ticket, agent=agent)


@transaction.atomic
def macro_apply(*, macro: Macro, ticket: Ticket, by: User, body: str | None = None) -> MacroApplied:
    """Apply `macro` to `ticket` (which the caller read through the ticket permission): its
    reply (the rendered template, or `body` when the agent edited it in the reply box), its
    status, assignment and tags, as one change. A template that does not render for this
    ticket writes nothing: ValidationError with every error."""
    access.macro_use_require(by, macro)
    rendered: render.Rendered | None = None
    text = ""
    if macro.template is not None:
        rendered = template_render(template=macro.template, ticket=ticket, agent=by)
        if body is None and not rendered.ok:
            raise ValidationError("; ".join(rendered.errors), field="body")
        text = rendered.text if body is None else body
        if not text.strip():
            raise ValidationError(_("the reply is empty"), field="body")
    elif body:
        text = body
    agent = _assignee(macro, by)
    reply = None
    with tickets.ticket_change(ticket) as change:
        current = change.ticket
        if text:
            reply = tickets.message_reply(
                ticket=current, by=by, body=text, status=macro.set_status or None
            )
        elif macro.set_status:
            tickets.ticket_set_status(ticket=current, by=by, status=macro.set_status)
        if macro.assign_mode or macro.assign_team_id:
            team = macro.assign_team
            same_agent = macro.assign_mode == AssignMode.KEEP
            tickets.ticket_assign(
                ticket=current,
                by=by,
                agent=current.assignee if same_agent else agent,
                team=team,
            )
        if macro.add_tags:
            names = set(current.tags.values_list("name", flat=True)) | set(macro.add_tags)
            tickets.ticket_set_tags(ticket=current, tags=sorted(names))
    Macro.objects.filter(pk=macro.pk).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now()
    )
    return MacroApplied(
        ticket=change.ticket,
        reply=reply,
        body=text,
        language=rendered.language if rendered else "",
        warning=rendered.warning if rendered else "",
    )


def _assignee(macro: Macro, by: User) -> User | None:
    if macro.assign_mode == AssignMode.SELF:
        return by
    if macro.assign_mode == AssignMode.AGENT:
        if macro.assign_agent is None:
            raise ValidationError(_("the agent this macro assigns no longer exists"), field="macro")
        return macro.assign_agent
    return None
