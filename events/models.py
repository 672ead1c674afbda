"""Open-day campaigns, activities, their sessions and the registrations for them.

Pages (campaign, activity) are what editors publish, one tree per language. Sessions and
registrations are plain rows with a stable identity: a session is edited inline on the
activity page in the default language, and translated activity pages show the sessions of
their source page (``exclude_fields_in_copy``), so a session's places are never split.
"""

from __future__ import annotations

import datetime
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.models import BasePage
from cms.selectors import consumer_warnings_in_locale
from events.choices import SessionFormat
from events.forms import ActivityPageForm
from experts.models import HostKind
from portal.choices import District, Zone, area_choices
from portal.models import CheckinConflictBase, StateChange, TimeStampedModel
from portal.phones import phone_mask


class ActivityType(models.TextChoices):
    LAB_TOUR = "lab_tour", _("Lab tour")
    MATCHING = "matching", _("Supply-demand matching")
    CLINIC = "clinic", _("Expert clinic")
    CONVENIENCE = "convenience", _("Convenience testing for residents")
    CONSUMER = "consumer", _("Consumer advice")
    LECTURE = "lecture", _("Lecture")


class OpenDayIndexPage(BasePage):
    """One year's testing & inspection open-day campaign."""

    year = models.PositiveSmallIntegerField(_("year"))
    theme = models.CharField(_("theme"), max_length=120)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("year"), FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldPanel("theme"),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("theme")]
    subpage_types = ["events.ActivityPage"]

    class Meta:
        verbose_name = _("open-day campaign")
        verbose_name_plural = _("open-day campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="campaign_dates_ordered"
            )
        ]

    def cjk_search_parts(self) -> list[str]:
        return [self.title, self.theme]

    def get_context(self, request, *args, **kwargs):
        from events.selectors import activity_filter_from_query, activity_list, institution_choices

        context = super().get_context(request, *args, **kwargs)
        filters = activity_filter_from_query(campaign=self, query=request.GET)
        context.update(
            filters=filters,
            activities=activity_list(campaign=self, filters=filters),
            activity_type_choices=ActivityType.choices,
            format_choices=SessionFormat.choices,
            area_groups=area_choices(),
            institution_choices=institution_choices(campaign=self),
            host_kind_choices=HostKind.choices,
            # Every day of the campaign, first to last, for the date filter.
            campaign_dates=[
                self.start_date + datetime.timedelta(days=n)
                for n in range((self.end_date - self.start_date).days + 1)
            ],
        )
        return context


