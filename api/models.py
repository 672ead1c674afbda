"""Staff API tokens: a user's key to the staff routes of the API (``/api/v1/staff/``).

The secret is shown once, when the token is created (``api.services.api_token_create``);
only its SHA-256 is stored, with its first characters (``prefix``) so people can tell their
tokens apart. A token carries scopes; at every request the effective permission is the
scope AND the user's current web permission for it AND an active account
(``api.services``), so a user who loses a role loses the API access that came with it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    STATS_READ = "stats:read", _("Read the statistics")
    REGISTRATIONS_READ = "registrations:read", _("Read the registrations of sessions")
    CONSULTATIONS_READ = "consultations:read", _("Read consultations")
    LABVISITS_READ = "labvisits:read", _("Read lab visits")
    CHECKIN_WRITE = "checkin:write", _("Check tickets in")


# Each scope's boolean column on ApiToken (a column each, so the database checks that a
# token holds at least one scope and that no other value can be stored).
SCOPE_FIELDS = {
    Scope.STATS_READ: "scope_stats_read",
    Scope.REGISTRATIONS_READ: "scope_registrations_read",
    Scope.CONSULTATIONS_READ: "scope_consultations_read",
    Scope.LABVISITS_READ: "scope_labvisits_read",
    Scope.CHECKIN_WRITE: "scope_checkin_write",
}


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_api_tokens",
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    # SHA-256 of the whole token, hex: the secret itself is never stored.
    secret_hash = models.CharField(max_length=64, editable=False)
    scope_stats_read = models.BooleanField(Scope.STATS_READ.label, default=False)
    scope_registrations_read = models.BooleanField(Scope.REGISTRATIONS_READ.label, default=False)
    scope_consultations_read = models.BooleanField(Scope.CONSULTATIONS_READ.label, default=False)
    scope_labvisits_read = models.BooleanField(Scope.LABVISITS_READ.label, default=False)
    scope_checkin_write = models.BooleanField(Scope.CHECKIN_WRITE.label, default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_apitokens", _("Can manage every user's API tokens"))]
        constraints = [
            models.UniqueConstraint(fields=["secret_hash"], name="api_token_secret_hash_unique"),
            models.CheckConstraint(
                condition=Q(scope_stats_read=True)
                | Q(scope_registrations_read=True)
                | Q(scope_consultations_read=True)
                | Q(scope_labvisits_read=True)
                | Q(scope_checkin_write=True),
                name="api_token_has_a_scope",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("created_at")),
                name="api_token_expires_after_creation",
            ),
            models.CheckConstraint(condition=~Q(prefix=""), name="api_token_prefix_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scopes(self) -> list[str]:
        return [str(scope) for scope, field in SCOPE_FIELDS.items() if getattr(self, field)]

    def has_scope(self, scope: str) -> bool:
        field = SCOPE_FIELDS.get(Scope(scope))
        return bool(field and getattr(self, field))
