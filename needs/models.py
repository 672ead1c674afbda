"""Supply-demand matching (供需对接): an enterprise posts a testing or technical need;
institutions (through their contacts) and experts answer with offers; the enterprise
accepts one.

A need is stored ``open``, ``matched`` or ``closed``. "Expired" is not stored: an open need
whose deadline has passed is expired (``needs.selectors.need_state``), so nothing has to
run at midnight for the board to be right.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.choices import District, Field
from portal.models import TimeStampedModel


class Need(TimeStampedModel):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        CLOSED = "closed", _("Withdrawn")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="needs",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_posted",
    )
    title = models.CharField(_("title"), max_length=120)
    field = models.CharField(_("testing field"), max_length=32, choices=Field.choices)
    district = models.CharField(_("district"), max_length=20, choices=District.choices)
    description = models.TextField(_("description"))
    deadline = models.DateField(_("offers accepted until"))
    budget_note = models.CharField(_("budget"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "matched", "closed"]), name="need_state_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="need_title_not_empty"),
            # A matched need says when; only a matched one does.
            models.CheckConstraint(
                condition=Q(state="matched", matched_at__isnull=False)
                | (~Q(state="matched") & Q(matched_at__isnull=True)),
                name="need_matched_at_iff_matched",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Offer(TimeStampedModel):
    """An institution's or an expert's answer to a need (exactly one of the two)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the enterprise")
        ACCEPTED = "accepted", _("Accepted")
        NOT_CHOSEN = "not_chosen", _("Not chosen")

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="offers"
    )
    institution = models.ForeignKey(
        "experts.InstitutionPage",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="need_offers",
    )
    expert = models.ForeignKey(
        "experts.Expert",
        verbose_name=_("expert"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="need_offers",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="need_offers",
    )
    message = models.TextField(_("message"))
    approach = models.TextField(_("proposed approach"))
    fee_note = models.CharField(_("fee"), max_length=200, blank=True)
    earliest_start = models.DateField(_("earliest start"))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "accepted", "not_chosen"]),
                name="need_offer_state_valid",
            ),
            # Exactly one responder: an institution or an expert.
            models.CheckConstraint(
                condition=Q(institution__isnull=False, expert__isnull=True)
                | Q(institution__isnull=True, expert__isnull=False),
                name="need_offer_one_responder",
            ),
            # Two contacts of one institution answering at once: the second insert fails.
            models.UniqueConstraint(
                fields=["need", "institution"],
                condition=Q(institution__isnull=False),
                name="need_offer_one_per_institution",
            ),
            models.UniqueConstraint(
                fields=["need", "expert"],
                condition=Q(expert__isnull=False),
                name="need_offer_one_per_expert",
            ),
            # Two members accepting different offers at once: the need's row lock orders
            # them, and this is the net under it.
            models.UniqueConstraint(
                fields=["need"], condition=Q(state="accepted"), name="need_offer_one_accepted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} · {self.responder_name}"

    @property
    def responder_name(self) -> str:
        if self.institution_id:
            return self.institution.title
        return self.expert.display_name if self.expert_id else ""
