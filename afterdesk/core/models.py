"""Rows of the task machinery itself (docs/deploy.md, "Durable tasks")."""

from __future__ import annotations

from django.db import models


class TaskRun(models.Model):
    """One durable task run (afterdesk.core.durable): written with the change that asks for
    it, marked done in the transaction that does its work."""

    key = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200, help_text="Registered name of the task")
    kwargs = models.JSONField(default=dict)
    enqueued_at = models.DateTimeField(help_text="Last time it was handed to the queue")
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The requeue looks for runs not done, oldest hand-over first.
        indexes = [models.Index(fields=["done_at", "enqueued_at"], name="core_taskrun_pending")]

    def __str__(self) -> str:
        return f"{self.name} {self.key}"
