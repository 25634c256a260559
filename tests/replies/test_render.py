"""Templates rendered for a ticket: every variable filled in the buyer's language, the
variant picked by the ticket's language (with a warning on fallback), every unknown or empty
variable an error, and the sandbox refusing what a template must not do (docs/replies.md)."""

from __future__ import annotations

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import ValidationError
from afterdesk.replies import apply, render, services
from afterdesk.replies.services import VariantIn
from tests.replies.helpers import template, ticket_for

pytestmark = pytest.mark.django_db


def test_spanish_ticket_gets_the_spanish_variant_with_every_variable_filled(
    team: Team, supervisor: User, agent: User
) -> None:
    agent.display_name = "Anna"
    agent.save()
    ticket = ticket_for(team, language="es")
    result = apply.template_render(template=template(supervisor), ticket=ticket, agent=agent)
    assert result.ok, result.errors
    assert result.language == "es"
    assert result.warning == ""
    assert result.text == (
        "Hola Lucía Gómez:\n"
        "Tu pedido #5001 del 20 de noviembre de 2026 (2 × Camisa de lino) está en tránsito: "
        "https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD014600000001\n"
        "Un saludo, Anna (Tienda Lino)"
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "es"), ("es-MX", "es"), ("ES", "es"), ("pt-BR", "pt-BR"), ("pt", "pt-BR")],
)
def test_the_ticket_language_picks_the_variant(
    team: Team, supervisor: User, language: str, expected: str
) -> None:
    chosen = template(supervisor, variants={"en": "Hi", "es": "Hola", "pt-BR": "Olá"})
    variant, warning = apply.variant_pick(chosen, language)
    assert (variant.language, warning) == (expected, "")


def test_a_missing_variant_offers_the_default_with_a_visible_warning(
    team: Team, supervisor: User, agent: User
) -> None:
    ticket = ticket_for(team, language="ja")
    result = apply.template_render(template=template(supervisor), ticket=ticket, agent=agent)
    assert result.ok
    assert result.language == "en"
    assert "no ja version" in result.warning
    assert "en (default)" in result.warning
    # Dates follow the text shown, not the buyer's language: no Japanese date in English.
    assert "November 20, 2026" in result.text


def test_unknown_language_falls_back_with_a_warning(
    team: Team, supervisor: User, agent: User
) -> None:
    ticket = ticket_for(team, language="")
    result = apply.template_render(template=template(supervisor), ticket=ticket, agent=agent)
    assert result.language == "en"
    assert "not known" in result.warning


def test_dates_in_the_buyers_locale(team: Team, supervisor: User, agent: User) -> None:
    bodies = {
        lang: "{{ order_date }} · {{ tracking_status }}" for lang in ("en", "de", "fr", "ja", "zh")
    }
    chosen = template(supervisor, variants=bodies)
    expected = {
        "de": "20. November 2026 · unterwegs",
        "fr": "20 novembre 2026 · en transit",
        "ja": "2026年11月20日 · 輸送中",
        "zh": "2026年11月20日 · 运输中",
    }
    for language, text in expected.items():
        ticket = ticket_for(team, language=language)
        assert apply.template_render(template=chosen, ticket=ticket, agent=agent).text == text


def test_empty_variables_are_errors_listed_by_name(
    team: Team, supervisor: User, agent: User
) -> None:
    ticket = ticket_for(team, language="es", with_order=False)
    result = apply.template_render(template=template(supervisor), ticket=ticket, agent=agent)
    assert not result.ok
    assert result.text == ""
    named = " ".join(result.errors)
    for name in ("order_number", "order_date", "items", "tracking_status", "tracking_link"):
        assert f"{name} has no value" in named
    assert "buyer_name" not in named  # the buyer has a name


