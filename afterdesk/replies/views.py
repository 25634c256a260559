"""The pages that manage templates, macros and articles (docs/replies.md, "Pages"). Everyone
signed in reads them; writes follow `replies.access` (the API's rule): a refused write is a
403, someone else's personal macro a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from afterdesk.accounts.models import User
from afterdesk.core import errors
from afterdesk.replies import access, selectors, services
from afterdesk.replies.forms import (
    ArticleForm,
    MacroForm,
    SearchForm,
    TemplateForm,
    VariantFormSet,
    template_initial,
    variants_of,
)
from afterdesk.replies.models import Article, Macro, ReplyTemplate
from afterdesk.replies.render import VARIABLES


def user_of(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _manager(request: HttpRequest) -> User:
    user = user_of(request)
    if not access.can_manage_shared(user):
        raise PermissionDenied
    return user


def _query(request: HttpRequest) -> str:
    form = SearchForm(request.GET)
    return form.cleaned_data["q"] if form.is_valid() else ""


def _refused(form: Any, error: errors.DomainError) -> int:
    """Put a service's refusal in the form; a 404 or 403 is the page's answer instead."""
    if isinstance(error, errors.NotFound):
        raise Http404(error.message)
    if isinstance(error, errors.PermissionDenied):
        raise PermissionDenied(error.message)
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return error.status


# ---------------------------------------------------------------- templates


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    query = _query(request)
    context = {
        "templates": selectors.templates_list(user=user, query=query),
        "q": query,
        "can_manage": access.can_manage_shared(user),
    }
    return render(request, "replies/pages/templates.html", context)


def _template(request: HttpRequest, template_id: int) -> ReplyTemplate:
    try:
        return selectors.template_get(user=user_of(request), template_id=template_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


@login_required
def template_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    """Read (everyone) or change (managers) a template and its language variants."""
    user = user_of(request)
    template = _template(request, template_id) if template_id else None
    if template is None or request.method == "POST":
        _manager(request)
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        variants = VariantFormSet(request.POST, prefix="variants")
        status = 422
        if form.is_valid() and variants.is_valid():
            try:
                saved = services.template_save(
                    by=user, **form.cleaned_data, variants=variants_of(variants), template=template
                )
            except errors.DomainError as error:
                status = _refused(form, error)
            else:
                return redirect("replies:template", template_id=saved.pk)
    else:
        initial = {}
        if template is not None:
            initial = {
                "key": template.key,
                "name": template.name,
                "default_language": template.default_language,
            }
        form = TemplateForm(initial=initial)
        variants = VariantFormSet(
            initial=template_initial(template) if template else [{"language": "en"}],
            prefix="variants",
        )
    context = {
        "template": template,
        "form": form,
        "variants": variants,
        # A list (a dict with an "items" key has no .items in templates); each description in
        # the reader's language (the descriptions are English msgids, like the API's).
        "variables": [(name, gettext(text)) for name, text in VARIABLES.items()],
        "can_manage": access.can_manage_shared(user),
    }
    return render(request, "replies/pages/template_edit.html", context, status=status)


@login_required
@require_POST
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    user = _manager(request)
    template = _template(request, template_id)
    try:
        services.template_delete(by=user, template=template)
    except errors.Conflict as error:
        context = {"template": template, "error": error.message}
        return render(request, "replies/pages/refused.html", context, status=409)
    return redirect("replies:templates")


# ---------------------------------------------------------------- macros


@login_required
@require_GET
def macro_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    query = _query(request)
    macros = selectors.macros_list(user=user, query=query)
    context = {
        "shared": [m for m in macros if m.owner_id is None],
        "personal": [m for m in macros if m.owner_id is not None],
        "q": query,
        "can_manage": access.can_manage_shared(user),
    }
    return render(request, "replies/pages/macros.html", context)


def _macro(request: HttpRequest, macro_id: int) -> Macro:
    try:
        return selectors.macro_get(user=user_of(request), macro_id=macro_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


@login_required
def macro_edit(request: HttpRequest, macro_id: int | None = None) -> HttpResponse:
    """A new macro (everyone: their own; managers may share it) or a change to one (the owner,
    or a manager for a shared one)."""
    user = user_of(request)
    macro = _macro(request, macro_id) if macro_id else None
    can_share = access.can_manage_shared(user)
    editable = macro is None or macro.owner_id == user.pk or (macro.owner_id is None and can_share)
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = MacroForm(request.POST, can_share=can_share)
        status = 422
        if form.is_valid():
            try:
                saved = services.macro_save(by=user, data=form.data_in(), macro=macro)
            except errors.DomainError as error:
                status = _refused(form, error)
            else:
                return redirect("replies:macro", macro_id=saved.pk)
    else:
        initial = MacroForm.initial_of(macro) if macro else {}
        form = MacroForm(initial=initial, can_share=can_share)
    context = {"macro": macro, "form": form, "editable": editable}
    return render(request, "replies/pages/macro_edit.html", context, status=status)


@login_required
@require_POST
def macro_delete(request: HttpRequest, macro_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        services.macro_delete(by=user, macro=_macro(request, macro_id))
    except errors.PermissionDenied as error:
        raise PermissionDenied(error.message) from error
    return redirect("replies:macros")


# ---------------------------------------------------------------- articles


@login_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    query = _query(request)
    issue_type = request.GET.get("issue_type", "")[:30]
    context = {
        "articles": selectors.articles_search(user=user, query=query, issue_type=issue_type),
        "q": query,
        "issue_type": issue_type,
        "can_manage": access.can_manage_shared(user),
    }
    return render(request, "replies/pages/articles.html", context)


def _article(request: HttpRequest, article_id: int) -> Article:
    try:
        return selectors.article_get(user=user_of(request), article_id=article_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


@login_required
@require_GET
def article_page(request: HttpRequest, article_id: int) -> HttpResponse:
    user = user_of(request)
    context = {
        "article": _article(request, article_id),
        "can_manage": access.can_manage_shared(user),
    }
    return render(request, "replies/pages/article.html", context)


@login_required
def article_edit(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    user = _manager(request)
    article = _article(request, article_id) if article_id else None
    status = 200
    if request.method == "POST":
        form = ArticleForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                saved = services.article_save(by=user, **form.cleaned_data, article=article)
            except errors.DomainError as error:
                status = _refused(form, error)
            else:
                return redirect("replies:article", article_id=saved.pk)
    else:
        initial: dict[str, Any] = {}
        if article is not None:
            initial = {
                "title": article.title,
                "language": article.language,
                "tags": article.tags,
                "issue_types": [t.issue_type for t in article.topics.all()],
                "body": article.body,
            }
        form = ArticleForm(initial=initial)
    context = {"article": article, "form": form}
    return render(request, "replies/pages/article_edit.html", context, status=status)


@login_required
@require_POST
def article_delete(request: HttpRequest, article_id: int) -> HttpResponse:
    user = _manager(request)
    services.article_delete(by=user, article=_article(request, article_id))
    return redirect("replies:articles")
