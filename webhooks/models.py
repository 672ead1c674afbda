"""Webhooks: systems outside the portal (an institution's booking system, the regulator's
data centre) told of registrations, sessions, consultations and lab visits as they change.

Staff register an ``Endpoint`` (a URL, the events it wants, how much personal data it may
receive, optionally one institution). Every change an endpoint wants becomes one
``Delivery`` row, written in the transaction of the change itself, and a worker POSTs it,
signed with the endpoint's secret, retrying with backoff (``webhooks.services``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from portal.models import TimeStampedModel
from webhooks.transport import url_refusal


class Event(models.TextChoices):
    """What an endpoint can subscribe to. Each change of the portal is exactly one event, so
    one change never yields two deliveries to one endpoint."""

    REGISTRATION_CONFIRMED = "registration.confirmed", _("Registration confirmed")
    REGISTRATION_WAITLISTED = "registration.waitlisted", _("Registration on the waiting list")
    REGISTRATION_PROMOTED = "registration.promoted", _("Place offered from the waiting list")
    REGISTRATION_CANCELLED = "registration.cancelled", _("Registration cancelled")
    REGISTRATION_CHECKED_IN = "registration.checked_in", _("Registration checked in")
    REGISTRATION_NO_SHOW = "registration.no_show", _("Registration marked as a no-show")
    REGISTRATION_CHANGED = "registration.changed", _("Registration changed, same status")
    SESSION_CHANGED = "session.changed", _("Session time changed")
    SESSION_CANCELLED = "session.cancelled", _("Session cancelled")
    CONSULTATION_STATE_CHANGED = "consultation.state_changed", _("Consultation changed")
    LAB_VISIT_STATE_CHANGED = "lab_visit.state_changed", _("Lab visit changed")
    LAB_VISIT_CHECKED_IN = "lab_visit.checked_in", _("Lab visit checked in")


def secret_new() -> str:
    return secrets.token_hex(32)


class Endpoint(TimeStampedModel):
    """A URL that receives the events it subscribed to, signed with its ``secret``."""

    class Scope(models.TextChoices):
        NONE = "none", _("No personal data (ids, states, times, party sizes)")
        MASKED = "masked", _("Masked names and phone numbers")

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(
        _("URL"),
        max_length=500,
        help_text=_("Deliveries are POSTed here. HTTPS, on a public address."),
    )
    # The key of the HMAC-SHA256 signature of every delivery; shown to staff so they can
    # give it to the receiving system, never sent.
    secret = models.CharField(_("signing secret"), max_length=64, default=secret_new)
    events = models.JSONField(_("events"), default=list)
    scope = models.CharField(
        _("personal data"), max_length=10, choices=Scope.choices, default=Scope.NONE
    )
    # An institution's own system hears only of its own sessions and lab visits. CASCADE:
    # an endpoint restricted to an institution must never outlive it as unrestricted.
    institution = models.ForeignKey(
        "experts.InstitutionPage",
        verbose_name=_("only this institution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text=_(
            "Only the sessions and lab visits of this institution; no consultations. "
            "Leave empty for everything."
        ),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive endpoint gets no new deliveries; pending ones wait."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["none", "masked"]), name="webhook_endpoint_scope"
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="https://") | Q(url__startswith="http://"),
                name="webhook_endpoint_url_http",
            ),
            # A signature keyed with an empty or short secret proves nothing.
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("secret"), 32),
                name="webhook_endpoint_secret_long",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        refusal = url_refusal(self.url) if self.url else None
        if refusal:
            errors["url"] = refusal
        unknown = [e for e in self.events or [] if e not in Event.values]
        if not isinstance(self.events, list) or unknown:
            errors["events"] = _("Unknown event: %(events)s") % {"events": ", ".join(unknown)}
        elif not self.events:
            errors["events"] = _("Choose at least one event.")
        if errors:
            raise ValidationError(errors)


class Delivery(models.Model):
    """One event to one endpoint: its payload, and each attempt's outcome.

    ``(endpoint, event_id)`` is unique: a change is delivered to an endpoint at most once
    (as one row, retried), whatever repeats the planning.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        Endpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    # What changed, the same for every endpoint (the payload's "id"), e.g.
    # "registration-change-12": a receiver recognises a delivery it already handled.
    event_id = models.CharField(_("event id"), max_length=64)
    occurred_at = models.DateTimeField(_("occurred at"))
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Due from then on (now when written; later after a failed attempt).
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # Handed to the worker queue at; a sweep hands a row over again only after a while.
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # The last attempt's answer: HTTP status and the start of the body the receiver sent.
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response"), blank=True)
    # Exception class and message of the last failure (never the URL, which may hold a key).
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sending", "delivered", "failed"]),
                name="webhook_delivery_state",
            ),
            # A delivered row says when; no other row does.
            models.CheckConstraint(
                condition=Q(state="delivered", delivered_at__isnull=False)
                | (~Q(state="delivered") & Q(delivered_at__isnull=True)),
                name="webhook_delivery_delivered_has_time",
            ),
            # A row being sent was claimed at a known time (stale claims are released).
            models.CheckConstraint(
                condition=~Q(state="sending") | Q(claimed_at__isnull=False),
                name="webhook_delivery_sending_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.event_id}"
