"""The weekly review's period label in each language (reports.present.period_label)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import translation

from afterdesk.reports.present import period_label

START = datetime(2026, 10, 5, tzinfo=UTC)
END = datetime(2026, 10, 12, tzinfo=UTC)


def test_english_names_the_day_then_the_date() -> None:
    with translation.override("en"):
        assert period_label(START, END) == "Mon 05 Oct 2026 00:00 – Mon 12 Oct 2026 00:00 (UTC)"


def test_chinese_reads_year_month_day_then_the_weekday() -> None:
    with translation.override("zh-hans"):
        assert period_label(START, END) == (
            "2026年10月5日 星期一 00:00 – 2026年10月12日 星期一 00:00 (UTC)"
        )
