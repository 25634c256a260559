"""What the admin may do with rows the apps write through their services only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.db.models import Model
from django.test import RequestFactory

from afterdesk.bonuses.models import BonusRule, PayoutStatement
from afterdesk.tickets.models import Ticket, TicketEvent


@pytest.mark.parametrize(
    ("model", "deletable"),
    [(Ticket, True), (BonusRule, True), (TicketEvent, False), (PayoutStatement, False)],
)
def test_service_written_rows_are_never_added_or_changed_in_the_admin(
    model: type[Model], deletable: bool
) -> None:
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = SimpleNamespace(has_perm=lambda permission: True)  # a superuser's answer
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert (model_admin.has_delete_permission(request) is not False) is deletable
