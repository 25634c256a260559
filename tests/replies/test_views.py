"""The replies pages and the ticket page's panel: the access rule (the API's), the macro
picker's preview with its errors and fallback warning, the filled reply box, applying a macro
with htmx, the knowledge base from the ticket page, pinned query counts for the lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from afterdesk.accounts.models import Team, User
from afterdesk.replies import services
from afterdesk.replies.models import Macro, ReplyTemplate
from afterdesk.replies.services import MacroIn
from afterdesk.tickets.models import Message, Ticket
from tests.replies.helpers import EN, template, ticket_for

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_ticket_page_loads_the_panel_which_shows_macros_and_suggestions(
    client: Client, team: Team, agent: User, supervisor: User
) -> None:
    ticket = ticket_for(team)
    services.macro_save(
        by=supervisor, data=MacroIn(name="Where is it", template=template(supervisor), shared=True)
    )
    services.article_save(
        by=supervisor, title="Lost parcel SOP", body="Trace it.", issue_types=["not_received"]
    )
    page = as_user(client, agent).get(reverse("tickets:ticket", args=[ticket.pk]))
    panel_url = reverse("replies:panel", args=[ticket.pk])
    assert f'hx-get="{panel_url}"' in page.content.decode()
    panel = client.get(panel_url, **HTMX).content.decode()
    assert "Where is it" in panel
    assert "Lost parcel SOP" in panel


def test_another_teams_ticket_is_404_everywhere(
    client: Client, team: Team, other_agent: User, supervisor: User
) -> None:
    ticket = ticket_for(team)
    macro = services.macro_save(
        by=supervisor, data=MacroIn(name="m", set_status="pending", shared=True)
    )
    as_user(client, other_agent)
    for name, args in [
        ("replies:panel", [ticket.pk]),
        ("replies:ticket_macros", [ticket.pk]),
        ("replies:ticket_articles", [ticket.pk]),
        ("replies:ticket_macro_preview", [ticket.pk, macro.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    assert (
        client.post(reverse("replies:ticket_macro_apply", args=[ticket.pk, macro.pk])).status_code
        == 404
    )
    assert Ticket.objects.get(pk=ticket.pk).status != "pending"


def test_preview_shows_the_errors_and_offers_no_button(
    client: Client, team: Team, agent: User, supervisor: User
) -> None:
    macro = services.macro_save(
        by=supervisor, data=MacroIn(name="m", template=template(supervisor), send=True, shared=True)
    )
    bare = ticket_for(team, language="ja", with_order=False)
    html = (
        as_user(client, agent)
        .get(reverse("replies:ticket_macro_preview", args=[bare.pk, macro.pk]), **HTMX)
        .content.decode()
    )
    assert "cannot be sent" in html
    assert "order_number has no value" in html
    assert "no ja version" in html  # the fallback warning is visible
    assert "Send now" not in html
    refused = client.post(reverse("replies:ticket_macro_apply", args=[bare.pk, macro.pk]), **HTMX)
    assert refused.status_code == 422
    assert "order_number has no value" in refused.content.decode()
    assert Macro.objects.get(pk=macro.pk).usage_count == 0


def test_fill_then_send_applies_the_macro_with_the_edited_text(
    client: Client, team: Team, agent: User, supervisor: User
) -> None:
    macro = services.macro_save(
        by=supervisor,
        data=MacroIn(
            name="Where",
            template=template(supervisor),
            set_status="pending",
            add_tags=["wismo"],
            shared=True,
        ),
    )
    ticket = ticket_for(team, language="es")
    as_user(client, agent)
    preview = client.get(
        reverse("replies:ticket_macro_preview", args=[ticket.pk, macro.pk]), **HTMX
    )
    assert "Hola Lucía Gómez" in preview.content.decode()
    assert "Use in reply" in preview.content.decode()
    filled = client.post(reverse("replies:ticket_macro_fill", args=[ticket.pk, macro.pk]), **HTMX)
    html = filled.content.decode()
    assert 'id="form-reply"' in html
    assert "Hola Lucía Gómez:" in html
    sent = client.post(
        reverse("replies:ticket_macro_apply", args=[ticket.pk, macro.pk]),
        {"body": "Hola Lucía Gómez: editado"},
        **HTMX,
    )
    assert sent.status_code == 200
    done = sent.content.decode()
    assert 'id="conversation"' in done
    assert "hx-swap-oob" in done
    assert "editado" in done
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "pending"
    assert list(ticket.tags.values_list("name", flat=True)) == ["wismo"]
    assert (
        Message.objects.filter(ticket=ticket, kind="reply").get().body_text
        == "Hola Lucía Gómez: editado"
    )
    assert Macro.objects.get(pk=macro.pk).usage_count == 1


def test_send_macro_without_htmx_redirects_to_the_ticket(
    client: Client, team: Team, agent: User, supervisor: User
) -> None:
    macro = services.macro_save(
        by=supervisor, data=MacroIn(name="m", template=template(supervisor), send=True, shared=True)
    )
    ticket = ticket_for(team, language="es")
    response = as_user(client, agent).post(
        reverse("replies:ticket_macro_apply", args=[ticket.pk, macro.pk])
    )
    assert response.status_code == 302
    assert Message.objects.get(ticket=ticket, kind="reply").body_text.startswith(
        "Hola Lucía Gómez:"
    )


def test_knowledge_base_from_the_ticket_page(
    client: Client, team: Team, agent: User, supervisor: User
) -> None:
    services.article_save(
        by=supervisor, title="退货流程", body="七天无理由退货，先发退货标签。", language="zh"
    )
    ticket = ticket_for(team)
    html = (
        as_user(client, agent)
        .get(reverse("replies:ticket_articles", args=[ticket.pk]), {"q": "退货"}, **HTMX)
        .content.decode()
    )
    assert "退货流程" in html


def test_only_managers_write_templates_and_articles(
    client: Client, agent: User, supervisor: User
) -> None:
    chosen = template(supervisor)
    as_user(client, agent)
    assert client.get(reverse("replies:templates")).status_code == 200
    assert client.get(reverse("replies:template", args=[chosen.pk])).status_code == 200
    assert client.get(reverse("replies:template_new")).status_code == 403
    assert client.post(reverse("replies:template", args=[chosen.pk]), {}).status_code == 403
    assert client.post(reverse("replies:template_delete", args=[chosen.pk])).status_code == 403
    assert client.get(reverse("replies:article_new")).status_code == 403
    assert ReplyTemplate.objects.filter(pk=chosen.pk).exists()


def test_template_form_saves_variants_and_shows_errors(client: Client, supervisor: User) -> None:
    as_user(client, supervisor)
    data = {
        "key": "thanks",
        "name": "Thanks",
        "default_language": "en",
        "variants-TOTAL_FORMS": "2",
        "variants-INITIAL_FORMS": "0",
        "variants-0-language": "en",
        "variants-0-body": "Thanks {{ buyer_nam }}",
        "variants-1-language": "de",
        "variants-1-body": "Danke {{ buyer_name }}",
    }
    refused = client.post(reverse("replies:template_new"), data)
    assert refused.status_code == 422
    assert "unknown variable" in refused.content.decode()
    data["variants-0-body"] = EN
    saved = client.post(reverse("replies:template_new"), data)
    assert saved.status_code == 302
    assert sorted(
        ReplyTemplate.objects.get(key="thanks").variants.values_list("language", flat=True)
    ) == ["de", "en"]


def test_agents_manage_their_own_macros_only(
    client: Client, agent: User, other_agent: User, supervisor: User
) -> None:
    as_user(client, agent)
    response = client.post(
        reverse("replies:macro_new"), {"name": "Mine", "set_status": "pending", "shared": "on"}
    )
    assert response.status_code == 302
    mine = Macro.objects.get(name="Mine")
    assert mine.owner == agent  # "shared" is not offered to an agent: ignored
    shared = services.macro_save(
        by=supervisor, data=MacroIn(name="Shared", set_status="open", shared=True)
    )
    assert (
        client.post(
            reverse("replies:macro", args=[shared.pk]), {"name": "x", "set_status": "open"}
        ).status_code
        == 403
    )
    assert client.post(reverse("replies:macro_delete", args=[shared.pk])).status_code == 403
    as_user(client, other_agent)
    assert client.get(reverse("replies:macro", args=[mine.pk])).status_code == 404
    assert "Mine" not in client.get(reverse("replies:macros")).content.decode()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_have_pinned_query_counts(
    client: Client, team: Team, supervisor: User, agent: User
) -> None:
    ticket = ticket_for(team)

    def grow(n: int) -> None:
        for i in range(n):
            chosen = template(supervisor, key=f"k{n}-{i}")
            services.macro_save(
                by=supervisor, data=MacroIn(name=f"m{n}{i}", template=chosen, shared=True)
            )
            services.macro_save(by=agent, data=MacroIn(name=f"p{n}{i}", add_tags=["a"]))
            services.article_save(
                by=supervisor, title=f"a{n}{i}", body="lost parcel", issue_types=["not_received"]
            )

    urls = [
        reverse("replies:templates"),
        reverse("replies:macros"),
        reverse("replies:articles") + "?q=parcel",
        reverse("replies:panel", args=[ticket.pk]),
    ]
    as_user(client, agent)
    grow(1)
    few = [_queries(client, url) for url in urls]
    grow(5)
    assert [_queries(client, url) for url in urls] == few
    # session + user, then the list and its prefetches (the panel also reads the ticket)
    assert few[0] == 4
    assert few[1] == 4
    assert few[3] == 7


def test_pages_in_chinese(client: Client, agent: User, supervisor: User) -> None:
    client.cookies["django_language"] = "zh-hans"
    as_user(client, agent)
    html = client.get(reverse("replies:macros")).content.decode()
    assert "共享宏" in html
    assert "我的宏" in html


def test_a_supervisor_writes_an_article_in_the_form_and_finds_it(
    client: Client, supervisor: User
) -> None:
    as_user(client, supervisor)
    response = client.post(
        reverse("replies:article_new"),
        {
            "title": "Procédure : colis endommagé",
            "language": "fr",
            "tags": "dommage photo",
            "issue_types": ["damaged"],
            "body": "Demander une photo du colis et de l'article.",
        },
    )
    assert response.status_code == 302
    found = client.get(reverse("replies:articles"), {"q": "endommagé"}).content.decode()
    assert "Procédure : colis endommagé" in found
    refused = client.post(
        reverse("replies:article_new"),
        {"title": "x", "language": "en", "body": "y", "issue_types": ["nope"]},
    )
    assert refused.status_code == 422
