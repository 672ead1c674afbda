"""Expert availability, the slots generated from it, and consultations booked on them.

An expert (or staff on the expert's behalf) publishes ``Availability`` rules: weekly
recurring hours between two dates, or a single block of time. ``Slot`` rows are generated
from the rules (minus ``AvailabilityException`` days) so a booking can point at, and lock,
one row. A slot holds at most one active consultation, and an expert never has two
overlapping confirmed consultations: both are database constraints (the second one an
exclusion constraint on PostgreSQL, see migration 0002; on SQLite the booking service
checks under the database write lock).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.choices import Field, Service
from portal.models import StateChange, TimeStampedModel
from portal.storage import private_file_storage


class Mode(models.TextChoices):
    AT_ENTERPRISE = "enterprise", _("At the enterprise")
    AT_CENTRE = "centre", _("At the service centre")
    ONLINE = "online", pgettext_lazy("consultation mode", "Online")


class Availability(TimeStampedModel):
    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        SINGLE = "single", _("Single block")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    expert = models.ForeignKey(
        "experts.Expert", on_delete=models.CASCADE, related_name="availabilities"
    )
    kind = models.CharField(_("repeats"), max_length=10, choices=Kind.choices)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, null=True, blank=True
    )
    start_date = models.DateField(
        pgettext_lazy("start date", "from"), help_text=_("For a single block, its date.")
    )
    end_date = models.DateField(pgettext_lazy("end date", "until"), null=True, blank=True)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    slot_minutes = models.PositiveSmallIntegerField(_("length of one consultation (minutes)"))
    mode = models.CharField(_("where"), max_length=12, choices=Mode.choices)
    services = models.ManyToManyField("portal.ServiceType", verbose_name=_("services offered"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["expert", "start_date", "start_time"]
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="availability_time_order"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=15) & Q(slot_minutes__lte=480),
                name="availability_slot_length",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="availability_date_order",
            ),
            models.CheckConstraint(
                condition=Q(kind="single") | Q(weekday__isnull=False),
                name="availability_weekly_has_weekday",
            ),
        ]


class AvailabilityException(models.Model):
    """A day (or part of one) when the expert is not available despite the rules."""

    expert = models.ForeignKey(
        "experts.Expert", on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(pgettext_lazy("start time", "from"), null=True, blank=True)
    end_time = models.TimeField(pgettext_lazy("end time", "until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["expert", "date"]
        verbose_name = _("unavailable time")
        verbose_name_plural = _("unavailable times")
        constraints = [
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True) & Q(end_time__isnull=True))
                | (
                    Q(start_time__isnull=False)
                    & Q(end_time__isnull=False)
                    & Q(end_time__gt=F("start_time"))
                ),
                name="availability_exception_whole_day_or_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.date}"


class Slot(models.Model):
    """One bookable consultation time of an expert, generated from an availability rule."""

    expert = models.ForeignKey("experts.Expert", on_delete=models.CASCADE, related_name="slots")
    availability = models.ForeignKey(
        Availability, null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("where"), max_length=12, choices=Mode.choices)
    services = models.ManyToManyField("portal.ServiceType", verbose_name=_("services offered"))

    # Not a field: the active consultation on the slot, set by ``slot_list_for_expert``.
    booking: Consultation | None

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.UniqueConstraint(fields=["expert", "starts_at"], name="slot_unique_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_order"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.starts_at:%Y-%m-%d %H:%M}"


ACTIVE_STATES = ("requested", "confirmed")


class Consultation(TimeStampedModel):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="consultations"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations_requested"
    )
    expert = models.ForeignKey(
        "experts.Expert",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        help_text=_("Empty while the team is to assign an expert."),
    )
    slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="consultations"
    )
    service = models.CharField(_("service"), max_length=32, choices=Service.choices)
    field = models.CharField(_("field"), max_length=32, choices=Field.choices, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    description = models.TextField(_("description of the problem"), max_length=5000)
    product_or_standard = models.CharField(
        _("product or standard concerned"), max_length=200, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.REQUESTED
    )
    # Copied from the slot when it is chosen, so the time survives slot regeneration and
    # the exclusion constraint can compare ranges on this table alone.
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    mode = models.CharField(_("where"), max_length=12, choices=Mode.choices, blank=True)
    # A reschedule proposed by one side, waiting for the other side to accept.
    proposed_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    # iCalendar SEQUENCE: raised on every change of time or state the calendar shows.
    sequence = models.PositiveIntegerField(default=0)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(_("summary"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated to staff at"), null=True, blank=True)
    # Set once, by a conditional UPDATE, when the expert is asked to complete or mark a
    # no-show after the consultation's time has passed.
    completion_requested_at = models.DateTimeField(
        _("expert asked to complete at"), null=True, blank=True
    )
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        permissions = [("assign_consultation", "Can assign an expert to a consultation")]
        constraints = [
            # Many enterprises grabbing the same slot: only one active booking survives.
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(state__in=ACTIVE_STATES),
                name="consultation_one_active_per_slot",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed")
                | (Q(expert__isnull=False) & Q(starts_at__isnull=False) & Q(ends_at__isnull=False)),
                name="consultation_confirmed_has_expert_and_time",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="consultation_time_order",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


def attachment_path(instance: ConsultationAttachment, filename: str) -> str:
    # The stored name never uses the uploaded one: it is not trusted and may be personal.
    return f"consultations/{instance.consultation_id}/{instance.token}"


class ConsultationAttachment(models.Model):
    """A PDF or image the enterprise attached; stored outside MEDIA_ROOT, served by a view
    that checks who is asking (``STORAGES["private"]``)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path, storage=private_file_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class ConsultationChange(StateChange):
    """One step of a consultation's timeline: who did what, when, from which state to which."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="changes")

    class Meta:
        ordering = StateChange.Meta.ordering
        verbose_name = _("consultation change")
        verbose_name_plural = _("consultation changes")

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.from_state} → {self.to_state}"
