"""One satisfaction rating per service (一次一评), and the one request to give it.

A ``Rating`` names what was rated by its kind (``ratings.kinds``: an open-day visit, a
consultation, a lab visit, any kind registered later) and the row's id; the database keeps
it to one rating per thing (``rating_one_per_thing``) and to the five levels
(``rating_level_range``). A ``RatingAsk`` records that the person was asked; its unique
constraint keeps the ask to one message per rated thing, however often the sweep runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Level(models.IntegerChoices):
    """The five levels, best first on the form; the number is the old star count."""

    VERY_SATISFIED = 5, pgettext_lazy("rating", "Very satisfied")
    SATISFIED = 4, pgettext_lazy("rating", "Satisfied")
    NEUTRAL = 3, pgettext_lazy("rating", "Neutral")
    DISSATISFIED = 2, pgettext_lazy("rating", "Dissatisfied")
    VERY_DISSATISFIED = 1, pgettext_lazy("rating", "Very dissatisfied")


# Levels staff follow up (不满意 / 非常不满意), and those counted as satisfied.
LOW_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)
SATISFIED_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED)


class Rating(models.Model):
    kind = models.CharField(_("service"), max_length=20)
    object_id = models.PositiveBigIntegerField(_("id"))
    level = models.PositiveSmallIntegerField(_("rating"), choices=Level.choices)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    # Who rated, when signed in; an open-day visitor may rate through their link only.
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
    )
    # Copied from the rated thing when the rating is given, for the statistics (named by
    # string: ``ratings`` imports no app above it).
    institution = models.ForeignKey(
        "experts.InstitutionPage",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expert = models.ForeignKey(
        "experts.Expert",
        verbose_name=_("expert"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
    )
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)
    # A low rating waits for staff to follow it up.
    flagged = models.BooleanField(_("low rating"), default=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        indexes = [models.Index(fields=["flagged", "handled_at"], name="rating_flagged")]
        constraints = [
            # One rating per service: two submissions at once, the second one fails here.
            models.UniqueConstraint(fields=["kind", "object_id"], name="rating_one_per_thing"),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5), name="rating_level_range"
            ),
            # Only a low rating is followed up.
            models.CheckConstraint(
                condition=Q(flagged=True) | Q(handled_at__isnull=True),
                name="rating_handled_if_flagged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} · {self.get_level_display()}"

    @property
    def is_satisfied(self) -> bool:
        return self.level in SATISFIED_LEVELS


class RatingAsk(models.Model):
    """The one request to rate a thing, written when it is sent (its messages are rows in
    the outbox and the inbox, written in the same transaction)."""

    kind = models.CharField(_("service"), max_length=20)
    object_id = models.PositiveBigIntegerField(_("id"))
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    # How many messages were written (0: nobody to send it to).
    messages = models.PositiveSmallIntegerField(_("messages"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rating request")
        verbose_name_plural = _("rating requests")
        constraints = [
            # Two sweeps at once: the second insert fails, so nobody is asked twice.
            models.UniqueConstraint(fields=["kind", "object_id"], name="rating_ask_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
