"""Writes of the replies app: templates and their language variants, macros, articles and
return addresses (docs/replies.md). Each checks the one access rule (`access`) first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from afterdesk.accounts.models import Role, Team, User
from afterdesk.commerce.models import Store
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.replies import access, render
from afterdesk.replies.models import (
    ARTICLE_BODY_MAX_CHARS,
    TEMPLATE_BODY_MAX_CHARS,
    Article,
    ArticleTopic,
    AssignMode,
    Macro,
    ReplyTemplate,
    ReturnAddress,
    TemplateVariant,
)
from afterdesk.replies.search import index_article, search_text, unindex_article
from afterdesk.tickets.events import TRIAGE_ISSUE_TYPES
from afterdesk.tickets.models import Status


@dataclass(frozen=True)
class VariantIn:
    language: str
    body: str


def _language(code: str, field: str = "language") -> str:
    code = code.strip()
    if not code or len(code) > 10 or not all(c.isalnum() or c == "-" for c in code):
        raise ValidationError(_("a language is a code such as en, es, pt-BR"), field=field)
    return code


def _variants_check(variants: Sequence[VariantIn], default_language: str) -> list[VariantIn]:
    checked: dict[str, VariantIn] = {}
    for variant in variants:
        language = _language(variant.language, "variants")
        if language.lower() in checked:
            raise ValidationError(
                _("two variants in %(language)s") % {"language": repr(language)}, field="variants"
            )
        if len(variant.body) > TEMPLATE_BODY_MAX_CHARS:
            raise ValidationError(
                _("a variant is at most %(limit)s characters") % {"limit": TEMPLATE_BODY_MAX_CHARS},
                field="variants",
            )
        if not variant.body.strip():
            raise ValidationError(
                _("the %(language)s variant is empty") % {"language": language}, field="variants"
            )
        errors = render.check(variant.body)
        if errors:
            raise ValidationError(f"{language}: {'; '.join(errors)}", field="variants")
        checked[language.lower()] = VariantIn(language=language, body=variant.body)
    if default_language.lower() not in checked:
        raise ValidationError(
            _("the default language %(language)s needs a variant")
            % {"language": repr(default_language)},
            field="variants",
        )
    return list(checked.values())


@transaction.atomic
def template_save(
    *,
    by: User,
    key: str,
    name: str,
    default_language: str,
    variants: Sequence[VariantIn],
    template: ReplyTemplate | None = None,
) -> ReplyTemplate:
    """Create a template, or replace `template`'s fields and variants. Every variant is
    checked first (syntax, variable names): a template that cannot render is not saved."""
    access.shared_manage_require(by)
    default_language = _language(default_language, "default_language")
    checked = _variants_check(variants, default_language)
    if not name.strip():
        raise ValidationError(_("a template needs a name"), field="name")
    clash = ReplyTemplate.objects.filter(key=key)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise Conflict(
            _("a template with the key %(key)s exists") % {"key": repr(key)}, field="key"
        )
    if template is None:
        template = ReplyTemplate(created_by=by)
    template.key, template.name, template.default_language = key, name.strip(), default_language
    template.save()
    template.variants.all().delete()
    TemplateVariant.objects.bulk_create(
        TemplateVariant(template=template, language=v.language, body=v.body) for v in checked
    )
    return template


@transaction.atomic
def template_delete(*, by: User, template: ReplyTemplate) -> None:
    access.shared_manage_require(by)
    try:
        template.delete()
    except ProtectedError as error:
        raise Conflict(_("macros use this template; change or delete them first")) from error


@dataclass(frozen=True)
class MacroIn:
    name: str
    template: ReplyTemplate | None = None
    send: bool = False
    set_status: str = ""
    add_tags: Sequence[str] = ()
    assign_mode: str = AssignMode.KEEP
    assign_agent: User | None = None
    assign_team: Team | None = None
    shared: bool = False


def _macro_check(data: MacroIn) -> None:
    if not data.name.strip():
        raise ValidationError(_("a macro needs a name"), field="name")
    if data.set_status and data.set_status not in Status.values:
        raise ValidationError(f"unknown status {data.set_status!r}", field="set_status")
    if data.assign_mode not in AssignMode.values:
        raise ValidationError(f"unknown assignment {data.assign_mode!r}", field="assign_mode")
    if data.assign_mode == AssignMode.AGENT and data.assign_agent is None:
        raise ValidationError(_("name the agent to assign"), field="assign_agent")
    agent = data.assign_agent
    if agent is not None and (not agent.is_active or agent.role == Role.QA_REVIEWER):
        raise ValidationError(
            _("%(agent)s cannot be assigned tickets") % {"agent": agent.username},
            field="assign_agent",
        )
    if data.send and data.template is None:
        raise ValidationError(_("a macro that sends needs a template"), field="send")
    if any(len(tag) > 50 for tag in data.add_tags):
        raise ValidationError(_("a tag is at most 50 characters"), field="add_tags")
    if data.template is None and not (data.set_status or data.add_tags or data.assign_mode):
        raise ValidationError(_("a macro needs a template or an action"), field="template")


@transaction.atomic
def macro_save(*, by: User, data: MacroIn, macro: Macro | None = None) -> Macro:
    """Create or change a macro: a shared one (admins, supervisors) or the caller's own.
    A personal macro stays its owner's; sharing one or making a shared one personal is done
    by a manager."""
    if macro is not None:
        access.macro_edit_require(by, macro)
    if data.shared:
        access.shared_manage_require(by)
    _macro_check(data)
    if macro is None:
        macro = Macro()
    if data.shared:
        macro.owner = None
    elif macro.owner_id is None:
        macro.owner = by
    macro.name = data.name.strip()
    macro.template = data.template
    macro.send = data.send
    macro.set_status = data.set_status
    macro.add_tags = sorted({t.strip().lower() for t in data.add_tags if t.strip()})
    macro.assign_mode = data.assign_mode
    macro.assign_agent = data.assign_agent if data.assign_mode == AssignMode.AGENT else None
    macro.assign_team = data.assign_team
    macro.save()
    return macro


@transaction.atomic
def macro_delete(*, by: User, macro: Macro) -> None:
    access.macro_edit_require(by, macro)
    macro.delete()


def _topics_check(issue_types: Sequence[str]) -> list[str]:
    unknown = [t for t in issue_types if t not in TRIAGE_ISSUE_TYPES]
    if unknown:
        raise ValidationError(
            f"unknown issue type {unknown[0]!r}; use {', '.join(TRIAGE_ISSUE_TYPES)}",
            field="issue_types",
        )
    return sorted(set(issue_types))


@transaction.atomic
def article_save(
    *,
    by: User,
    title: str,
    body: str,
    language: str = "en",
    tags: str = "",
    issue_types: Sequence[str] = (),
    article: Article | None = None,
) -> Article:
    access.shared_manage_require(by)
    if not title.strip():
        raise ValidationError("an article needs a title", field="title")
    if not body.strip():
        raise ValidationError("an article needs a text", field="body")
    if len(body) > ARTICLE_BODY_MAX_CHARS:
        raise ValidationError(
            f"an article is at most {ARTICLE_BODY_MAX_CHARS} characters", field="body"
        )
    topics = _topics_check(issue_types)
    if article is None:
        article = Article(created_by=by)
    article.title, article.body = title.strip(), body
    article.language = _language(language)
    article.tags = " ".join(tags.split())[:300]
    article.search_text = search_text(title=article.title, tags=article.tags, body=body)
    article.save()
    article.topics.all().delete()
    ArticleTopic.objects.bulk_create(ArticleTopic(article=article, issue_type=t) for t in topics)
    index_article(article)
    return article


@transaction.atomic
def article_delete(*, by: User, article: Article) -> None:
    access.shared_manage_require(by)
    article_id = article.pk
    article.delete()
    unindex_article(article_id)


@transaction.atomic
def return_address_set(*, by: User, store: Store | None, address: str) -> ReturnAddress | None:
    """The return address of a store, or the default one (`store` None); empty removes it."""
    access.shared_manage_require(by)
    rows = ReturnAddress.objects.select_for_update().filter(store=store)
    if store is None:
        rows = ReturnAddress.objects.select_for_update().filter(store__isnull=True)
    current = rows.first()
    if not address.strip():
        if current is not None:
            current.delete()
        return None
    if len(address) > 1000:
        raise ValidationError("an address is at most 1000 characters", field="address")
    if current is None:
        return ReturnAddress.objects.create(store=store, address=address.strip())
    current.address = address.strip()
    current.save(update_fields=["address"])
    return current
