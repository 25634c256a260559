"""The public survey page (docs/surveys.md, "The page"): no login, the buyer's language, the
subject and nothing else of the ticket; expired, forged and altered links refused with a clear
page; rate limits per address and per survey; CSRF; the latest answer wins."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.channels.models import Mailbox
from afterdesk.surveys.links import SALT, link_token
from afterdesk.surveys.models import Survey, SurveyRateCounter
from afterdesk.surveys.services import ratelimit
from afterdesk.surveys.services.scheduling import settings_save
from afterdesk.tickets.models import TicketEvent
from tests.factories import OrderFactory
from tests.surveys.conftest import sent_survey

pytestmark = pytest.mark.django_db


def csat_events(survey: Survey) -> list[tuple[float | None, str]]:
    return [
        (event.score, event.fields.get("comment", ""))
        for event in TicketEvent.objects.filter(ticket=survey.ticket, kind="csat").order_by(
            "at", "id"
        )
    ]


def test_the_page_shows_the_subject_and_nothing_else_of_the_ticket(
    mailbox: Mailbox, agent: User, client: Client
) -> None:
    survey, link = sent_survey(mailbox, agent)
    order = OrderFactory(number="#4711")
    survey.ticket.orders.add(order)

    page = client.get(link)

    assert page.status_code == 200
    html = page.content.decode()
    assert "About your request: Where is my parcel?" in html
    assert 'name="rating"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    for secret in (agent.username, "#4711", "buyer@example.net", "It arrives tomorrow."):
        assert secret not in html
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "no-referrer"
    assert '<html lang="en">' in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", ["我们做得怎么样？", "非常满意", "评论（可选）"]),
        ("de", ["Wie zufrieden waren Sie mit uns?", "Sehr zufrieden", "Kommentar (optional)"]),
        ("ja", ["私たちの対応はいかがでしたか？", "とても満足", "コメント（任意）"]),
    ],
)
def test_the_page_speaks_the_buyers_language_whatever_the_browser_says(
    mailbox: Mailbox, agent: User, client: Client, language: str, expected: list[str]
) -> None:
    survey, link = sent_survey(mailbox, agent, language=language)
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = page.content.decode()
    assert page.status_code == 200
    for text in expected:
        assert text in html
    assert f'<html lang="{survey.language}">' in html
    assert page["Content-Language"] == survey.language


def test_an_answer_is_a_csat_event_and_answering_again_changes_it(
    mailbox: Mailbox, agent: User, client: Client
) -> None:
    survey, link = sent_survey(mailbox, agent)

    first = client.post(link, {"rating": "2", "comment": "Slow."})
    assert first.status_code == 302
    assert first["Location"] == f"{link}?saved=1"
    thanks = client.get(first["Location"]).content.decode()
    assert "Thank you for your answer!" in thanks
    assert "Your answer: 2 of 5." in thanks

    # The same answer again (a double click) writes nothing more.
    client.post(link, {"rating": "2", "comment": "Slow."})
    assert csat_events(survey) == [(2.0, "Slow.")]

    client.post(link, {"rating": "5", "comment": "  Solved in the end!  "})
    assert csat_events(survey) == [(2.0, "Slow."), (5.0, "Solved in the end!")]
    survey.refresh_from_db()
    assert (survey.rating, survey.comment, survey.answers) == (5, "Solved in the end!", 2)
    assert survey.csat_event is not None
    assert survey.csat_event.score == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "no rating"}, "Please choose a rating from 1 to 5."),
        ({"rating": "6"}, "Please choose a rating from 1 to 5."),
        ({"rating": "abc"}, "Please choose a rating from 1 to 5."),
        ({"rating": "3", "comment": "x" * 2001}, "2000"),
        ({"rating": "3", "comment": "nul \x00 inside"}, "Null characters are not allowed."),
    ],
)
def test_a_bad_answer_is_shown_again_and_writes_nothing(
    mailbox: Mailbox, agent: User, client: Client, data: dict[str, str], message: str
) -> None:
    survey, link = sent_survey(mailbox, agent)
    page = client.post(link, data)
    assert page.status_code == 422
    assert message in page.content.decode()
    assert csat_events(survey) == []


def _aged_token(survey: Survey, days: float) -> str:
    """A genuine link signed `days` ago."""

    class Aged(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time() - days * 86400))

    return Aged(salt=SALT).sign_object([survey.pk, survey.key])


def test_an_expired_link_is_refused_with_410(mailbox: Mailbox, agent: User, client: Client) -> None:
    survey, _link = sent_survey(mailbox, agent)
    fresh = _aged_token(survey, 13.9)
    old = _aged_token(survey, 14.1)
    assert client.get(f"/s/{fresh}/").status_code == 200

    page = client.get(f"/s/{old}/")
    assert page.status_code == 410
    assert "This survey link has expired." in page.content.decode()
    assert client.post(f"/s/{old}/", {"rating": "5"}).status_code == 410
    assert csat_events(survey) == []

    # A longer expiry in the settings applies to the links already sent.
    settings_save(enabled=True, delay_hours=24, expiry_days=30)
    assert client.get(f"/s/{old}/").status_code == 200


def test_forged_and_altered_links_are_refused_with_404(
    mailbox: Mailbox, agent: User, client: Client
) -> None:
    survey, link = sent_survey(mailbox, agent)
    token = link.split("/")[2]
    payload, stamp, signature = token.rsplit(":", 2)
    flipped = "A" if signature[-1] != "A" else "B"
    other = Survey.objects.create(
        ticket=survey.ticket,
        solve_event=TicketEvent.objects.filter(ticket=survey.ticket)
        .exclude(pk=survey.solve_event_id)
        .first(),
        solved_at=survey.solved_at,
        language="en",
        state="scheduled",
    )
    bad = [
        f"{payload}:{stamp}:{signature[:-1]}{flipped}",  # the signature altered
        # another survey's id under this link's signature
        f"{signing.dumps([survey.pk + 1, survey.key], salt=SALT).split(':')[0]}:{stamp}:"
        f"{signature}",
        signing.dumps([survey.pk, survey.key], salt="another.purpose"),  # another salt
        link_token(survey_id=survey.pk, key="0" * 16),  # the right id, not its key
        link_token(survey_id=other.pk, key=other.key),  # a survey that was never sent
        signing.dumps({"survey": survey.pk}, salt=SALT),  # signed, but no survey link
        "not-a-token",
    ]
    for token in bad:
        page = client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
        assert page.status_code == 404, token
        assert "此调查链接无效。" in page.content.decode()
        assert client.post(f"/s/{token}/", {"rating": "1"}).status_code == 404
    assert csat_events(survey) == []


def test_csrf_is_checked(mailbox: Mailbox, agent: User) -> None:
    survey, link = sent_survey(mailbox, agent)
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link, {"rating": "1"}).status_code == 403
    assert csat_events(survey) == []

    page = browser.get(link)
    token = page.context["csrf_token"]
    assert browser.post(link, {"rating": "4", "csrfmiddlewaretoken": str(token)}).status_code == 302
    assert csat_events(survey) == [(4.0, "")]


def test_requests_from_one_address_are_limited(
    mailbox: Mailbox, agent: User, client: Client
) -> None:
    _survey, link = sent_survey(mailbox, agent)
    for _ in range(ratelimit.PER_ADDRESS.requests):
        assert client.get(link, REMOTE_ADDR="203.0.113.7").status_code == 200
    refused = client.get(link, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert "Too many attempts." in refused.content.decode()
    # Guessing links counts too, and another address is not affected.
    assert client.get("/s/guess/", REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.get(link, REMOTE_ADDR="198.51.100.1").status_code == 200


def test_answers_to_one_survey_are_limited(mailbox: Mailbox, agent: User, client: Client) -> None:
    survey, link = sent_survey(mailbox, agent)
    for i in range(ratelimit.PER_SURVEY.requests):
        address = f"192.0.2.{i + 1}"  # from many addresses: the survey's own limit
        answer = client.post(link, {"rating": str(i % 5 + 1)}, REMOTE_ADDR=address)
        assert answer.status_code == 302
    refused = client.post(link, {"rating": "3", "comment": "again"}, REMOTE_ADDR="192.0.2.200")
    assert refused.status_code == 429
    assert len(csat_events(survey)) == ratelimit.PER_SURVEY.requests


def test_old_rate_windows_are_forgotten(mailbox: Mailbox, agent: User, client: Client) -> None:
    from django.utils import timezone

    _survey, link = sent_survey(mailbox, agent)
    client.get(link)
    assert SurveyRateCounter.objects.exists()
    ratelimit.counters_prune(timezone.now() + timedelta(hours=2))
    assert not SurveyRateCounter.objects.exists()


@pytest.mark.parametrize(
    ("rating", "comment", "field"),
    [(0, "", "rating"), (True, "", "rating"), ("5", "", "rating"), (3, "a\x00b", "comment")],
)
def test_the_service_refuses_what_the_form_would(
    mailbox: Mailbox, agent: User, rating: object, comment: str, field: str
) -> None:
    from afterdesk.core.errors import ValidationError
    from afterdesk.surveys.services.answers import survey_answer

    survey, _link = sent_survey(mailbox, agent)
    with pytest.raises(ValidationError) as refused:
        survey_answer(survey_id=survey.pk, rating=rating, comment=comment)
    assert refused.value.field == field
    assert csat_events(survey) == []
