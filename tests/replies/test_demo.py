"""The demo's templates, macros and SOPs: loaded with the demo, and the issue's scenario — an
agent applies a macro on a demo ticket and the reply goes out in the buyer's language with
every variable filled."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from afterdesk.accounts.models import User
from afterdesk.replies import apply, demo_content, selectors
from afterdesk.replies.demo import replies_demo_load
from afterdesk.replies.models import Article, Macro, ReplyTemplate
from afterdesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
LANGUAGES = {"en", "es", "de", "fr", "ja", "zh"}


@pytest.fixture
def demo() -> None:
    call_command("demo", "--tickets", "200", "--quiet")


def test_demo_loads_templates_macros_and_sops_in_six_languages(demo: None) -> None:
    # Other apps' demos add templates of their own (automations: the stalled-parcel apology).
    ours = ReplyTemplate.objects.filter(key__in=demo_content.TEMPLATES)
    templates = list(ours.prefetch_related("variants"))
    assert len(templates) == 6
    for template in templates:
        assert {v.language for v in template.variants.all()} == LANGUAGES
    assert {a.language for a in Article.objects.all()} == LANGUAGES
    assert Macro.objects.filter(owner__isnull=True).count() == 7
    assert Macro.objects.filter(owner__username="lena.schmidt").count() == 1
    admin = User.objects.get(username="admin")
    found = selectors.articles_search(user=admin, query="丢件")
    assert [a.title for a in found] == ["流程：丢件处理"]
    again = replies_demo_load(admin=admin)  # idempotent
    assert again["templates"] == 6
    assert ours.count() == 6
    assert Article.objects.count() == 11


@pytest.mark.parametrize("language", ["es", "fr", "ja"])
def test_agent_applies_a_macro_reply_goes_out_in_the_buyers_language(
    demo: None, language: str
) -> None:
    ticket = (
        Ticket.objects.filter(
            language=language,
            orders__shipments__isnull=False,
            customer__isnull=False,
            status__in=["new", "open", "pending", "on_hold"],
        )
        .exclude(customer__name="")
        .order_by("pk")
        .first()
    )
    assert ticket is not None, f"the demo has an open {language} ticket with a parcel"
    agent = ticket.assignee or User.objects.get(username="admin")
    # Every demo template renders on it (a marketplace refuses the one with a link); the
    # returns app's step emails render for a return case only (tests/returns/test_emails.py).
    templates = ReplyTemplate.objects.exclude(key__startswith="return-")
    for template in templates.prefetch_related("variants"):
        result = apply.template_render(template=template, ticket=ticket, agent=agent)
        if template.key == "tracking-link" and ticket.channel == "marketplace" and result.errors:
            assert "link" in result.errors[0]  # Amazon, eBay: no links to other sites
        else:
            assert result.ok, (template.key, result.errors)
            assert result.language == language
    macro = Macro.objects.get(name="Tracking update → pending")
    done = apply.macro_apply(macro=macro, ticket=ticket, by=agent)
    assert done.language == language
    assert done.warning == ""
    reply = Message.objects.filter(ticket=ticket, kind="reply").order_by("-pk").first()
    assert reply is not None
    assert reply.body_text == done.body
    assert "{{" not in reply.body_text
    assert "}}" not in reply.body_text
    order = ticket.orders.order_by("-placed_at", "-id").first()
    assert order is not None
    assert order.number in reply.body_text
    greeting = {"es": "Hola,", "fr": "Bonjour", "ja": "様"}[language]
    assert greeting in reply.body_text
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"
