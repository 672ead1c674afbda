"""Enterprise visits to accredited labs.

A lab that accepts visits (``experts.Lab.accepts_visits``) offers ``VisitSlot`` rows with a
capacity in people. An enterprise requests a visit for a group; a contact of the lab's
institution approves or declines it. Places are held from the request on, so approving
never overbooks a slot (the service counts requested + approved people under a row lock).
An approved visit carries a ticket code whose signed QR token the door check-in accepts.

Shared large instruments (大型仪器共享) reuse all of this: an ``Instrument`` in the
catalogue, offered as *machine time* through ``VisitSlot`` rows that name it. A request
for machine time is a ``LabVisit`` on such a slot (the operators are the visitors, the
samples and tests are the purpose): same states, approval, ticket, check-in, reminders
and rating; only the wording says "machine time" (``lab_visit_is_machine_time``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Length, Replace
from django.utils.translation import gettext_lazy as _

from portal.choices import Field
from portal.language import text_in_language
from portal.models import CheckinConflictBase, StateChange, TimeStampedModel


class InstitutionContact(models.Model):
    """A user (in the "Institution contacts" group) who handles visits to an institution's
    labs. Linked to the default-language institution page, which owns the labs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="institution_contacts"
    )
    institution = models.ForeignKey(
        "experts.InstitutionPage", on_delete=models.CASCADE, related_name="contacts"
    )

    class Meta:
        verbose_name = _("institution contact")
        verbose_name_plural = _("institution contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution"], name="institution_contact_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.institution}"


