"""The surveys API (docs/surveys.md, "API"): the settings (admins) and a ticket's surveys
(whoever may see the ticket)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS
from afterdesk.surveys import selectors
from afterdesk.surveys.models import Survey, SurveySettings
from afterdesk.surveys.schemas import SettingsIn, SettingsOut, SurveyOut
from afterdesk.surveys.services.scheduling import settings_save

router = Router(tags=["surveys"])
CONFIGURE = requires(lambda user: user_require_configure(user=user))


@router.get("/surveys/settings", response={200: SettingsOut, **READ_ERRORS}, auth=CONFIGURE)
def settings_get(request: HttpRequest) -> SurveySettings:
    return SurveySettings.load()


@router.put("/surveys/settings", response={200: SettingsOut, **WRITE_ERRORS}, auth=CONFIGURE)
def settings_put(request: HttpRequest, payload: SettingsIn) -> SurveySettings:
    """Replace the settings; the surveys still scheduled move to the new delay."""
    config, _moved = settings_save(**payload.model_dump())
    return config


@router.get("/tickets/{ticket_id}/surveys", response={200: list[SurveyOut], **READ_ERRORS})
def ticket_surveys(request: HttpRequest, ticket_id: int) -> list[Survey]:
    """The ticket's surveys, newest solve first (404 for a ticket the caller may not see)."""
    return selectors.surveys_of_ticket_for_user(user=request_user(request), ticket_id=ticket_id)
