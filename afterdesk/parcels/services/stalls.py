"""Stalled parcels (docs/stores.md, "Parcels and tracking"). A parcel still travelling (not
delivered, returned or expired) with no tracking event for N days (counted from its latest
event's instant, or from when it shipped) is stalled. N is PARCELS_STALLED_DAYS, overridden
per market and carrier by PARCELS_STALLED_OVERRIDES ("DE:dhl=5,*:ups=4,US:*=10"; the most
specific match wins) and by the administrators' `StallRule`s, which come first.

A stall is raised once: the shipment's flag is set by a conditional UPDATE (still unflagged,
no event newer than the one the check read), and only the run that flips it writes the
`ParcelStall` and tells the consumers, so two checks at once or one after the other raise it
once. The next tracking event ends it (`tracking.shipment_refresh`); a later silence raises a
new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from afterdesk.commerce.models import TRACKING_FINAL, Shipment, TrackingEvent
from afterdesk.core.errors import ValidationError
from afterdesk.parcels.consumers import stall_publish
from afterdesk.parcels.models import ParcelStall, StallRule


@dataclass(frozen=True)
class StallRules:
    default_days: int
    overrides: dict[tuple[str, str], int]

    def days_for(self, market: str, carrier: str) -> int:
        market, carrier = market.upper(), carrier.lower()
        for key in ((market, carrier), ("*", carrier), (market, "*"), ("*", "*")):
            if key in self.overrides:
                return self.overrides[key]
        return self.default_days


def stall_rules_parse(default_days: int | str, overrides: str) -> StallRules:
    """`default_days`: a whole number of days, at least 1 (the settings keep a value that is
    not one as text, for the system check to name). `overrides`: comma-separated
    MARKET:carrier=DAYS, `*` for any market or carrier."""
    if isinstance(default_days, str):
        if not default_days.strip().isdecimal():
            raise ValidationError(
                f"{default_days!r} is not a whole number of days", field="PARCELS_STALLED_DAYS"
            )
        default_days = int(default_days)
    if default_days < 1:
        raise ValidationError("the stalled days must be at least 1", field="PARCELS_STALLED_DAYS")
    parsed: dict[tuple[str, str], int] = {}
    for item in (part.strip() for part in overrides.split(",")):
        if not item:
            continue
        scope, _, days = item.partition("=")
        market, _, carrier = scope.partition(":")
        if not days.strip().isdigit() or int(days) < 1 or not market.strip() or not carrier.strip():
            raise ValidationError(
                f"{item!r} is not MARKET:carrier=DAYS", field="PARCELS_STALLED_OVERRIDES"
            )
        parsed[(market.strip().upper(), carrier.strip().lower())] = int(days)
    return StallRules(default_days, parsed)


def stall_rules() -> StallRules:
    """The settings' rules, with the administrators' `StallRule`s over them."""
    rules = stall_rules_parse(settings.PARCELS_STALLED_DAYS, settings.PARCELS_STALLED_OVERRIDES)
    for market, carrier, days in StallRule.objects.values_list("market", "carrier", "days"):
        rules.overrides[(market.upper(), carrier.lower())] = days
    return rules


def _latest_event_at() -> Subquery:
    """The instant of a parcel's latest tracking event, whoever wrote it (a tracker, a CSV,
    the history import or the demo)."""
    latest = TrackingEvent.objects.filter(shipment=OuterRef("pk")).order_by("-at")
    return Subquery(latest.values("at")[:1])


def stalls_check(
    *, now: datetime | None = None, rules: StallRules | None = None
) -> list[ParcelStall]:
    """Flag every parcel quiet for longer than its limit; the stalls raised by this run."""
    now = now or timezone.now()
    rules = rules or stall_rules()
    shortest = min([rules.default_days, *rules.overrides.values()])
    candidates = (
        Shipment.objects.filter(stalled=False)
        .exclude(tracking_status__in=TRACKING_FINAL)
        .exclude(status__in=[Shipment.Status.DELIVERED, Shipment.Status.RETURNED])
        .annotate(quiet_from=Coalesce(_latest_event_at(), F("shipped_at")))
        .filter(quiet_from__lte=now - timedelta(days=shortest))
        .values_list("pk", "carrier", "order__store__market", "quiet_from")
    )
    raised = []
    for shipment_id, carrier, market, quiet_from in candidates.iterator():
        days = rules.days_for(market or "", carrier)
        since = quiet_from + timedelta(days=days)
        if since > now:
            continue
        stall = _stall_raise(shipment_id, quiet_from=quiet_from, since=since, days=days, now=now)
        if stall is not None:
            raised.append(stall)
    return raised


def _stall_raise(
    shipment_id: int, *, quiet_from: datetime, since: datetime, days: int, now: datetime
) -> ParcelStall | None:
    with transaction.atomic():
        # Only if still quiet since the instant read and not flagged: one writer wins.
        newer = TrackingEvent.objects.filter(shipment_id=shipment_id, at__gt=quiet_from)
        flipped = (
            Shipment.objects.filter(pk=shipment_id, stalled=False)
            .exclude(Exists(newer))
            .update(stalled=True, stalled_since=since)
        )
        if not flipped:
            return None
        try:
            with transaction.atomic():
                stall = ParcelStall.objects.create(
                    shipment_id=shipment_id, stalled_since=since, quiet_days=days, raised_at=now
                )
        except IntegrityError:
            return None  # this very stall was raised before (flag cleared by hand since)
        transaction.on_commit(lambda: stall_publish(stall))
    return stall
