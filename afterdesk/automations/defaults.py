"""The automations Afterdesk ships (docs/automations.md, "Working defaults"): plain data, so
the data migration of a new installation and the demo install the same rules.

- Stalled parcel: apology — a reply from the `parcel-stalled-apology` template in the buyer's
  language, and the `parcel-stalled` tag. Off in a new installation until the template exists
  (the demo writes it and turns the rule on).
- Thank-you coupon after a resolved complaint — a code from the `thank-you` pool in a reply
  from the `thank-you-coupon` template, when a quality, damage, wrong-item or missing-item
  ticket is solved. Off until the pool has codes (the demo fills it).
- SLA breach: escalate to the supervisor — the `sla-breached` tag and a note. The email to the
  team's supervisors is the SLA app's own breach notice (docs/sla.md, "Escalation"): one
  mechanism, so this rule sends no second mail. On everywhere.
- The CSAT survey 24 hours after a solve is the surveys app's job (docs/surveys.md): its
  Surveys settings are that rule; no automation duplicates it.
"""

from __future__ import annotations

from typing import Any

APOLOGY_TEMPLATE = "parcel-stalled-apology"
COUPON_TEMPLATE = "thank-you-coupon"
COUPON_POOL = "thank-you"
COMPLAINT_TYPES = ["damaged", "missing_item", "quality_issue", "wrong_item"]

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "default_key": "parcel-stalled-apology",
        "name": "Stalled parcel: apology",
        "trigger": "parcel_stalled",
        "position": 10,
        "conditions": {"statuses": ["new", "open", "pending", "on_hold"]},
        "actions": [
            {"type": "reply", "template": APOLOGY_TEMPLATE, "status": ""},
            {"type": "tag", "tags": ["parcel-stalled"]},
        ],
        "max_per_ticket": 2,
        "enabled_new": False,
    },
    {
        "default_key": "complaint-coupon",
        "name": "Thank-you coupon after a resolved complaint",
        "trigger": "status_changed",
        "position": 20,
        "conditions": {"statuses": ["solved"], "categories": COMPLAINT_TYPES},
        "actions": [
            {"type": "coupon", "pool": COUPON_POOL, "template": COUPON_TEMPLATE},
            {"type": "tag", "tags": ["coupon-sent"]},
        ],
        "max_per_ticket": 1,
        "enabled_new": False,
    },
    {
        "default_key": "sla-breach-escalation",
        "name": "SLA breach: escalate to the supervisor",
        "trigger": "sla_breach",
        "position": 30,
        "conditions": {},
        "actions": [
            {"type": "tag", "tags": ["sla-breached"]},
            {
                "type": "note",
                "body": "SLA deadline missed: escalated to the team's supervisors (the SLA "
                "breach email). Answer or hand over now.",
            },
        ],
        "max_per_ticket": 3,
        "enabled_new": True,
    },
]


def defaults_install(rule_model: Any, *, demo: bool = False) -> list[Any]:
    """Create the default rules that are missing (found by `default_key`; one an admin changed
    or deleted is left as it is). `rule_model`: the Rule model (a migration passes its
    historical one). In the demo every default is on."""
    made = []
    for spec in DEFAULT_RULES:
        if rule_model.objects.filter(default_key=spec["default_key"]).exists():
            continue
        if rule_model.objects.filter(name=spec["name"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k != "enabled_new"}
        made.append(rule_model.objects.create(enabled=demo or spec["enabled_new"], **fields))
    return made