class ActivityPage(BasePage):
    activity_type = models.CharField(
        _("activity type"), max_length=20, choices=ActivityType.choices
    )
    institution = models.ForeignKey(
        "experts.InstitutionPage",
        verbose_name=_("host institution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    summary = models.TextField(_("summary"), max_length=400)
    # Optional for an activity whose sessions are all online (ActivityPageForm checks).
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices)
    zone = models.CharField(_("functional zone"), max_length=20, choices=Zone.choices, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    description = RichTextField(_("description"), blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    related_warnings = ParentalManyToManyField(
        "cms.ConsumerWarningPage",
        blank=True,
        verbose_name=_("related consumer warnings"),
        related_name="+",
        help_text=_("Consumer warnings published at or for this activity."),
    )

    base_form_class = ActivityPageForm
    # Sessions belong to the page in the default language; translations show those rows.
    exclude_fields_in_copy = ["sessions"]

    content_panels = [
        *Page.content_panels,
        FieldPanel("activity_type"),
        FieldPanel("summary"),
        FieldPanel("institution"),
        MultiFieldPanel(
            [
                FieldPanel("venue"),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("district"), FieldPanel("zone")]),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading=_("Where"),
        ),
        FieldPanel("audience"),
        FieldPanel("description"),
        FieldPanel("cover_image"),
        FieldPanel("related_warnings"),
        InlinePanel("photos", label=_("Photos")),
        InlinePanel(
            "recordings",
            label=_("Recordings"),
            heading=_("Recordings"),
            help_text=_("Recordings of past sessions, shown on the activity page once added."),
        ),
        InlinePanel(
            "sessions",
            label=_("Sessions"),
            heading=_("Sessions"),
            help_text=_(
                "Sessions are managed on the page in the default language (Chinese); "
                "translations show the same sessions."
            ),
        ),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("venue"),
        index.FilterField("activity_type"),
        index.FilterField("district"),
    ]
    parent_page_types = ["events.OpenDayIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("open-day activity")
        verbose_name_plural = _("open-day activities")

    def cjk_search_parts(self) -> list[str]:
        return [self.title, self.summary, self.venue, self.address, self.description]

    def meta_description(self) -> str:
        return self.search_description or self.summary

    @property
    def map_url(self) -> str:
        """Amap (高德地图) link to the venue: a marker when coordinates are set, else a search."""
        if self.latitude is not None and self.longitude is not None:
            return (
                f"https://uri.amap.com/marker?position={self.longitude},{self.latitude}"
                f"&name={quote(self.venue)}"
            )
        return f"https://uri.amap.com/search?keyword={quote(self.address)}"

    def get_context(self, request, *args, **kwargs):
        from events.selectors import activity_photo_list, session_list_for_activity

        context = super().get_context(request, *args, **kwargs)
        context["sessions"] = session_list_for_activity(activity=self)
        context["photos"] = activity_photo_list(activity=self)
        context["recordings"] = list(self.recordings.all())
        context["institution"] = self.institution.localized if self.institution else None
        context["related_warnings"] = consumer_warnings_in_locale(
            warnings=self.related_warnings.all(), locale_id=self.locale_id
        )
        return context


class ActivityPhoto(Orderable):
    activity = ParentalKey(ActivityPage, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


class ActivityRecording(Orderable):
    """A recording of a session (a video page or a live-stream replay), published on the
    activity page after the session: a link, never an embedded player that fetches a third
    party on every view. Translated with the page (title in each language)."""

    activity = ParentalKey(ActivityPage, on_delete=models.CASCADE, related_name="recordings")
    title = models.CharField(_("title"), max_length=200)
    recorded_on = models.DateField(_("recorded on"))
    url = models.URLField(_("link to the recording"), max_length=500)

    panels = [FieldRowPanel([FieldPanel("title"), FieldPanel("recorded_on")]), FieldPanel("url")]

    class Meta(Orderable.Meta):
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self) -> str:
        return self.title


# Registrations in these states hold places in their session.
PLACE_HOLDING_STATUSES = ("confirmed", "checked_in", "no_show")


def places_left(*, capacity: int | None, taken: int) -> int | None:
    """Places left of ``capacity`` (never below 0); None when there is no limit."""
    return None if capacity is None else max(capacity - taken, 0)


class SessionQuerySet(models.QuerySet["Session"]):
    def with_places(self) -> SessionQuerySet:
        """Annotate ``places_taken``: people of the registrations that hold a place."""
        return self.annotate(
            places_taken=Coalesce(
                Sum(
                    "registrations__party_size",
                    filter=Q(registrations__status__in=PLACE_HOLDING_STATUSES),
                ),
                0,
            )
        )


class Session(Orderable, TimeStampedModel):
    """A time slot of an activity with a limited number of places (people, not parties).

    Places taken are counted from the registrations, never stored: a stored counter would
    be written back from stale page revisions whenever an editor publishes the activity.
    Registration services count under the session row's lock, in the transaction of their
    writes, so two requests cannot both take the last place.
    """

    activity = ParentalKey(ActivityPage, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    format = models.CharField(
        _("format"), max_length=10, choices=SessionFormat.choices, default=SessionFormat.IN_PERSON
    )
    # Empty means no limit: only an online session may leave it empty (a constraint).
    capacity = models.PositiveIntegerField(
        _("places"),
        null=True,
        blank=True,
        help_text=_("Leave empty for an online session without a limit."),
    )
    # Never shown on a public page: registrants see it on their ticket page shortly before
    # the start (``settings.ONLINE_LINK_MINUTES_BEFORE``).
    meeting_url = models.URLField(
        _("meeting or live-stream link"),
        max_length=500,
        blank=True,
        help_text=_(
            "Online and hybrid sessions: shown only to registrants, on their ticket page, "
            "shortly before the start."
        ),
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    max_party_size = models.PositiveSmallIntegerField(
        _("maximum party size"),
        default=1,
        help_text=_("How many people one registration may bring."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldRowPanel([FieldPanel("format"), FieldPanel("meeting_url")]),
        FieldRowPanel([FieldPanel("capacity"), FieldPanel("max_party_size")]),
        FieldRowPanel([FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")]),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(max_party_size__gte=1), name="session_party_size_positive"
            ),
            # Only an online session may be without a limit on places: a room has one.
            models.CheckConstraint(
                condition=Q(capacity__isnull=False) | Q(format="online"),
                name="session_capacity_unless_online",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.activity.title} · {local:%Y-%m-%d %H:%M}"

    objects = SessionQuerySet.as_manager()

    def count_places_taken(self) -> int:
        """People holding places; uses the ``with_places()`` annotation when present."""
        if "places_taken" in self.__dict__:
            return self.__dict__["places_taken"]
        if self.pk is None:
            return 0
        return (
            self.registrations.filter(status__in=PLACE_HOLDING_STATUSES).aggregate(
                n=Sum("party_size")
            )["n"]
            or 0
        )

    @property
    def is_online(self) -> bool:
        return self.format == SessionFormat.ONLINE

    @property
    def has_link(self) -> bool:
        """Registrants get a meeting link (online and hybrid sessions)."""
        return self.format != SessionFormat.IN_PERSON

    @property
    def has_door(self) -> bool:
        """Visitors come to a venue and are checked in there (in person and hybrid)."""
        return self.format != SessionFormat.ONLINE

    @property
    def is_unlimited(self) -> bool:
        return self.capacity is None

    @property
    def places_left(self) -> int | None:
        """Places left, or None when the session has no limit."""
        return places_left(capacity=self.capacity, taken=self.count_places_taken())

    def fits(self, people: int, *, taken: int | None = None) -> bool:
        """Whether ``people`` more fit (``taken``: the places taken, default counted)."""
        taken = self.count_places_taken() if taken is None else taken
        return self.capacity is None or taken + people <= self.capacity

    def registration_state(self, now=None, *, count_places: bool = True) -> str:
        """'upcoming' (not yet open), 'open', 'full', 'closed' (deadline or start passed).

        ``count_places=False`` leaves out 'full' (no count of the places): for a caller
        whose service counts them under the session's lock anyway."""
        now = now or timezone.now()
        if self.registration_opens_at and now < self.registration_opens_at:
            return "upcoming"
        if now >= self.starts_at or (
            self.registration_closes_at and now >= self.registration_closes_at
        ):
            return "closed"
        if count_places and not self.fits(1):
            return "full"
        return "open"


class Registration(TimeStampedModel):
    """A person's (or party's) registration for a session."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        CHECKED_IN = "checked_in", _("Checked in")
        NO_SHOW = "no_show", _("No-show")

    class Source(models.TextChoices):
        ONLINE = "online", pgettext_lazy("registration source", "Online")
        WALK_IN = "walk_in", _("Walk-in")
        STAFF = "staff", _("Entered by staff")

    ACTIVE_STATUSES = (Status.CONFIRMED, Status.WAITLISTED, Status.CHECKED_IN)

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("mobile phone"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONFIRMED
    )
    ticket_code = models.CharField(
        _("ticket code"), max_length=12, unique=True, null=True, blank=True, editable=False
    )
    consent_at = models.DateTimeField(_("privacy consent given at"), null=True, blank=True)
    consent_version = models.CharField(_("privacy notice version"), max_length=20, blank=True)
    # The registrant proved the number with a code sent to it (``verification``): only
    # no-shows of such registrations count toward the no-show policy.
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    # A keyed hash of the CSRF secret of the browser that sent the form (never the secret
    # itself): when the answer to a registration is lost (a dropped connection, a worker
    # restarted after the commit), the same browser sending the form again is shown its
    # ticket instead of "already registered". Empty for staff-entered rows.
    browser_key = models.CharField(max_length=32, blank=True, editable=False)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ONLINE
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The nonce of the scan that checked the ticket in: the same scan sent again (a retry
    # after a network error) gets the first answer again instead of "already checked in".
    checkin_nonce = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # Set by the registration that confirms a place in a request: its ticket e-mail and
    # reminders are planned after the commit by a worker (``events.services.notices.
    # registration_followups_run``), which clears it in the same transaction as it writes
    # them. A lost wake-up costs a minute (the sweep looks for it), never the ticket.
    followup_pending = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["session", "status"]),
            # The no-show policy looks up a phone's recent no-shows.
            models.Index(fields=["phone", "status"]),
            models.Index(
                fields=["id"],
                condition=Q(followup_pending=True),
                name="registration_followup_pending",
            ),
        ]
        permissions = [
            ("view_full_phone", _("Can see registrants' full phone numbers")),
            ("check_in", _("Can check visitors in at the door")),
            ("override_checkin", _("Can check in outside the session's check-in time")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_size__gte=1), name="registration_party_size_positive"
            ),
            # One phone number holds at most one active registration per session. Walk-ins
            # recorded without a phone number are not covered.
            models.UniqueConstraint(
                fields=["session", "phone"],
                condition=Q(status__in=["confirmed", "waitlisted", "checked_in"]) & ~Q(phone=""),
                name="registration_one_active_per_phone",
            ),
            # A scan's nonce checks at most one ticket in.
            models.UniqueConstraint(
                fields=["checkin_nonce"],
                condition=Q(checkin_nonce__isnull=False),
                name="registration_checkin_nonce_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.get_status_display()}"


class RegistrationChange(StateChange):
    """One step of a registration's history: who changed its status, when, from what to
    what (``event``: the new status, or ``changed`` when the status stayed)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="changes")

    class Meta:
        ordering = StateChange.Meta.ordering
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.from_state or '-'} → {self.to_state}"


class NoShowWaiver(models.Model):
    """Staff lifted the no-show restriction of a phone number: earlier no-shows no longer count."""

    phone = models.CharField(_("mobile phone"), max_length=20, db_index=True)
    note = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("lifted at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("no-show restriction lifted")
        verbose_name_plural = _("no-show restrictions lifted")

    def __str__(self) -> str:
        return f"{phone_mask(self.phone)} · {self.created_at:%Y-%m-%d}"


class SessionState(models.Model):
    """What registrants were last told about a session, and whether the organiser cancelled it.

    Kept outside the activity page's cluster on purpose: fields of ``Session`` are written
    back from page revisions whenever an editor publishes, so a cancellation stored there
    could be undone by publishing an older draft. ``notified_starts_at`` is the start time
    registrants were last told about; a publish that moves the session is detected by
    comparing it with the session's current time.
    """

    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, related_name="state", primary_key=True
    )
    notified_starts_at = models.DateTimeField(_("start time registrants were told"))
    notified_ends_at = models.DateTimeField(_("end time registrants were told"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session state")
        verbose_name_plural = _("session states")

    def __str__(self) -> str:
        return str(self.session)


class CheckinConflict(CheckinConflictBase):
    """A ticket checked in offline on a second device (or again after it was checked in
    online): the door screen queued the scan with its own nonce while offline, and when it
    synced the ticket had already been checked in under another nonce. The party is counted
    once (the first check-in stands); this row tells staff the same ticket was presented
    twice (``events.services.offline``). Nonce, device and scan: ``CheckinConflictBase``."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="checkin_conflicts",
    )

    class Meta(CheckinConflictBase.Meta):
        verbose_name = _("check-in conflict")
        verbose_name_plural = _("check-in conflicts")
        constraints = [
            # One offline scan is recorded once, however often its queue is synced.
            models.UniqueConstraint(fields=["nonce"], name="checkin_conflict_nonce_unique"),
            models.CheckConstraint(condition=~Q(nonce=""), name="checkin_conflict_nonce_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.registration} · {self.nonce}"
