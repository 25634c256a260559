"""The replies API: templates and their preview for a ticket, macros and their application,
the knowledge base, return addresses (docs/replies.md, "API"). The access rule is
`replies.access`, the one the pages use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Store
from afterdesk.core.api_schemas import AUTH_ERRORS, READ_ERRORS, WRITE_ERRORS, Id
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.replies import access, apply, selectors, services
from afterdesk.replies.models import Article, Macro, ReplyTemplate
from afterdesk.replies.schemas import (
    ArticleIn,
    ArticleOut,
    ArticleQuery,
    ListQuery,
    MacroAppliedOut,
    MacroApplyIn,
    MacroIn,
    MacroOut,
    PreviewIn,
    PreviewOut,
    ReplyTemplateIn,
    ReplyTemplateOut,
    ReturnAddressIn,
    ReturnAddressOut,
)
from afterdesk.tickets.selectors import ticket_get_for_user

router = Router(tags=["replies"])
MANAGE = requires(access.shared_manage_require)


@router.get("/replies/templates", response={200: list[ReplyTemplateOut], **READ_ERRORS})
def templates_list(request: HttpRequest, filters: Query[ListQuery]) -> list[ReplyTemplate]:
    return selectors.templates_list(user=request_user(request), query=filters.q)


@router.get("/replies/templates/{template_id}", response={200: ReplyTemplateOut, **READ_ERRORS})
def template_get(request: HttpRequest, template_id: Id) -> ReplyTemplate:
    return selectors.template_get(user=request_user(request), template_id=template_id)


def _template_save(
    request: HttpRequest, payload: ReplyTemplateIn, template: ReplyTemplate | None
) -> ReplyTemplate:
    saved = services.template_save(
        by=request_user(request),
        key=payload.key,
        name=payload.name,
        default_language=payload.default_language,
        variants=[services.VariantIn(language=v.language, body=v.body) for v in payload.variants],
        template=template,
    )
    return selectors.template_get(user=request_user(request), template_id=saved.pk)


@router.post("/replies/templates", response={201: ReplyTemplateOut, **WRITE_ERRORS}, auth=MANAGE)
def template_create(request: HttpRequest, payload: ReplyTemplateIn) -> Status[ReplyTemplate]:
    """A template and its language variants (admins, supervisors). Every variant is checked:
    a syntax error or an unknown variable is a 422 naming it."""
    return Status(201, _template_save(request, payload, None))


@router.put(
    "/replies/templates/{template_id}",
    response={200: ReplyTemplateOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def template_update(
    request: HttpRequest, template_id: Id, payload: ReplyTemplateIn
) -> ReplyTemplate:
    """Replace a template's fields and all its variants."""
    template = selectors.template_get(user=request_user(request), template_id=template_id)
    return _template_save(request, payload, template)


@router.delete(
    "/replies/templates/{template_id}", response={204: None, **WRITE_ERRORS}, auth=MANAGE
)
def template_delete(request: HttpRequest, template_id: Id) -> Status[None]:
    """Delete a template; one a macro uses is a 409."""
    user = request_user(request)
    services.template_delete(
        by=user, template=selectors.template_get(user=user, template_id=template_id)
    )
    return Status(204, None)


@router.post("/replies/preview", response={200: PreviewOut, **WRITE_ERRORS})
def preview(request: HttpRequest, payload: PreviewIn) -> dict[str, Any]:
    """A template (or a body being written) rendered for a ticket, before anything is sent:
    `ok` false lists every unknown or empty variable and anything the sandbox refused."""
    user = request_user(request)
    ticket = ticket_get_for_user(user=user, ticket_id=payload.ticket)
    if payload.template is not None:
        template = selectors.template_get(user=user, template_id=payload.template)
        result = apply.template_render(template=template, ticket=ticket, agent=user)
    elif payload.body is not None:
        result = apply.body_render(
            body=payload.body, ticket=ticket, agent=user, language=payload.language or ""
        )
    else:
        raise ValidationError("give a template or a body", field="template")
    return {
        "ok": result.ok,
        "text": result.text,
        "language": result.language,
        "warning": result.warning,
        "errors": result.errors,
    }


@router.get("/replies/macros", response={200: list[MacroOut], **READ_ERRORS})
def macros_list(request: HttpRequest, filters: Query[ListQuery]) -> list[Macro]:
    """The shared macros and the caller's own."""
    return selectors.macros_list(user=request_user(request), query=filters.q)


@router.get("/replies/macros/{macro_id}", response={200: MacroOut, **READ_ERRORS})
def macro_get(request: HttpRequest, macro_id: Id) -> Macro:
    return selectors.macro_get(user=request_user(request), macro_id=macro_id)


def _macro_in(user: User, payload: MacroIn) -> services.MacroIn:
    template = None
    if payload.template is not None:
        template = selectors.template_get(user=user, template_id=payload.template)
    agent = None
    if payload.assign_agent is not None:
        agent = User.objects.filter(username=payload.assign_agent).first()
        if agent is None:
            raise ValidationError(f"no agent {payload.assign_agent!r}", field="assign_agent")
    team = None
    if payload.assign_team:
        team = Team.objects.filter(name=payload.assign_team).first()
        if team is None:
            raise ValidationError(f"no team {payload.assign_team!r}", field="assign_team")
    return services.MacroIn(
        name=payload.name,
        template=template,
        send=payload.send,
        set_status=payload.set_status,
        add_tags=payload.add_tags,
        assign_mode=payload.assign_mode,
        assign_agent=agent,
        assign_team=team,
        shared=payload.shared,
    )


