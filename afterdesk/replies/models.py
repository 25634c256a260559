"""Reply templates (one body per language), macros (a template plus ticket actions), the
knowledge base's articles and the stores' return addresses (docs/replies.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import Team
from afterdesk.commerce.models import Store

TEMPLATE_BODY_MAX_CHARS = 20_000
ARTICLE_BODY_MAX_CHARS = 100_000


class ReplyTemplate(models.Model):
    """A reply with variables, written once per language (`variants`); the ticket's language
    picks the variant, `default_language` is offered when it has none."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    default_language = models.CharField(max_length=10, default="en")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class TemplateVariant(models.Model):
    template = models.ForeignKey(ReplyTemplate, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=10)
    body = models.TextField()

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="uniq_variant_language")
        ]

    def __str__(self) -> str:
        return f"{self.template} [{self.language}]"


class AssignMode(models.TextChoices):
    KEEP = "", _("Leave as it is")
    SELF = "self", _("The agent who applies it")
    AGENT = "agent", _("A chosen agent")
    UNASSIGN = "unassign", _("Nobody (unassign)")


class Macro(models.Model):
    """A template plus actions, applied to a ticket in one change. `owner` None: shared
    (managed by admins and supervisors); else the owner's personal macro."""

    name = models.CharField(max_length=200)
    template = models.ForeignKey(
        ReplyTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="macros"
    )
    # True: applying sends the reply at once; False: it fills the reply box to edit first.
    send = models.BooleanField(default=False)
    set_status = models.CharField(max_length=10, blank=True)
    add_tags = models.JSONField(default=list, blank=True)
    assign_mode = models.CharField(
        max_length=10, choices=AssignMode.choices, default=AssignMode.KEEP, blank=True
    )
    assign_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assign_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
    )
    usage_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "name"], name="macro_owner_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None


class Article(models.Model):
    """An internal SOP. `search_text` is the lowercased title, body and tags the search reads
    (kept by `services`); its full-text index is per database (`search`)."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    language = models.CharField(max_length=10, default="en")
    tags = models.CharField(max_length=300, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class ArticleTopic(models.Model):
    """An issue type (triage's `issue_type`, the ticket's category) the article is
    suggested for."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="topics")
    issue_type = models.CharField(max_length=30)

    class Meta:
        ordering = ["issue_type"]
        constraints = [
            models.UniqueConstraint(fields=["article", "issue_type"], name="uniq_article_topic")
        ]
        indexes = [models.Index(fields=["issue_type"], name="article_topic_type")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.issue_type}"


class ReturnAddress(models.Model):
    """Where buyers send returns: one per store, and the default (`store` None; one row, kept
    so by `services.return_address_set`)."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="return_address"
    )
    address = models.TextField()

    def __str__(self) -> str:
        return f"return address of {self.store or 'every store'}"
