"""The desk's side of surveys (docs/surveys.md, "On the ticket page", "Settings"): the survey
card on the ticket page, and the settings page for admins only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.channels.models import Mailbox
from afterdesk.surveys.models import Survey, SurveySettings
from afterdesk.surveys.services.answers import survey_answer
from afterdesk.tickets import services as tickets
from tests.surveys.conftest import buyer_ticket, run_at, sent_survey, solve

pytestmark = pytest.mark.django_db


def test_the_ticket_page_shows_the_survey_and_its_answer(
    mailbox: Mailbox, agent: User, supervisor: User, client: Client
) -> None:
    survey, _link = sent_survey(mailbox, agent)
    client.force_login(supervisor)
    url = reverse("tickets:ticket", args=[survey.ticket_id])

    html = client.get(url).content.decode()
    assert 'id="survey-panel"' in html
    assert "Sent" in html
    assert "buyer@example.net" in html
    assert "Not answered yet." in html

    survey_answer(survey_id=survey.pk, rating=2, comment="Slow <b>reply</b>")
    survey_answer(survey_id=survey.pk, rating=5, comment="Fine after all")
    html = client.get(url).content.decode()
    assert "Rated 5 of 5" in html
    assert "2 answers, the latest counts" in html
    assert "Fine after all" in html
    assert "<b>reply</b>" not in html


def test_the_card_says_why_no_survey_was_sent_and_when_one_is_due(
    mailbox: Mailbox, agent: User, supervisor: User, client: Client
) -> None:
    waiting = buyer_ticket(mailbox)
    solve(waiting, agent)
    run_at(1)
    desk_made = tickets.ticket_open(by=agent, subject="Recall", channel="api")
    tickets.ticket_set_status(ticket=desk_made, by=agent, status="solved")
    run_at(1)
    client.force_login(supervisor)

    html = client.get(reverse("tickets:ticket", args=[waiting.pk])).content.decode()
    due = Survey.objects.get(ticket=waiting).next_attempt_at
    assert due is not None
    assert f"due {due:%Y-%m-%d %H:%M}" in html
    html = client.get(reverse("tickets:ticket", args=[desk_made.pk])).content.decode()
    assert "Not sent" in html
    assert "no message from the buyer" in html


def test_a_ticket_never_solved_has_no_card(
    mailbox: Mailbox, supervisor: User, client: Client
) -> None:
    ticket = buyer_ticket(mailbox)
    client.force_login(supervisor)
    assert 'id="survey-panel"' not in client.get(f"/tickets/{ticket.pk}/").content.decode()


def test_the_card_in_chinese(mailbox: Mailbox, agent: User, supervisor: User) -> None:
    survey, _link = sent_survey(mailbox, agent)
    survey_answer(survey_id=survey.pk, rating=4)
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(supervisor)
    html = browser.get(f"/tickets/{survey.ticket_id}/").content.decode()
    assert "满意度调查" in html
    assert "评分 4 / 5" in html


def test_only_admins_change_the_settings(
    agent: User, supervisor: User, admin_user: User, client: Client
) -> None:
    url = reverse("surveys:settings")
    for user in (agent, supervisor):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"delay_hours": "1", "expiry_days": "1"}).status_code == 403
    assert SurveySettings.load().delay_hours == 24

    client.force_login(admin_user)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="delay_hours" value="24"' in page.content.decode()
    saved = client.post(url, {"delay_hours": "48", "expiry_days": "7"})  # unchecked: off
    assert saved.status_code == 302
    config = SurveySettings.load()
    assert (config.enabled, config.delay_hours, config.expiry_days) == (False, 48, 7)

    refused = client.post(url, {"enabled": "on", "delay_hours": "9999", "expiry_days": "0"})
    assert refused.status_code == 422
    config.refresh_from_db()
    assert (config.enabled, config.delay_hours, config.expiry_days) == (False, 48, 7)


def test_the_admin_keeps_one_settings_row_and_never_edits_surveys() -> None:
    request = RequestFactory().get("/admin/")
    settings_admin = admin.site._registry[SurveySettings]
    assert settings_admin.has_add_permission(request) is True
    SurveySettings.load()
    assert settings_admin.has_add_permission(request) is False
    assert settings_admin.has_delete_permission(request) is False
    survey_admin = admin.site._registry[Survey]
    assert survey_admin.has_add_permission(request) is False
    assert survey_admin.has_change_permission(request) is False
