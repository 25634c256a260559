"""Issue 20: the desk writes to each person in their language (`User.language`, kept by the
language switch and at sign-in): notifications and their email copies, the alert and SLA
breach emails, the monthly performance email; and the reasons the pages show (QA findings,
scorecard exclusions, payout reasons) in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from afterdesk.accounts.models import Role, Team, User, user_language
from afterdesk.accounts.selectors import emails_by_language
from afterdesk.alerts.models import AlertKind
from afterdesk.alerts.services import alert_mail
from afterdesk.metrics.reasons import reason_text
from afterdesk.notifications.models import Notification
from afterdesk.notifications.services import notification_mail
from afterdesk.qa.checks import checks_run
from afterdesk.recognition.report import AgentReport
from afterdesk.recognition.services import performance_mail
from afterdesk.tickets import services
from tests.alerts.conftest import make_alert
from tests.factories import T0, UserFactory
from tests.qa.conftest import conversation

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], object]]]]


def test_the_language_switch_keeps_the_choice_on_the_account(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    answer = client.post(reverse("accounts:set_language"), {"language": "zh-hans", "next": "/"})
    assert answer.status_code == 302
    agent.refresh_from_db()
    assert agent.language == "zh-hans"
    assert user_language(agent) == "zh-hans"
    # An unknown language changes neither the cookie nor the account.
    client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
    agent.refresh_from_db()
    assert agent.language == "zh-hans"


def test_signing_in_keeps_the_browsers_language_until_one_is_chosen() -> None:
    person = UserFactory(username="li", password="a-long-pass-phrase-1")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    answer = client.post(
        reverse("accounts:login"), {"username": "li", "password": "a-long-pass-phrase-1"}
    )
    assert answer.status_code == 302
    person.refresh_from_db()
    assert person.language == "zh-hans"
    # A later sign-in from an English browser keeps the choice.
    Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("accounts:login"), {"username": "li", "password": "a-long-pass-phrase-1"}
    )
    person.refresh_from_db()
    assert person.language == "zh-hans"


def test_a_mention_reaches_each_person_in_their_language(
    agent: User, supervisor: User, team: Team, django_capture_on_commit_callbacks: OnCommit
) -> None:
    supervisor.language = "zh-hans"
    supervisor.save(update_fields=["language"])
    reader = UserFactory(username="quinn", role=Role.SUPERVISOR)
    ticket = services.ticket_create(subject="Parcel lost", channel="email", body="Hi", at=T0)
    with django_capture_on_commit_callbacks(execute=True):
        services.note_add(ticket=ticket, by=agent, body="@sam @quinn please look")
    chinese = Notification.objects.get(recipient=supervisor)
    english = Notification.objects.get(recipient=reader)
    assert chinese.title == f"Anna 在工单 #{ticket.pk} 中提到了你：Parcel lost"
    assert english.title == f"Anna mentioned you on ticket #{ticket.pk}: Parcel lost"
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "选择通过邮件接收哪些通知" in by_address[supervisor.email].body
    assert "打开：" in by_address[supervisor.email].body
    assert "Choose which notifications" in by_address[reader.email].body
    assert "选择" not in by_address[reader.email].body
    # The copy is framed in the recipient's language whatever language is active.
    with translation.override("en"):
        assert "选择通过邮件接收哪些通知" in notification_mail(chinese).body


def test_the_alert_email_goes_once_per_language(supervisor: User, admin_user: User) -> None:
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    groups = emails_by_language([supervisor.email, admin_user.email, "outside@example.com"])
    assert groups == {
        "en": [supervisor.email, "outside@example.com"],
        "zh-hans": [admin_user.email],
    }
    alerts = [make_alert(kind=AlertKind.LONG_OPEN), make_alert()]
    chinese = alert_mail(alerts=alerts, recipients=[admin_user.email], language="zh-hans")
    assert chinese.subject == "[Afterdesk] 2 条新警报"
    assert "Afterdesk 发出了 2 条新警报：" in chinese.body
    assert "请在 Afterdesk 的“警报”页面" in chinese.body
    english = alert_mail(alerts=alerts[:1], recipients=[supervisor.email])
    assert english.subject.startswith("[Afterdesk] New alert: ")
    assert "Afterdesk raised 1 new alert:" in english.body


def test_the_monthly_performance_email_is_in_the_agents_language(agent: User) -> None:
    agent.language = "zh-hans"
    report = AgentReport(agent=agent, team="EU", peers=3, lines=[])
    message = performance_mail(report=report, month=date(2026, 10, 1), awards=[])
    assert message.subject.startswith("[Afterdesk] ")
    assert "Your performance" not in message.subject
    assert "Hello" not in message.body
    agent.language = ""
    english = performance_mail(report=report, month=date(2026, 10, 1), awards=[])
    assert "Your performance" in english.subject


def test_qa_findings_are_written_in_the_readers_language(agent: User, team: Team) -> None:
    ticket = conversation(agent, team, reply="Your order {{ order.number }} ships soon")
    with translation.override("zh-hans"):
        findings = checks_run(ticket)
    assert findings["greeting"].detail == "缺少：问候语、结束语"
    assert findings["template"].detail == "1 条回复中残留 {{ 或 {%"
    assert findings["first_reply_sla"].detail == "没有适用的 SLA 策略"
    english = checks_run(ticket)
    assert english["greeting"].detail == "missing: greeting, sign-off"
    assert english["template"].detail == "1 reply contains {{ or {% left"


@pytest.mark.parametrize(
    ("stored", "chinese"),
    [
        ("no data", "无数据"),
        ("n < min_samples (3 < 5)", "样本数少于 min_samples（3 < 5）"),
        (
            "total 82 ≥ 80 (Gold); not paid, gate condition not met: csat 4.1 < 4.5",
            "总分 82 ≥ 80（Gold）；未发放，门槛：条件未满足：csat 4.1 < 4.5",
        ),
        (
            "fcr excluded (n < min_samples (2 < 10)): does not block",
            "fcr 被排除（样本数少于 min_samples（2 < 10））：不阻止",
        ),
        ("a tier's own words", "a tier's own words"),
    ],
)
def test_stored_reasons_are_shown_in_the_readers_language(stored: str, chinese: str) -> None:
    with translation.override("zh-hans"):
        assert reason_text(stored) == chinese
    assert reason_text(stored) == stored  # English: as stored (and as exported)


ALERT_SENTENCES = [
    (
        "Ticket #12 “Broken zip” (team EU, status open) has been open 3 d 0 h 00 min, more than "
        "3× the team's average handling time of 1 h 00 min (4 tickets solved in the last 30 "
        "days; limit 3 h 00 min).",
        "工单 #12“Broken zip”（团队 EU，状态 open）已打开 3 天 0 小时 00 分钟，超过团队平均处理时长"
        " 1 小时 00 分钟的 3 倍（最近 30 天解决了 4 个工单；上限 3 小时 00 分钟）。",
    ),
    (
        "complaint_rate of agent anna rose from 2.0% (n=50, week of 2026-09-28) to 9.0% (n=40, "
        "week of 2026-10-05): 7.0 points up, threshold 5.0 points.",
        "客服 anna 的 complaint_rate 从 2.0%（n=50，2026-09-28 当周）升至 9.0%（n=40，2026-10-05"
        " 当周）：上升 7.0 个百分点，阈值 5.0 个百分点。",
    ),
    (
        "escalation_rate of team EU was 0.300 per handled ticket (30 escalations, 100 handled "
        "tickets, 2026-10-01 to 2026-10-07): more than the threshold 0.200 and more than 2× the "
        "median 0.100 of 3 other teams.",
        "团队 EU 的 escalation_rate 为每个已处理工单 0.300（30 次升级，100 个已处理工单，"
        "2026-10-01 至 2026-10-07）：超过阈值 0.200，且超过其他 3 个团队中位数 0.100 的 2 倍。",
    ),
]


@pytest.mark.parametrize(("stored", "chinese"), ALERT_SENTENCES)
def test_an_alerts_sentence_is_shown_in_the_readers_language(stored: str, chinese: str) -> None:
    alert = make_alert(message=stored, dedupe_key="zh-test")
    with translation.override("zh-hans"):
        assert alert.message_shown == chinese
        mail_body = alert_mail(alerts=[alert], recipients=["x@example.com"], language="zh-hans")
        assert chinese in mail_body.body
    assert alert.message_shown == stored
