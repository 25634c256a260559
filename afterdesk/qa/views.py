"""The QA pages (docs/qa.md, "Pages and API"): the overview (queue, reviews, disputes, calibration
sessions), the review screen (the conversation beside the rubric form), a review (acknowledge,
dispute, resolve), rubrics and settings, assignments, calibration sessions. Thin: each calls
`qa.access`, a selector or a service, the API's rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError, NotFound
from afterdesk.core.errors import PermissionDenied as DomainPermissionDenied
from afterdesk.qa import access, checks, sampling, selectors, services
from afterdesk.qa.forms import (
    AssignmentForm,
    CalibrationForm,
    CategoryFormSet,
    DisputeForm,
    ReviewForm,
    RubricForm,
    SettingsForm,
    categories_from,
)
from afterdesk.qa.models import Assignment, Calibration, Review, Rubric, SampleItem
from afterdesk.tickets.models import Message, MessageKind, Ticket


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _call(function: Callable[..., Any], **kwargs: Any) -> Any:
    """A selector or service, with the domain's 403 and 404 as Django's."""
    try:
        return function(**kwargs)
    except DomainPermissionDenied as error:
        raise PermissionDenied(error.message) from error
    except NotFound as error:
        raise Http404(error.message) from error


def _form_error(form: Any, error: DomainError) -> int:
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return error.status


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "queue": list(sampling.queue_of(user)[:200]) if access.can_review(user) else [],
        "received": list(selectors.reviews_received(user)),
        "given": list(selectors.reviews_given(user)) if access.can_review(user) else [],
        "disputes": list(selectors.disputes_open(user)),
        "calibrations": list(selectors.calibrations_for(user)),
        "can_review": access.can_review(user),
        "can_manage": access.can_manage(user),
        "calibration_form": CalibrationForm() if access.can_manage(user) else None,
    }
    return render(request, "qa/home.html", context)


def _conversation(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "id")
    )


def _repliers(messages: list[Message]) -> list[User]:
    seen: dict[int, User] = {}
    for message in messages:
        if message.kind == MessageKind.REPLY and message.author is not None:
            seen.setdefault(message.author.pk, message.author)
    return list(seen.values())


@login_required
def review_screen(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The reviewer's one screen: the conversation, comment fields on each message and the
    rubric form with the automatic checks' suggestions."""
    user = _user(request)
    ticket = _call(access.ticket_for_review, user=user, ticket_id=ticket_id)
    source = request.POST if request.method == "POST" else request.GET
    sample = calibration = None
    if source.get("sample"):
        sample = (
            SampleItem.objects.filter(pk=_int(source["sample"]), reviewer=user, ticket=ticket)
            .select_related("assignment__rubric", "agent")
            .first()
        )
        if sample is None:
            raise Http404("no such queue item")
    if source.get("calibration"):
        calibration = _call(
            selectors.calibration_get, user=user, calibration_id=_int(source["calibration"])
        )
        if not calibration.tickets.filter(pk=ticket.pk).exists():
            raise Http404("not in this calibration session")
    rubrics = list(Rubric.objects.filter(active=True))
    if calibration is not None:
        rubric = calibration.rubric
    elif sample is not None:
        rubric = sample.assignment.rubric
    else:
        rubric = next((r for r in rubrics if str(r.pk) == source.get("rubric")), None)
        rubric = rubric or (rubrics[0] if rubrics else None)
    messages = _conversation(ticket)
    findings = checks.checks_run(ticket)
    status = 200
    form = None
    if rubric is not None:
        categories = list(rubric.categories.all())
        agents = _repliers(messages)
        kwargs: dict[str, Any] = {
            "categories": categories,
            "agents": agents,
            "messages": messages,
            "findings": findings,
        }
        if request.method == "POST":
            form = ReviewForm(request.POST, **kwargs)
            if form.is_valid():
                try:
                    review = services.review_submit(
                        by=user,
                        ticket=ticket,
                        agent=next(a for a in agents if a.username == form.cleaned_data["agent"]),
                        rubric=rubric,
                        ratings=form.ratings(),
                        comment=form.cleaned_data["comment"],
                        pins=form.pins(),
                        sample=sample,
                        calibration=calibration,
                    )
                except DomainError as error:
                    status = _form_error(form, error)
                else:
                    if calibration is not None:
                        return redirect("qa:calibration", calibration_id=calibration.pk)
                    return redirect("qa:review", review_id=review.pk)
            else:
                status = 422
        else:
            initial = {"agent": sample.agent.username} if sample else {}
            if not sample and ticket.assignee_id:
                initial = {"agent": getattr(ticket.assignee, "username", "")}
            form = ReviewForm(initial=initial, **kwargs)
    pins = {m.pk: form.pin_field(m) for m in messages} if form else {}
    context = {
        "ticket": ticket,
        "conversation": [(m, pins.get(m.pk)) for m in messages],
        "form": form,
        "rubric": rubric,
        "rubrics": rubrics,
        "sample": sample,
        "calibration": calibration,
        "findings": list(findings.values()),
        "earlier": list(selectors.ticket_reviews(user, ticket.pk)),
    }
    return render(request, "qa/review_screen.html", context, status=status)


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise Http404("not a number") from None


