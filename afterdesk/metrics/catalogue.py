"""The KPI catalogue (docs/metrics.md, "KPI catalogue"): ids and which direction is better."""

from __future__ import annotations

HIGHER, LOWER = "higher", "lower"

KPI_DIRECTION: dict[str, str] = {
    "first_reply_time": LOWER,
    "first_reply_time_business": LOWER,
    "reply_time_business": LOWER,
    "resolution_time": LOWER,
    "resolution_time_business": LOWER,
    "resolution_time_index": LOWER,
    "fcr_rate": HIGHER,
    "one_touch_rate": HIGHER,
    "reopen_rate": LOWER,
    "csat_rate": HIGHER,
    "csat_avg": HIGHER,
    "handled_volume": HIGHER,
    "weighted_volume": HIGHER,
    "escalation_rate": LOWER,
    "complaint_rate": LOWER,
    "return_retention_rate": HIGHER,
    "sla_first_reply_rate": HIGHER,
    "qa_score": HIGHER,
}
KPI_IDS: tuple[str, ...] = tuple(KPI_DIRECTION)
