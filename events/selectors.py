"""Reads for the open-day pages. Each returns everything its page needs in a fixed
number of queries, however many activities or sessions there are."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Locale, Page

from events.choices import SessionFormat
from events.models import (
    PLACE_HOLDING_STATUSES,
    ActivityPage,
    ActivityPhoto,
    ActivityType,
    OpenDayIndexPage,
    Registration,
    Session,
    SessionQuerySet,
    SessionState,
)
from experts.models import HostKind, InstitutionPage
from portal.choices import area_filter
from portal.precompiled import Precompiled
from portal.tickets import qr_token_make


@dataclass(frozen=True)
class ActivityFilters:
    date: datetime.date | None = None
    activity_type: str = ""
    district: str = ""
    institution: int | None = None
    host_kind: str = ""
    format: str = ""  # a SessionFormat: activities with a session of that format
    # Activities with a session starting on one of these days (the API's date range).
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.date
            or self.date_from
            or self.date_to
            or self.activity_type
            or self.district
            or self.institution
            or self.host_kind
            or self.format
        )


def activity_filter_from_query(*, campaign: OpenDayIndexPage, query: Mapping) -> ActivityFilters:
    """Validated filters from a query string; anything malformed is ignored, never an error."""
    date = None
    try:
        date = datetime.date.fromisoformat(str(query.get("date", ""))[:10])
    except ValueError:
        date = None
    activity_type = query.get("type", "")
    district = query.get("district", "")
    institution_raw = str(query.get("institution", ""))
    host_kind = query.get("host_kind", "")
    session_format = query.get("format", "")
    return ActivityFilters(
        host_kind=host_kind if host_kind in HostKind.values else "",
        format=session_format if session_format in SessionFormat.values else "",
        date=date,
        activity_type=activity_type if activity_type in ActivityType.values else "",
        district=district if area_filter(district) else "",
        institution=int(institution_raw)
        if institution_raw.isascii() and institution_raw.isdigit() and len(institution_raw) < 12
        else None,
    )


def _sessions_of(translation_key_ref, *, default_locale_id: int | None = None) -> SessionQuerySet:
    """Sessions of an activity in any language: they live on the default-language page.

    Pass ``default_locale_id`` when building several subqueries, to look the locale up once.
    """
    return Session.objects.filter(
        activity__translation_key=translation_key_ref,
        activity__locale_id=default_locale_id or Locale.get_default().pk,
    )


# --- Cancelled sessions ---------------------------------------------------------------------
# A session the organiser cancelled has ``SessionState.cancelled_at`` set. Pages that list
# sessions annotate it (``with_cancellation``) instead of reading ``session.state`` per row.


def with_cancellation(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate ``session_cancelled_at``: when the organiser cancelled it, or None."""
    return sessions.annotate(session_cancelled_at=F("state__cancelled_at"))


# A submitted registration form reads its session: compiled once, as every submit of the
# opening minute runs it (``portal.precompiled``).
_SESSION_FOR_SUBMIT = Precompiled(
    lambda session_id: with_cancellation(
        Session.objects.filter(activity__live=True, pk=session_id)
    ),
    session_id=int,
)


def session_for_submit(*, session_id: int) -> Session | None:
    """The session of a live activity, with its cancellation (``with_cancellation``), or
    None: what a submitted registration form needs (its activity is read only if the page
    is rendered again)."""
    return _SESSION_FOR_SUBMIT.first(session_id=session_id)


def session_is_cancelled(*, session: Session) -> bool:
    """Whether the organiser cancelled the session (uses the annotation when present)."""
    if "session_cancelled_at" in session.__dict__:
        return session.__dict__["session_cancelled_at"] is not None
    if session.pk is None:
        return False
    return SessionState.objects.filter(session_id=session.pk, cancelled_at__isnull=False).exists()


# Registrations that still hold or wait for a place: the registrant may change or cancel
# them, staff may move them to another session.
CHANGEABLE_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)


def registration_can_change(registration: Registration, *, now: datetime.datetime) -> bool:
    """Whether the registrant may still change the number of people (and the ticket page
    offers to change or cancel): a confirmed or waitlisted registration, until its session
    starts, unless the organiser cancelled the session. The registration deadline closes
    new registrations only. One rule for the ticket page and
    ``registration_change_party_size``."""
    session = registration.session
    return (
        registration.status in CHANGEABLE_STATUSES
        and now < session.starts_at
        and not session_is_cancelled(session=session)
    )


def registration_is_movable(registration: Registration) -> bool:
    """Whether staff may move the registration to another session of its activity (the
    admin's "Move" action and ``registration_move``)."""
    return registration.status in CHANGEABLE_STATUSES


