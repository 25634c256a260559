"""Approval limits: refunds and credits above an agent's limit wait for a supervisor."""

from __future__ import annotations

from decimal import Decimal

import pytest

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, PermissionDenied, ValidationError
from afterdesk.routing.approvals import (
    approval_decide,
    approval_request_create,
    approval_required,
    approvals_visible,
)
from afterdesk.routing.models import AgentRouting

pytestmark = pytest.mark.django_db


def test_the_limit_decides(agent: User, supervisor: User) -> None:
    assert approval_required(agent, "500", "EUR") is False  # no profile: no limit
    AgentRouting.objects.create(user=agent, approval_limit=Decimal(50), approval_currency="EUR")
    assert approval_required(agent, Decimal("50.00"), "EUR") is False
    assert approval_required(agent, Decimal("50.01"), "eur") is True
    assert approval_required(agent, 10, "USD") is True  # another currency: cannot compare
    assert approval_required(supervisor, 10_000, "EUR") is False
    with pytest.raises(ValidationError):
        approval_required(agent, -1, "EUR")
    with pytest.raises(ValidationError):
        approval_required(agent, 1, "EURO")


def test_a_request_is_decided_once_by_a_supervisor(
    agent: User, other_agent: User, supervisor: User
) -> None:
    request = approval_request_create(by=agent, kind="refund", amount="80", currency="EUR")
    assert request.status == "pending"
    assert list(approvals_visible(other_agent)) == []
    assert list(approvals_visible(agent)) == [request]
    with pytest.raises(PermissionDenied):
        approval_decide(by=agent, request_id=request.pk, approve=True)
    decided = approval_decide(by=supervisor, request_id=request.pk, approve=False, note="no")
    assert (decided.status, decided.decided_by) == ("denied", supervisor)
    with pytest.raises(Conflict):
        approval_decide(by=supervisor, request_id=request.pk, approve=True)
    with pytest.raises(ValidationError):
        approval_request_create(by=agent, kind="gift", amount="1", currency="EUR")