@router.post("/replies/macros", response={201: MacroOut, **WRITE_ERRORS})
def macro_create(request: HttpRequest, payload: MacroIn) -> Status[Macro]:
    """A personal macro (anyone), or a shared one (`shared`: admins, supervisors)."""
    user = request_user(request)
    macro = services.macro_save(by=user, data=_macro_in(user, payload))
    return Status(201, selectors.macro_get(user=user, macro_id=macro.pk))


@router.put("/replies/macros/{macro_id}", response={200: MacroOut, **WRITE_ERRORS})
def macro_update(request: HttpRequest, macro_id: Id, payload: MacroIn) -> Macro:
    user = request_user(request)
    macro = selectors.macro_get(user=user, macro_id=macro_id)
    services.macro_save(by=user, data=_macro_in(user, payload), macro=macro)
    return selectors.macro_get(user=user, macro_id=macro_id)


@router.delete("/replies/macros/{macro_id}", response={204: None, **WRITE_ERRORS})
def macro_delete(request: HttpRequest, macro_id: Id) -> Status[None]:
    user = request_user(request)
    services.macro_delete(by=user, macro=selectors.macro_get(user=user, macro_id=macro_id))
    return Status(204, None)


@router.post("/replies/macros/{macro_id}/apply", response={200: MacroAppliedOut, **WRITE_ERRORS})
def macro_apply(request: HttpRequest, macro_id: Id, payload: MacroApplyIn) -> dict[str, Any]:
    """Apply a macro to a ticket: its reply (rendered for the ticket, or `body`) and its
    actions in one change. A template that does not render writes nothing (422)."""
    user = request_user(request)
    macro = selectors.macro_get(user=user, macro_id=macro_id)
    ticket = ticket_get_for_user(user=user, ticket_id=payload.ticket)
    done = apply.macro_apply(macro=macro, ticket=ticket, by=user, body=payload.body)
    return {
        "ticket": done.ticket.pk,
        "status": done.ticket.status,
        "reply_event": done.reply.pk if done.reply else None,
        "body": done.body,
        "language": done.language,
        "warning": done.warning,
    }


@router.get("/replies/articles", response={200: list[ArticleOut], **READ_ERRORS})
def articles_search(request: HttpRequest, filters: Query[ArticleQuery]) -> list[Article]:
    """Knowledge-base articles with every word of `q`, best first."""
    return selectors.articles_search(
        user=request_user(request), query=filters.q, issue_type=filters.issue_type
    )


@router.get("/replies/articles/{article_id}", response={200: ArticleOut, **READ_ERRORS})
def article_get(request: HttpRequest, article_id: Id) -> Article:
    return selectors.article_get(user=request_user(request), article_id=article_id)


@router.get(
    "/replies/tickets/{ticket_id}/articles", response={200: list[ArticleOut], **READ_ERRORS}
)
def articles_suggested(request: HttpRequest, ticket_id: Id) -> list[Article]:
    """The articles for the ticket's issue type."""
    user = request_user(request)
    ticket = ticket_get_for_user(user=user, ticket_id=ticket_id)
    return selectors.articles_suggested(user=user, ticket=ticket)


def _article_save(request: HttpRequest, payload: ArticleIn, article: Article | None) -> Article:
    user = request_user(request)
    saved = services.article_save(
        by=user,
        title=payload.title,
        body=payload.body,
        language=payload.language,
        tags=payload.tags,
        issue_types=payload.issue_types,
        article=article,
    )
    return selectors.article_get(user=user, article_id=saved.pk)


@router.post("/replies/articles", response={201: ArticleOut, **WRITE_ERRORS}, auth=MANAGE)
def article_create(request: HttpRequest, payload: ArticleIn) -> Status[Article]:
    return Status(201, _article_save(request, payload, None))


@router.put(
    "/replies/articles/{article_id}", response={200: ArticleOut, **WRITE_ERRORS}, auth=MANAGE
)
def article_update(request: HttpRequest, article_id: Id, payload: ArticleIn) -> Article:
    article = selectors.article_get(user=request_user(request), article_id=article_id)
    return _article_save(request, payload, article)


@router.delete("/replies/articles/{article_id}", response={204: None, **WRITE_ERRORS}, auth=MANAGE)
def article_delete(request: HttpRequest, article_id: Id) -> Status[None]:
    user = request_user(request)
    services.article_delete(
        by=user, article=selectors.article_get(user=user, article_id=article_id)
    )
    return Status(204, None)


@router.get(
    "/replies/return-addresses", response={200: list[ReturnAddressOut], **AUTH_ERRORS}, auth=MANAGE
)
def return_addresses_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = selectors.return_addresses_list(user=request_user(request))
    return [{"store": r.store.code if r.store else None, "address": r.address} for r in rows]


@router.put(
    "/replies/return-addresses", response={200: list[ReturnAddressOut], **WRITE_ERRORS}, auth=MANAGE
)
def return_address_set(request: HttpRequest, payload: ReturnAddressIn) -> list[dict[str, Any]]:
    """Set (or, with an empty address, remove) a store's return address or the default."""
    store = None
    if payload.store is not None:
        store = Store.objects.filter(code=payload.store).first()
        if store is None:
            raise NotFound(f"no store {payload.store!r}")
    services.return_address_set(by=request_user(request), store=store, address=payload.address)
    return return_addresses_list(request)
