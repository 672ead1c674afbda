from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.choices import Field, Service


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# What a timeline step says happened, as people read it (event codes are identifiers).
EVENT_LABELS = {
    "requested": _("Requested"),
    "confirmed": _("Confirmed"),
    "approved": _("Approved"),
    "declined": _("Declined"),
    "cancelled": _("Cancelled"),
    "assigned": _("Expert assigned"),
    "escalated": _("Escalated to staff"),
    "reschedule_proposed": _("New time proposed"),
    "reschedule_refused": _("New time refused"),
    "rescheduled": _("Rescheduled"),
    "completed": _("Completed"),
    "completion_requested": _("Expert asked to complete"),
    "rated": _("Rated"),
    "checked_in": _("Checked in"),
    "no_show": _("No-show"),
}


class StateChange(models.Model):
    """Abstract base of a timeline step: who did what (``event``), when, from which state to
        which. Concrete models add the foreign key to the thing that changed, with the reverse
    name ``changes``; ``portal.history`` writes and shows the steps."""

    event = models.CharField(max_length=32)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    # When it happened: now unless the caller says (a batch job writes its own moment).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    @property
    def event_label(self) -> str:
        return str(EVENT_LABELS.get(self.event, self.event))


class CheckinConflictBase(TimeStampedModel):
    """Abstract base of a ticket presented twice at a door while offline
    (``portal.offline``): the door screen queued the scan with its own nonce, and when it
    synced the ticket had already been checked in under another nonce. The party is counted
    once (the first check-in stands); the row tells staff. Concrete models add the foreign
    key to the ticket and, in their Meta, a unique constraint on ``nonce`` (one offline scan
    is recorded once, however often its queue is synced) and a check that it is not empty."""

    # The nonce of the offline scan that came second (the first one's is the ticket's
    # ``checkin_nonce``).
    nonce = models.CharField(_("scan nonce"), max_length=64)
    # The browser that queued the scan (a random id it keeps in its storage).
    device = models.CharField(_("device"), max_length=64, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scanned_at = models.DateTimeField(_("scanned at"))

    class Meta:
        abstract = True
        ordering = ["-scanned_at", "-pk"]


class SectorField(models.Model):
    """A field of the sector (automotive, food, ...), for multi-select on pages and snippets.

    Rows are created by a migration, one per ``Field`` value; the label is translated.
    """

    code = models.CharField(_("code"), max_length=32, choices=Field.choices, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("sector field")
        verbose_name_plural = _("sector fields")

    def __str__(self) -> str:
        return str(self.get_code_display())


class ServiceType(models.Model):
    """A service of the expert team (consulting, diagnosis, certification support)."""

    code = models.CharField(_("code"), max_length=32, choices=Service.choices, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return str(self.get_code_display())


class Heartbeat(models.Model):
    """The last sign of life of a background process: ``beat`` (the scheduler ticked) or
    ``worker:<queue>`` (a worker of that queue ran a heartbeat task). One row per name,
    written with the database's clock (``portal/heartbeat.py``); ``/healthz`` reports ages.
    """

    name = models.CharField(_("process"), max_length=64, unique=True)
    at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name
