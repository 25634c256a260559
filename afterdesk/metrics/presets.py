"""Preset scorecard templates with the category weights sellers use (issue "Performance
evaluation"): first-line 35/50/15, second-line 25/60/15, minor-language 30/55/15, after-sales
specialist 20/65/15 (efficiency/quality/cost), plus new-agent, gold-agent and peak-season."""

from __future__ import annotations

from typing import Any

COMMON: dict[str, Any] = {
    "category_targets": {
        "not_received": 1440,
        "size_issue": 720,
        "quality_issue": 960,
        "wrong_item": 720,
        "missing_item": 720,
        "usage_question": 240,
        "return_request": 1440,
        "dispute": 2880,
    },
    "default_category_target": 960,
    "category_weights": {"dispute": 3.0, "return_request": 1.5, "usage_question": 0.5},
    "first_reply_target": {"urgent": 60, "high": 120, "normal": 480, "low": 1440},
}


def kpi(kpi_id: str, weight: float, target: float, floor: float) -> dict[str, Any]:
    return {"kpi": kpi_id, "weight": weight, "target": target, "floor": floor}


def template(
    key: str,
    name: str,
    role: str,
    min_samples: int,
    weights: tuple[float, float, float],
    efficiency: list[dict[str, Any]],
    quality: list[dict[str, Any]],
    cost: list[dict[str, Any]],
    **overrides: Any,
) -> dict[str, Any]:
    return {
        "id": key,
        "name": name,
        "role": role,
        "min_samples": min_samples,
        "categories": [
            {"name": "efficiency", "weight": weights[0], "kpis": efficiency},
            {"name": "quality", "weight": weights[1], "kpis": quality},
            {"name": "cost", "weight": weights[2], "kpis": cost},
        ],
        **COMMON,
        **overrides,
    }


PRESETS: list[dict[str, Any]] = [
    template(
        "first_line",
        "First-line agent",
        "first_line",
        5,
        (35, 50, 15),
        [kpi("first_reply_time_business", 60, 30, 240), kpi("resolution_time_index", 40, 1.0, 3.0)],
        [kpi("fcr_rate", 40, 0.85, 0.5), kpi("csat_rate", 60, 0.98, 0.8)],
        [kpi("weighted_volume", 100, 400, 100)],
    ),
    template(
        "second_line",
        "Second-line agent",
        "second_line",
        5,
        (25, 60, 15),
        [kpi("resolution_time_index", 60, 1.0, 3.0), kpi("first_reply_time_business", 40, 60, 480)],
        [
            kpi("csat_rate", 40, 0.95, 0.75),
            kpi("reopen_rate", 30, 0.05, 0.25),
            kpi("qa_score", 30, 90, 60),
        ],
        [kpi("weighted_volume", 60, 200, 50), kpi("escalation_rate", 40, 0.05, 0.3)],
    ),
    template(
        "minor_language",
        "Minor-language agent",
        "minor_language",
        5,
        (30, 55, 15),
        [kpi("first_reply_time_business", 50, 60, 480), kpi("resolution_time_index", 50, 1.2, 3.5)],
        [
            kpi("csat_rate", 50, 0.95, 0.75),
            kpi("fcr_rate", 25, 0.8, 0.45),
            kpi("qa_score", 25, 88, 60),
        ],
        [kpi("weighted_volume", 100, 150, 40)],
    ),
    template(
        "after_sales_specialist",
        "After-sales specialist",
        "after_sales_specialist",
        5,
        (20, 65, 15),
        [kpi("resolution_time_index", 100, 1.0, 3.0)],
        [
            kpi("return_retention_rate", 40, 0.6, 0.2),
            kpi("csat_rate", 30, 0.95, 0.75),
            kpi("complaint_rate", 30, 0.01, 0.1),
        ],
        [kpi("weighted_volume", 100, 150, 40)],
    ),
    template(
        "new_agent",
        "New agent (first 90 days)",
        "first_line",
        3,
        (30, 60, 10),
        [kpi("first_reply_time_business", 60, 60, 480), kpi("resolution_time_index", 40, 1.5, 4.0)],
        [kpi("csat_rate", 50, 0.9, 0.7), kpi("qa_score", 50, 80, 50)],
        [kpi("weighted_volume", 100, 200, 30)],
    ),
    template(
        "gold_agent",
        "Gold agent",
        "first_line",
        10,
        (30, 55, 15),
        [kpi("first_reply_time_business", 60, 20, 120), kpi("resolution_time_index", 40, 0.8, 2.0)],
        [
            kpi("fcr_rate", 30, 0.9, 0.7),
            kpi("csat_rate", 50, 0.99, 0.9),
            kpi("qa_score", 20, 95, 80),
        ],
        [kpi("weighted_volume", 100, 500, 200)],
    ),
    template(
        "peak_season",
        "Peak season (Q4, Prime Day)",
        "first_line",
        5,
        (45, 40, 15),
        [
            kpi("first_reply_time_business", 60, 120, 720),
            kpi("resolution_time_index", 40, 1.5, 4.0),
        ],
        [kpi("fcr_rate", 40, 0.75, 0.4), kpi("csat_rate", 60, 0.95, 0.75)],
        [kpi("weighted_volume", 100, 600, 150)],
        first_reply_target={"urgent": 120, "high": 240, "normal": 720, "low": 2880},
    ),
]