def test_unknown_variables_are_refused_when_saving(supervisor: User) -> None:
    with pytest.raises(ValidationError, match="unknown variable 'buyer_nmae'"):
        template(supervisor, variants={"en": "Hi {{ buyer_nmae }}"})
    with pytest.raises(ValidationError, match="line 1"):
        template(supervisor, variants={"en": "Hi {{ buyer_name "})


def test_unknown_attribute_of_a_variable_is_an_error_at_preview(
    team: Team, supervisor: User, agent: User
) -> None:
    chosen = template(supervisor, variants={"en": "{% for i in items %}{{ i.colour }}{% endfor %}"})
    result = apply.template_render(template=chosen, ticket=ticket_for(team), agent=agent)
    assert result.errors == ["undefined: 'dict object' has no attribute 'colour'"]


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ buyer_name.__init__.__globals__ }}",
        "{{ items.append(1) }}",
        "{{ items.pop() }}",
        "{{ 'x' * 100000000 }}",
        "{{ 9 ** 9 ** 9 }}",
        "{{ buyer_name.format.__globals__ }}",
        "{{ (buyer_name|attr('__class__')) }}",
    ],
)
def test_sandbox_escapes_are_refused(body: str, team: Team, agent: User) -> None:
    ticket = ticket_for(team)
    result = apply.body_render(body=body, ticket=ticket, agent=agent, language="es")
    assert not result.ok
    assert result.text == ""
    assert any(e.startswith("not allowed") for e in result.errors), result.errors


def test_only_the_variables_are_available_no_globals() -> None:
    assert render.check("{{ range(10) }}{{ lipsum() }}{{ cycler }}") == [
        "unknown variable 'cycler'",
        "unknown variable 'lipsum'",
        "unknown variable 'range'",
    ]


def test_deeply_nested_loops_are_refused() -> None:
    loop = "{% for a in items %}{% for b in items %}{% for c in items %}"
    body = loop + "{% endfor %}{% endfor %}{% endfor %}"
    assert render.check(body) == ["loops may be nested at most 2 deep"]


def test_template_needs_its_default_language_variant(supervisor: User) -> None:
    with pytest.raises(ValidationError, match="default language 'en' needs a variant"):
        services.template_save(
            by=supervisor,
            key="x",
            name="X",
            default_language="en",
            variants=[VariantIn(language="es", body="Hola")],
        )


def test_dates_are_the_day_in_the_tickets_zone(team: Team, supervisor: User, agent: User) -> None:
    from datetime import UTC, datetime

    from afterdesk.commerce.models import Order
    from tests.factories import CalendarFactory

    ticket = ticket_for(team, language="ja")
    Order.objects.update(placed_at=datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    chosen = template(supervisor, variants={"en": "{{ order_date }}", "ja": "{{ order_date }}"})
    assert apply.template_render(template=chosen, ticket=ticket, agent=agent).text == (
        "2026年11月20日"
    )
    ticket.calendar = CalendarFactory(key="jp", tz="Asia/Tokyo")
    ticket.save(update_fields=["calendar"])
    assert apply.template_render(template=chosen, ticket=ticket, agent=agent).text == (
        "2026年11月21日"  # 08:30 on the 21st in Tokyo
    )


def test_the_stores_return_address_else_the_default(
    team: Team, supervisor: User, agent: User
) -> None:
    ticket = ticket_for(team, language="en")
    chosen = template(supervisor, variants={"en": "{{ return_address }}"})
    missing = apply.template_render(template=chosen, ticket=ticket, agent=agent)
    assert missing.errors[0].startswith("return_address has no value")
    services.return_address_set(by=supervisor, store=None, address="Default returns, Leipzig")
    assert apply.template_render(template=chosen, ticket=ticket, agent=agent).text == (
        "Default returns, Leipzig"
    )
    services.return_address_set(by=supervisor, store=ticket.store, address="Lino returns, Madrid")
    assert apply.template_render(template=chosen, ticket=ticket, agent=agent).text == (
        "Lino returns, Madrid"
    )
