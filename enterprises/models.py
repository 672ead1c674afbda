"""Enterprises that book the expert team and lab visits, and the users who act for them.

An enterprise is identified by its unified social credit code (one row per code). The user
who creates it is its owner; others ask to join and the owner approves them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from portal.choices import District, Field, Zone
from portal.models import TimeStampedModel


class Enterprise(TimeStampedModel):
    class Size(models.TextChoices):
        LARGE = "large", _("Large")
        MEDIUM = "medium", _("Medium")
        SMALL = "small", _("Small")
        MICRO = "micro", _("Micro")

    name = models.CharField(_("enterprise name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        help_text=_("18 characters, as printed on the business licence."),
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Field.choices)
    district = models.CharField(_("district"), max_length=20, choices=District.choices)
    zone = models.CharField(
        _("functional zone"),
        max_length=20,
        choices=Zone.choices,
        blank=True,
        help_text=_("A national-level zone the enterprise lies in, if any."),
    )
    size = models.CharField(_("size"), max_length=10, choices=Size.choices)
    address = models.CharField(_("address"), max_length=300)
    contact_name = models.CharField(_("contact person"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    is_verified = models.BooleanField(_("verified by the regulator"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        through_fields=("enterprise", "user"),
        related_name="enterprises",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            # Two users registering the same licence at once: the second insert fails here.
            models.UniqueConstraint(fields=["credit_code"], name="enterprise_credit_code_unique"),
            # The regulator's mark vouches for the name: no two verified enterprises carry
            # the same one (a renamed enterprise loses the mark, ``enterprise_update``).
            models.UniqueConstraint(
                Lower("name"),
                condition=models.Q(is_verified=True),
                name="enterprise_verified_name_unique",
            ),
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="enterprise_credit_code_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A user acting for an enterprise: the owner (first member) or an approved member."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enterprise", "created_at"]
        verbose_name = _("enterprise member")
        verbose_name_plural = _("enterprise members")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "user"], name="membership_unique"),
            # A user acts for one enterprise at a time (pending or approved).
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["pending", "approved"]),
                name="membership_one_active_per_user",
            ),
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(role="owner"), name="membership_one_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_role_display()}"
