"""The public survey page (no login: the signed link is the key; docs/surveys.md, "The page")
and the admins' settings page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_http_methods

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError
from afterdesk.core.proxy import client_ip
from afterdesk.surveys import selectors
from afterdesk.surveys.forms import AnswerForm, SettingsForm
from afterdesk.surveys.languages import survey_language
from afterdesk.surveys.links import LinkExpired, LinkInvalid
from afterdesk.surveys.models import Survey, SurveySettings
from afterdesk.surveys.services import ratelimit
from afterdesk.surveys.services.answers import survey_answer
from afterdesk.surveys.services.scheduling import settings_save


def _private(response: HttpResponse, language: str) -> HttpResponse:
    """The link is a secret: not cached, not sent on as a Referer, not indexed."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Language"] = language
    return response


def _refusal(request: HttpRequest, *, status: int, language: str, wait: int = 0) -> HttpResponse:
    with translation.override(language):
        response = render(
            request,
            "surveys/refused.html",
            {"status": status, "language": language, "wait_minutes": max(1, -(-wait // 60))},
            status=status,
        )
    if wait:
        response["Retry-After"] = str(wait)
    return _private(response, language)


def _visitor_language(request: HttpRequest) -> str:
    """For pages without a survey (a bad link): the browser's first language we speak."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    return survey_language(*(code for code, _q in parse_accept_lang_header(header)))


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    wait = ratelimit.hit(ratelimit.PER_ADDRESS, client_ip(request) or "unknown", now=now)
    if wait is not None:
        return _refusal(request, status=429, language=_visitor_language(request), wait=wait)
    try:
        survey = selectors.survey_for_link(token)
    except LinkExpired:
        return _refusal(request, status=410, language=_visitor_language(request))
    except LinkInvalid:
        return _refusal(request, status=404, language=_visitor_language(request))
    language = survey.language
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            wait = ratelimit.hit(ratelimit.PER_SURVEY, str(survey.pk), now=now)
            if wait is not None:
                return _refusal(request, status=429, language=language, wait=wait)
            try:
                survey_answer(
                    survey_id=survey.pk,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    at=now,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                return _private(redirect(f"{request.path}?saved=1"), language)
        else:
            status = 422
    else:
        form = AnswerForm(initial=_initial(survey, request.GET.get("r", "")))
    context: dict[str, Any] = {
        "form": form,
        "subject": survey.ticket.subject,
        "answered": survey.rating is not None,
        "rating": survey.rating,
        "saved": request.GET.get("saved") == "1" and survey.rating is not None,
        "language": language,
    }
    with translation.override(language):
        response = render(request, "surveys/page.html", context, status=status)
    return _private(response, language)


def _initial(survey: Survey, chosen: str) -> dict[str, Any]:
    """The rating a link from the email chose (`?r=4`: shown chosen, saved only when sent:
    mail scanners open links), else the current answer."""
    rating: int | None = survey.rating
    if chosen in {"1", "2", "3", "4", "5"}:
        rating = int(chosen)
    return {"rating": rating, "comment": survey.comment}


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.can_configure:
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    _admin(request)
    config = SurveySettings.load()
    status = 200
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                settings_save(**form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                messages.success(request, _("Survey settings saved."))
                return redirect(reverse("surveys:settings"))
        else:
            status = 422
    else:
        form = SettingsForm(
            initial={
                "enabled": config.enabled,
                "delay_hours": config.delay_hours,
                "expiry_days": config.expiry_days,
            }
        )
    counts = selectors.survey_counts()
    return render(request, "surveys/settings.html", {"form": form, "counts": counts}, status=status)