def _review_page(
    request: HttpRequest, review: Review, status: int = 200, **forms: Any
) -> HttpResponse:
    user = _user(request)
    review = (
        Review.objects.select_related("ticket", "agent", "reviewer", "rubric", "resolved_by")
        .prefetch_related(
            Prefetch("ratings", queryset=review.ratings.model.objects.select_related("category")),
            Prefetch("pins", queryset=review.pins.model.objects.select_related("message")),
        )
        .get(pk=review.pk)
    )
    amend = None
    if access.can_manage(user) and review.state == "disputed":
        amend = forms.get("amend") or ReviewForm(
            categories=list(review.rubric.categories.all()),
            agents=[review.agent],
            messages=[],
            initial={
                "agent": review.agent.username,
                **{
                    f"cat_{r.category_id}": "na" if r.value is None else str(r.value)
                    for r in review.ratings.all()
                },
            },
        )
    context = {
        "review": review,
        "is_agent": review.agent_id == user.pk,
        "can_manage": access.can_manage(user),
        "dispute_form": forms.get("dispute") or DisputeForm(),
        "amend_form": amend,
    }
    return render(request, "qa/review.html", context, status=status)


@login_required
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _call(access.review_get, user=_user(request), review_id=review_id)
    return _review_page(request, review)


@login_required
@require_POST
def review_acknowledge(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    review = _call(access.review_get, user=user, review_id=review_id)
    _call(services.review_acknowledge, by=user, review=review)
    return redirect("qa:review", review_id=review.pk)


@login_required
@require_POST
def review_dispute(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    review = _call(access.review_get, user=user, review_id=review_id)
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            _call(
                services.review_dispute, by=user, review=review, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            return _review_page(request, review, _form_error(form, error), dispute=form)
        return redirect("qa:review", review_id=review.pk)
    return _review_page(request, review, 422, dispute=form)


@login_required
@require_POST
def review_resolve(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    review = _call(access.review_get, user=user, review_id=review_id)
    if not access.can_manage(user):
        raise PermissionDenied("only supervisors and admins resolve disputes")
    decision = request.POST.get("decision", "")
    form = ReviewForm(
        request.POST,
        categories=list(review.rubric.categories.all()),
        agents=[review.agent],
        messages=[],
    )
    ratings = None
    if decision == "amend":
        if not form.is_valid():
            return _review_page(request, review, 422, amend=form)
        ratings = form.ratings()
    try:
        services.review_resolve(
            by=user,
            review=review,
            decision=decision,
            note=request.POST.get("note", "")[:5000],
            ratings=ratings,
        )
    except DomainError as error:
        return _review_page(request, review, _form_error(form, error), amend=form)
    return redirect("qa:review", review_id=review.pk)


@login_required
def rubrics(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _call(access.manage_require, user=user)
    status = 200
    form, formset = RubricForm(), CategoryFormSet(prefix="cat")
    qa = services.settings_get()
    settings_form = SettingsForm(
        initial={"self_review": qa.self_review, "dispute_days": qa.dispute_days}
    )
    if request.method == "POST" and request.POST.get("form") == "settings":
        settings_form = SettingsForm(request.POST)
        if settings_form.is_valid():
            services.settings_save(by=user, **settings_form.cleaned_data)
            return redirect("qa:rubrics")
        status = 422
    elif request.method == "POST":
        form, formset = RubricForm(request.POST), CategoryFormSet(request.POST, prefix="cat")
        if form.is_valid() and formset.is_valid():
            try:
                services.rubric_save(
                    by=user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    categories=categories_from(formset),
                )
            except DomainError as error:
                status = _form_error(form, error)
            else:
                return redirect("qa:rubrics")
        else:
            status = 422
    context = {
        "rubrics": list(selectors.rubrics_list()),
        "form": form,
        "formset": formset,
        "settings_form": settings_form,
    }
    return render(request, "qa/rubrics.html", context, status=status)


@login_required
def assignments(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _call(access.manage_require, user=user)
    status = 200
    form = AssignmentForm()
    if request.method == "POST":
        form = AssignmentForm(request.POST)
        if form.is_valid():
            try:
                services.assignment_save(
                    by=user,
                    name=form.cleaned_data["name"],
                    rubric=form.cleaned_data["rubric"],
                    cycle=form.cleaned_data["cycle"],
                    per_agent=form.cleaned_data["per_agent"],
                    reviewers=list(form.cleaned_data["reviewers"]),
                    filters=form.filters(),
                )
            except DomainError as error:
                status = _form_error(form, error)
            else:
                return redirect("qa:assignments")
        else:
            status = 422
    rows = (
        Assignment.objects.select_related("rubric").prefetch_related("reviewers").order_by("name")
    )
    context = {"assignments": list(rows), "form": form}
    return render(request, "qa/assignments.html", context, status=status)


@login_required
@require_POST
def calibration_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _call(access.manage_require, user=user)
    form = CalibrationForm(request.POST)
    status = 422
    if form.is_valid():
        tickets = list(Ticket.objects.filter(pk__in=form.cleaned_data["tickets"]))
        missing = set(form.cleaned_data["tickets"]) - {t.pk for t in tickets}
        if missing:
            form.add_error("tickets", f"tickets not found: {sorted(missing)}")
        else:
            try:
                session = services.calibration_create(
                    by=user,
                    name=form.cleaned_data["name"],
                    rubric=form.cleaned_data["rubric"],
                    tickets=tickets,
                    reviewers=list(form.cleaned_data["reviewers"]),
                )
            except DomainError as error:
                status = _form_error(form, error)
            else:
                return redirect("qa:calibration", calibration_id=session.pk)
    context = {
        "queue": [],
        "received": [],
        "given": [],
        "disputes": [],
        "calibrations": [],
        "can_review": access.can_review(user),
        "can_manage": True,
        "calibration_form": form,
    }
    return render(request, "qa/home.html", context, status=status)


@login_required
def calibration(request: HttpRequest, calibration_id: int) -> HttpResponse:
    user = _user(request)
    session: Calibration = _call(
        selectors.calibration_get, user=user, calibration_id=calibration_id
    )
    results = selectors.calibration_results(user=user, session=session)
    context = {"session": session, "results": results, "can_review": access.can_review(user)}
    return render(request, "qa/calibration.html", context)
