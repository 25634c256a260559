"""The demo's return emails and return addresses (`demo_content`), written through the
services as the demo's admin. Loading twice changes nothing: each template is found by its
key and brought back to the demo's version."""

from __future__ import annotations

from afterdesk.accounts.models import User
from afterdesk.replies import services as replies
from afterdesk.replies.models import ReplyTemplate
from afterdesk.returns import demo_content as content
from afterdesk.returns.services.settings import market_address_save, step_emails_save


def returns_demo_load(*, admin: User) -> dict[str, int]:
    choices: dict[str, tuple[int | None, bool]] = {}
    for step, (key, name, variants) in content.STEP_TEMPLATES.items():
        template = replies.template_save(
            by=admin,
            key=key,
            name=name,
            default_language="en",
            variants=[
                replies.VariantIn(language=lang, body=body) for lang, body in variants.items()
            ],
            template=ReplyTemplate.objects.filter(key=key).first(),
        )
        choices[step] = (template.pk, True)
    step_emails_save(by=admin, choices=choices)
    for market, (warehouse, address) in content.MARKET_ADDRESSES.items():
        market_address_save(by=admin, market=market, warehouse=warehouse, address=address)
    return {"templates": len(choices), "addresses": len(content.MARKET_ADDRESSES)}
