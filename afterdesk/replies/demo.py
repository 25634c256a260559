"""The demo's templates, macros, SOPs and return addresses (`demo_content`), written through
the services as the demo's admin. Loading twice changes nothing: each is found by its key,
name or title and brought back to the demo's version."""

from __future__ import annotations

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Store
from afterdesk.replies import demo_content as content
from afterdesk.replies import services
from afterdesk.replies.models import Article, Macro, ReplyTemplate


def replies_demo_load(*, admin: User) -> dict[str, int]:
    templates = {}
    for key, (name, variants) in content.TEMPLATES.items():
        templates[key] = services.template_save(
            by=admin,
            key=key,
            name=name,
            default_language="en",
            variants=[
                services.VariantIn(language=lang, body=body) for lang, body in variants.items()
            ],
            template=ReplyTemplate.objects.filter(key=key).first(),
        )
    teams = {team.name: team for team in Team.objects.all()}
    for name, template_key, send, status, tags, assign, team in content.SHARED_MACROS:
        data = services.MacroIn(
            name=name,
            template=templates[template_key] if template_key else None,
            send=send,
            set_status=status,
            add_tags=tags,
            assign_mode=assign,
            assign_team=teams.get(team) if team else None,
            shared=True,
        )
        existing = Macro.objects.filter(name=name, owner__isnull=True).first()
        services.macro_save(by=admin, data=data, macro=existing)
    personal = 0
    for username, (name, key, macro_tags) in content.PERSONAL_MACROS.items():
        owner = User.objects.filter(username=username, is_active=True).first()
        if owner is None:
            continue
        data = services.MacroIn(name=name, template=templates[key], add_tags=macro_tags)
        existing = Macro.objects.filter(name=name, owner=owner).first()
        services.macro_save(by=owner, data=data, macro=existing)
        personal += 1
    for title, language, issue_types, words, body in content.ARTICLES:
        services.article_save(
            by=admin,
            title=title,
            body=body,
            language=language,
            tags=words,
            issue_types=issue_types,
            article=Article.objects.filter(title=title).first(),
        )
    services.return_address_set(by=admin, store=None, address=content.DEFAULT_RETURN_ADDRESS)
    stores = Store.objects.filter(code__in=content.STORE_RETURN_ADDRESSES)
    for store in stores:
        address = content.STORE_RETURN_ADDRESSES[store.code]
        services.return_address_set(by=admin, store=store, address=address)
    return {
        "templates": len(templates),
        "macros": len(content.SHARED_MACROS) + personal,
        "articles": len(content.ARTICLES),
    }