class Instrument(TimeStampedModel):
    """A large instrument an institution shares with enterprises (大型仪器共享).

    Like a lab's, its texts are stored in Chinese with an optional English version, shown
    on English pages when written. Machine time is offered as visit slots of the
    instrument's lab, so only an instrument with a lab can be booked; one without is
    listed in the catalogue all the same (enterprises ask the institution).
    """

    institution = models.ForeignKey(
        "experts.InstitutionPage",
        on_delete=models.CASCADE,
        related_name="instruments",
        verbose_name=_("institution"),
        help_text=_("The institution's page in the default language, which owns its labs."),
    )
    lab = models.ForeignKey(
        "experts.Lab",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instruments",
        verbose_name=_("lab"),
        help_text=_("The lab where the instrument stands; machine time is booked there."),
    )
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    model_name = models.CharField(
        _("model and maker"), max_length=120, blank=True, help_text=_("E.g. ZEISS Sigma 300.")
    )
    capability = models.TextField(
        _("what it measures"), max_length=2000, help_text=_("Tests, ranges, accuracy.")
    )
    capability_en = models.TextField(_("what it measures (English)"), max_length=2000, blank=True)
    field = models.CharField(_("testing field"), max_length=32, choices=Field.choices)
    fee_note = models.CharField(
        _("fees"),
        max_length=200,
        blank=True,
        help_text=_("E.g. charged by machine hour, reduced for small enterprises."),
    )
    fee_note_en = models.CharField(_("fees (English)"), max_length=200, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photo"),
    )
    active = models.BooleanField(
        _("shown and bookable"),
        default=True,
        help_text=_("Untick to hide the instrument and stop new machine-time requests."),
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("shared instrument")
        verbose_name_plural = _("shared instruments")
        # The lab must belong to the instrument's institution: a rule across two tables,
        # which a CHECK cannot state; migration 0006 adds triggers that refuse it.
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="instrument_name_not_empty"),
            models.CheckConstraint(
                condition=Q(field__in=Field.values), name="instrument_field_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return text_in_language(self.name, self.name_en)

    @property
    def display_capability(self) -> str:
        return text_in_language(self.capability, self.capability_en)

    @property
    def display_fee_note(self) -> str:
        return text_in_language(self.fee_note, self.fee_note_en)


class VisitSlot(TimeStampedModel):
    lab = models.ForeignKey("experts.Lab", on_delete=models.CASCADE, related_name="visit_slots")
    # Machine time on a shared instrument when set. The slot keeps its own ``lab`` (every
    # visit rule, contact and address goes through it), which must be the instrument's:
    # the two columns are one fact stored twice, so migration 0006 adds triggers refusing
    # a slot whose lab is not its instrument's (and an instrument moved to another lab
    # while it has slots). PROTECT: a booked instrument cannot vanish from under its slots.
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="slots",
        verbose_name=_("instrument"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("visitors in total"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("visit slot")
        verbose_name_plural = _("visit slots")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="visit_slot_order"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="visit_slot_capacity"),
        ]


HOLDING_STATES = ("requested", "approved")


class LabVisit(TimeStampedModel):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    slot = models.ForeignKey(VisitSlot, on_delete=models.PROTECT, related_name="visits")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="lab_visits"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lab_visits_requested"
    )
    group_size = models.PositiveSmallIntegerField(_("number of visitors"))
    purpose = models.TextField(_("purpose of the visit"), max_length=2000)
    visitor_names = models.TextField(_("names of the visitors"), max_length=2000)
    contact_name = models.CharField(_("contact person"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.REQUESTED
    )
    ticket_code = models.CharField(_("ticket code"), max_length=12, unique=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The nonce of the scan that checked the group in (see Registration.checkin_nonce).
    checkin_nonce = models.CharField(max_length=64, null=True, blank=True, editable=False)
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lab visit")
        verbose_name_plural = _("lab visits")
        constraints = [
            models.CheckConstraint(condition=Q(group_size__gte=1), name="lab_visit_group_size"),
            # One visitor's name per line for each person in the group. The names are a
            # text column, not a table of their own, so the database can count them: the
            # service stores them trimmed, one per line, without blank lines, and the lines
            # are the line breaks plus one. Erased names ("" after the retention period,
            # see labvisits.privacy) are the one exception.
            models.CheckConstraint(
                condition=Q(visitor_names="")
                | Q(
                    group_size=Length("visitor_names")
                    - Length(Replace("visitor_names", Value("\n"), Value("")))
                    + 1
                ),
                name="lab_visit_one_name_per_visitor",
            ),
            # One open request or approved visit per enterprise and slot.
            models.UniqueConstraint(
                fields=["slot", "enterprise"],
                condition=Q(state__in=HOLDING_STATES),
                name="lab_visit_one_active_per_enterprise_slot",
            ),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(state="approved"),
                name="lab_visit_checked_in_only_when_approved",
            ),
            # A scan's nonce checks at most one visit in.
            models.UniqueConstraint(
                fields=["checkin_nonce"],
                condition=Q(checkin_nonce__isnull=False),
                name="lab_visit_checkin_nonce_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.ticket_code


def lab_visit_is_machine_time(visit: LabVisit) -> bool:
    """Whether ``visit`` books machine time on a shared instrument rather than a lab
    visit: the one predicate the pages, e-mails, notices and reminders word themselves by."""
    return visit.slot.instrument_id is not None


class LabVisitCheckinConflict(CheckinConflictBase):
    """A visit's ticket presented twice at the lab's door: checked in offline on a second
    device, or again after it was checked in online (``labvisits.offline``). The group is
    counted once (the first check-in stands); this row tells the institution's contact and
    staff. Its own table rather than one shared with the open day's ``CheckinConflict``:
    each keeps a real foreign key (deleted with its visit or registration) and each app
    its own rows."""

    visit = models.ForeignKey(
        LabVisit,
        verbose_name=_("lab visit"),
        on_delete=models.CASCADE,
        related_name="checkin_conflicts",
    )

    class Meta(CheckinConflictBase.Meta):
        verbose_name = _("lab visit check-in conflict")
        verbose_name_plural = _("lab visit check-in conflicts")
        constraints = [
            # One offline scan is recorded once, however often its queue is synced.
            models.UniqueConstraint(fields=["nonce"], name="lab_visit_checkin_conflict_nonce"),
            models.CheckConstraint(
                condition=~Q(nonce=""), name="lab_visit_checkin_conflict_nonce_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit} · {self.nonce}"


class LabVisitChange(StateChange):
    visit = models.ForeignKey(LabVisit, on_delete=models.CASCADE, related_name="changes")

    class Meta:
        ordering = StateChange.Meta.ordering
        verbose_name = _("lab visit change")
        verbose_name_plural = _("lab visit changes")

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.from_state} → {self.to_state}"