def session_registration_state(
    *, session: Session, now: datetime.datetime | None = None, count_places: bool = True
) -> str:
    """``Session.registration_state`` ('upcoming', 'open', 'full', 'closed'), or
    'cancelled' when the organiser cancelled the session."""
    if session_is_cancelled(session=session):
        return "cancelled"
    return session.registration_state(now, count_places=count_places)


def session_ids_for_activity(*, activity: ActivityPage) -> list[int]:
    """Ids of the activity's sessions, whatever the language of ``activity``."""
    return list(_sessions_of(activity.translation_key).order_by("pk").values_list("pk", flat=True))


def activity_list(
    *, campaign: OpenDayIndexPage, filters: ActivityFilters | None = None
) -> list[ActivityPage]:
    """Live activities of a campaign, each with the session its card shows (``next_start``)
    and that session's own places left (``next_places_left``): the first upcoming session
    open for registration with places left; failing that, the first whose registration has
    not opened yet; failing that, the first upcoming one (full, or its registration closed).
    """
    filters = filters or ActivityFilters()
    now = timezone.now()
    default_locale_id = Locale.get_default().pk
    # Cancelled sessions are never shown on the card.
    upcoming = _sessions_of(
        OuterRef("translation_key"), default_locale_id=default_locale_id
    ).filter(starts_at__gte=now, state__cancelled_at__isnull=True)
    # The card's session, ranked as ``Session.registration_state`` would answer for it:
    # 0 open, 1 not open yet, 2 full or closed. Its places are its own, never the sum over
    # the activity's sessions (a full session must not borrow a later one's places).
    shown = (
        upcoming.annotate(
            places=F("capacity")
            - Coalesce(
                Subquery(
                    Registration.objects.filter(
                        session=OuterRef("pk"), status__in=PLACE_HOLDING_STATUSES
                    )
                    .order_by()
                    .values("session")
                    .annotate(total=Sum("party_size"))
                    .values("total")[:1],
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .annotate(
            rank=Case(
                When(registration_opens_at__gt=now, then=Value(1)),
                When(Q(registration_closes_at__lte=now) | Q(places__lte=0), then=Value(2)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "starts_at", "pk")
    )
    qs = (
        ActivityPage.objects.child_of(campaign)
        .live()
        .select_related("cover_image")
        # Renditions for the card images, so ``{% image %}`` does not query per card.
        .prefetch_related("cover_image__renditions")
        .annotate(
            next_start=Subquery(shown.values("starts_at")[:1]),
            # None: the session has no limit on places (online).
            next_places_left=Subquery(shown.values("places")[:1], output_field=IntegerField()),
            next_format=Subquery(shown.values("format")[:1]),
            session_count=Coalesce(
                Subquery(
                    _sessions_of(OuterRef("translation_key"), default_locale_id=default_locale_id)
                    .order_by()
                    .values("activity__translation_key")
                    .annotate(n=Count("id"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        # Activities without upcoming sessions last (SQLite and PostgreSQL differ by default).
        .order_by(F("next_start").asc(nulls_last=True), "title")
    )
    if filters.activity_type:
        qs = qs.filter(activity_type=filters.activity_type)
    if filters.district:  # a district or a functional zone
        qs = qs.filter(**area_filter(filters.district))
    if filters.institution:
        qs = qs.filter(
            institution__translation_key__in=Page.objects.filter(pk=filters.institution).values(
                "translation_key"
            )
        )
    if filters.host_kind:
        qs = qs.filter(institution__kind=filters.host_kind)
    if filters.format:
        qs = qs.filter(
            Exists(
                _sessions_of(
                    OuterRef("translation_key"), default_locale_id=default_locale_id
                ).filter(format=filters.format)
            )
        )
    if filters.date:
        qs = qs.filter(
            Exists(
                _sessions_of(
                    OuterRef("translation_key"), default_locale_id=default_locale_id
                ).filter(starts_at__date=filters.date)
            )
        )
    if filters.date_from or filters.date_to:
        days = {}
        if filters.date_from:
            days["starts_at__date__gte"] = filters.date_from
        if filters.date_to:
            days["starts_at__date__lte"] = filters.date_to
        qs = qs.filter(
            Exists(
                _sessions_of(
                    OuterRef("translation_key"), default_locale_id=default_locale_id
                ).filter(**days)
            )
        )
    activities = list(qs)
    _attach_institutions(activities)
    for activity in activities:  # the card says the format in words
        activity.next_format_label = (
            SessionFormat(activity.next_format).label if activity.next_format else ""
        )
    return activities


def _attach_institutions(activities: Iterable[ActivityPage]) -> None:
    """Sets ``host`` on each activity: its institution in the page's language (one query)."""
    activities = list(activities)
    keys = {a.institution_id for a in activities if a.institution_id}
    if not keys:
        for activity in activities:
            activity.host = None
        return
    sources = dict(InstitutionPage.objects.filter(pk__in=keys).values_list("pk", "translation_key"))
    locale_ids = {a.locale_id for a in activities}
    by_key = {
        (p.translation_key, p.locale_id): p
        for p in InstitutionPage.objects.live().filter(
            translation_key__in=sources.values(), locale_id__in=locale_ids
        )
    }
    for activity in activities:
        key = sources.get(activity.institution_id)
        activity.host = by_key.get((key, activity.locale_id)) if key else None


def session_list_for_activity(*, activity: ActivityPage) -> list[Session]:
    """The activity's sessions in time order, with ``booking_state`` ('upcoming', 'open',
    'full', 'closed' or 'cancelled': see ``session_registration_state``) and ``has_ended``
    (the session is over). One query."""
    now = timezone.now()
    sessions = list(
        with_cancellation(_sessions_of(activity.translation_key).with_places()).order_by(
            "starts_at"
        )
    )
    for session in sessions:
        # Not ``state``: that name is the session's SessionState (reverse one-to-one).
        session.booking_state = session_registration_state(session=session, now=now)
        session.has_ended = session.ends_at <= now
    return sessions


def activity_photo_list(*, activity: ActivityPage) -> list[ActivityPhoto]:
    """The activity's photos with their images and renditions (three queries in all).

    Goes through the page's own relation so that a page preview shows unsaved photos.
    """
    return list(activity.photos.all().select_related("image").prefetch_related("image__renditions"))


def campaign_current(*, locale: Locale | None = None) -> OpenDayIndexPage | None:
    """The most recent live campaign in a language."""
    qs = OpenDayIndexPage.objects.live()
    if locale is not None:
        qs = qs.filter(locale=locale)
    return qs.order_by("-year", "-start_date").first()


def activity_list_upcoming(*, campaign: OpenDayIndexPage, limit: int = 6) -> list[ActivityPage]:
    """Activities of a campaign that still have sessions ahead, soonest first."""
    return [a for a in activity_list(campaign=campaign) if a.next_start][:limit]


def home_campaign_context(page: Page) -> dict:
    """The home page's campaign (the featured one, else the latest live one in the page's
    language) and its upcoming activities (a section of ``cms.registry``)."""
    campaign = page.featured_campaign.localized if page.featured_campaign else None
    if campaign is None or not campaign.live:
        campaign = campaign_current(locale=page.locale)
    return {
        "campaign": campaign,
        "upcoming_activities": activity_list_upcoming(campaign=campaign) if campaign else [],
    }


def institution_activities_context(page: InstitutionPage) -> dict:
    """The activities an institution hosts, in its page's language (a section of the
    institution page, ``experts.registry``)."""
    source_ids = InstitutionPage.objects.filter(translation_key=page.translation_key).values("pk")
    activities = list(
        ActivityPage.objects.live()
        .filter(locale_id=page.locale_id, institution_id__in=source_ids)
        .order_by("title")
    )
    return {"hosted_activities": activities}


def institution_choices(*, campaign: OpenDayIndexPage) -> list[Page]:
    """Institutions hosting activities of the campaign, in the campaign's language."""
    keys = (
        ActivityPage.objects.child_of(campaign)
        .live()
        .exclude(institution=None)
        .values("institution__translation_key")
    )
    return list(
        InstitutionPage.objects.live()
        .filter(locale_id=campaign.locale_id, translation_key__in=keys)
        .order_by("title")
    )


_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("events_memo", default=None)


@contextlib.contextmanager
def rendering_cache() -> Iterator[None]:
    """Within the block, an activity's translation and a session's state are looked up once
    per (activity, language) and per session: for a batch of e-mails rendered together.
    Not for requests: the values may change between them."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _memoised(key: tuple, compute: Callable):
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def activity_in_language(*, activity: ActivityPage, language: str) -> ActivityPage:
    """The live translation of ``activity`` in ``language``, else the activity itself."""
    return _memoised(
        ("activity", activity.pk, language), lambda: _activity_in_language(activity, language)
    )


def _activity_in_language(activity: ActivityPage, language: str) -> ActivityPage:
    locale = Locale.objects.filter(language_code=language).first()
    if locale is None or activity.locale_id == locale.pk:
        return activity
    translation = (
        ActivityPage.objects.live().filter(translation_key=activity.translation_key, locale=locale)
    ).first()
    return translation or activity


def activities_in_language(
    *, activities: Iterable[ActivityPage], language: str
) -> dict[int, ActivityPage]:
    """``activity_in_language`` for many activities in two queries: {activity pk: page}."""
    activities = list(activities)
    result = {activity.pk: activity for activity in activities}
    locale = Locale.objects.filter(language_code=language).first()
    if locale is None:
        return result
    keys = {a.translation_key: a.pk for a in activities if a.locale_id != locale.pk}
    translations = ActivityPage.objects.live().filter(translation_key__in=keys, locale=locale)
    for translation in translations:
        result[keys[translation.translation_key]] = translation
    return result


def user_is_checkin_staff(*, user) -> bool:
    """Whether ``user`` checks tickets in at the session door (permission
    ``events.check_in``, given by the "Check-in staff" group)."""
    return user.is_authenticated and user.has_perm("events.check_in")


def registration_list_for_user(*, user) -> QuerySet[Registration]:
    """A signed-in user's registrations, the next sessions first, then the past ones."""
    return (
        Registration.objects.filter(user=user)
        .select_related("session__activity")
        .order_by("-session__starts_at", "-pk")
    )


def ticket_details(*, registration: Registration, language: str | None = None) -> dict:
    """What a ticket shows, on the page and in e-mails, in ``language`` (by default the
    registrant's): the activity is its translation in that language, else the original.

    Call with that language active. The ticket page passes the language it is viewed in,
    so a registration made in Chinese reads in English on the English page.
    ``manage_url`` and ``qr_token`` are signed tokens, never the database id. The QR code
    is only for registrations that hold places.
    """
    from django.conf import settings
    from django.urls import reverse

    from events.tickets import manage_token_make

    ticket_code = registration.ticket_code
    if ticket_code is None:
        raise ValueError(f"registration {registration.pk} is anonymised: it has no ticket")
    session = registration.session
    activity = activity_in_language(
        activity=session.activity, language=language or registration.language
    )
    manage_path = reverse(
        "events:registration_manage",
        kwargs={"token": manage_token_make(ticket_code)},
    )
    holds_place = registration.status in (
        Registration.Status.CONFIRMED,
        Registration.Status.CHECKED_IN,
    )
    state = _memoised(
        ("state", session.pk), lambda: SessionState.objects.filter(session_id=session.pk).first()
    )
    session_cancelled = state is not None and state.cancelled_at is not None
    return {
        "registration": registration,
        "session": session,
        "activity": activity,
        "activity_url": settings.SITE_URL.rstrip("/") + activity.url if activity.live else "",
        "manage_url": settings.SITE_URL.rstrip("/") + manage_path,
        "manage_path": manage_path,
        # An online session has no door: nothing to show at an entrance.
        "qr_token": qr_token_make(ticket_code) if holds_place and session.has_door else "",
        "map_url": activity.map_url,
        "holds_place": holds_place,
        # The organiser cancelled the whole session, and why (told to registrants only).
        "session_cancelled": session_cancelled,
        "cancel_reason": state.cancel_reason if session_cancelled else "",
    }


@dataclass(frozen=True)
class MeetingLink:
    """The meeting link of an online or hybrid session as one registrant's ticket shows it.

    ``url`` is empty until ``shows_at`` (the link is never sent or shown before), and after
    the session ended; ``shows_at`` tells the registrant when to come back."""

    url: str
    shows_at: datetime.datetime
    ended: bool


def meeting_link_for(
    *,
    registration: Registration,
    session_cancelled: bool = False,
    now: datetime.datetime | None = None,
) -> MeetingLink | None:
    """The link a registrant's ticket page shows, or None: an in-person session, a
    registration that holds no place (waiting, cancelled), or a cancelled session."""
    from django.conf import settings

    session = registration.session
    holds_place = registration.status in (
        Registration.Status.CONFIRMED,
        Registration.Status.CHECKED_IN,
    )
    if not session.has_link or not holds_place or session_cancelled:
        return None
    now = now or timezone.now()
    shows_at = session.starts_at - datetime.timedelta(minutes=settings.ONLINE_LINK_MINUTES_BEFORE)
    ended = now >= session.ends_at
    visible = shows_at <= now and not ended and bool(session.meeting_url)
    return MeetingLink(url=session.meeting_url if visible else "", shows_at=shows_at, ended=ended)


def session_list_for_campaign(*, campaign: OpenDayIndexPage) -> list[Session]:
    """Every session of the campaign's live, public activities in time order (four queries).

    Sessions live on the default-language pages; each session gets ``activity_page``, its
    activity in the campaign's language, for titles, places and links. Sessions the
    organiser cancelled are left out, so subscribed calendars drop them.
    """
    activities = {
        page.translation_key: page
        for page in ActivityPage.objects.child_of(campaign).live().public()
    }
    if not activities:
        return []
    sessions = list(
        Session.objects.filter(
            activity__translation_key__in=activities,
            activity__locale_id=Locale.get_default().pk,
            state__cancelled_at__isnull=True,
        )
        .annotate(activity_translation_key=F("activity__translation_key"))
        .order_by("starts_at", "pk")
    )
    for session in sessions:
        session.activity_page = activities[session.activity_translation_key]
    return sessions
