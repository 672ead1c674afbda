"""One-time codes that prove a person can receive text messages on a phone number."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.phones import phone_mask

# Wrong codes accepted per code before it is spent (checked in the database too).
MAX_ATTEMPTS = 5


class PhoneCode(models.Model):
    """A code sent to ``phone``: only its keyed hash is stored (``code_hash``), it expires
    at ``expires_at``, each wrong guess counts (``attempts``, at most ``MAX_ATTEMPTS``), and
    ``verified_at`` records the right one. A signed-in person's codes carry the account, so
    the number counts as verified on the account (``PHONE_VERIFICATION_DAYS``)."""

    phone = models.CharField(_("phone"), max_length=20)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="phone_codes",
    )

    class Meta:
        verbose_name = _("phone verification code")
        verbose_name_plural = _("phone verification codes")
        indexes = [
            models.Index(fields=["phone", "-created_at"], name="phonecode_phone_recent"),
            models.Index(
                fields=["user", "phone", "-verified_at"],
                name="phonecode_user_verified",
                condition=Q(verified_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__lte=MAX_ATTEMPTS), name="phonecode_attempts_limited"
            ),
        ]

    def __str__(self) -> str:
        return phone_mask(self.phone)
