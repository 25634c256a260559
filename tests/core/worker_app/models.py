from django.db import models


class Effect(models.Model):
    """The effect of one run of `effect_task`; deliberately not unique, so a second run of
    the same work would show as a second row."""

    label = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.label
