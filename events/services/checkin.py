"""Check-in at the door, walk-ins and marking no-shows after a session.

Every interface (the check-in screen, its camera scanner, a management command, the Celery
beat job) goes through these functions. Check-ins and walk-ins lock the session row first
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transaction takes the write
lock), the same lock the registration services take, so a check-in cannot interleave with a
cancellation, a party-size change or another scan of the same ticket.

No-show rule: the beat job marks every registration still *confirmed* when its session
ended more than ``grace_minutes`` ago. A ticket marked as a no-show may still be checked
in while its session has not ended (a late arrival after staff marked it by hand, or a job
run with a short grace period); once the session is over the no-show stands and the
ticket is refused with code ``no_show``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Locale

from events.audit import CHECKIN_OVERRIDE
from events.availability import availability_forget_on_commit
from events.choices import SessionFormat
from events.exceptions import RegistrationError
from events.models import (
    PLACE_HOLDING_STATUSES,
    ActivityPage,
    Registration,
    RegistrationChange,
    Session,
    places_left,
)
from events.services.registration import (
    _record,
    check_party_size,
    check_phone_not_registered,
    check_session_not_cancelled,
    registration_change_event,
)
from portal.batching import in_locked_batches
from portal.checkin import (
    checkin_doors,
    checkin_nonce_clean,
    checkin_override_audit,
    checkin_repeat_message,
    checkin_time_decide,
    checkin_window_refusal,
    staff_name,
)
from portal.history import state_change_build, state_changes_create
from portal.locking import lock_rows
from portal.phones import InvalidPhone, phone_normalise
from portal.tickets import TicketUnreadable, ticket_code_new, ticket_code_read

SEARCH_LIMIT = 20
NO_SHOW_BATCH = 500

Status = Registration.Status


def _ticket_code(ticket: str) -> str:
    """The ticket code in a scanned QR token or a typed code (``portal.tickets``). Raises
    ``RegistrationError`` (``unknown_ticket``) for a forged token or text that cannot be a code.
    """
    try:
        return ticket_code_read(ticket)
    except TicketUnreadable as error:
        raise RegistrationError(error.message, code=error.code) from None


def _activity_title(activity: ActivityPage) -> str:
    """The activity's title in the active language when a live translation exists."""
    translated = (
        ActivityPage.objects.live()
        .filter(translation_key=activity.translation_key, locale=Locale.get_active())
        .values_list("title", flat=True)
        .first()
    )
    return translated or activity.title


def _lock_session(session_id: int) -> Session:
    """The session, locked; refused (``online``) when it has no door to check in at."""
    locked = lock_rows(Session, [session_id], no_key=True)
    if not locked:
        raise RegistrationError(_("This session does not exist."), code="not_found")
    session = locked[0]
    if not session.has_door:
        # Online attendance is not a check-in: nobody arrives at a door.
        raise RegistrationError(
            _("This session is online: there is no check-in at a door."), code="online"
        )
    availability_forget_on_commit([session.pk])  # a walk-in may take a place
    return session


def checkin_perform(
    *,
    session_id: int,
    ticket: str = "",
    by,
    registration_id: int | None = None,
    nonce: str | None = "",
    override: bool = False,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """Check a ticket in at the door of a session: the party has arrived.

    ``ticket`` is a scanned QR token or a typed ticket code; staff who found the
    registration by searching pass ``registration_id`` instead (registrations entered
    without a ticket code can be checked in too). A ticket is accepted from
    ``CHECKIN_OPENS_MINUTES_BEFORE`` minutes before the session starts until it ends
    (``portal.checkin``); staff with ``events.override_checkin`` may pass ``override`` and
    a ``reason`` (recorded in the history) to check it in outside that window.

    ``nonce`` identifies the scan: the same ticket sent again with the nonce of the scan
    that checked it in (a retry after a network error) returns the registration again, as
    the first time, without a second history row.

    Error codes: ``not_found`` (no such session), ``unknown_ticket``, ``cancelled``,
    ``wrong_session`` (the message names the ticket's session), ``already_checked_in``
    (a scan with another nonce; the message says when and by whom; carried in
    ``error.registration``; changes nothing), ``waitlisted``, ``no_show`` (the session has
    ended; before its end a no-show is checked in as a late arrival), ``too_early`` and
    ``ended`` (outside the check-in window; the message says when it is valid),
    ``override_forbidden`` and ``reason_required`` (an override refused), ``online`` (an
    online session has no door). A check-in
    outside the window is written to the audit log (``events.checkin_override``).
    """
    now = now or timezone.now()
    nonce = checkin_nonce_clean(nonce)
    ticket_code: str | None = None
    lookup: dict[str, int | str]
    if registration_id is not None:
        lookup = {"pk": registration_id}
    else:
        ticket_code = _ticket_code(ticket)
        lookup = {"ticket_code": ticket_code}
    with transaction.atomic():
        session = _lock_session(session_id)
        # Lock order: session, then registration, as in the registration services. Two
        # scans of one ticket at two doors queue here; the second one then reads the
        # first one's check-in and is refused as "already checked in" (or, when it is the
        # same scan sent twice, gets the first answer again).
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session__activity", "checked_in_by")
            .filter(**lookup)
            .first()
        )
        if registration is None:
            _refuse_ticket_of_another_door(ticket_code)
            raise RegistrationError(_("No ticket has this code."), code="unknown_ticket")
        if registration.status == Status.CANCELLED:
            raise RegistrationError(
                _("This ticket was cancelled."), code="cancelled", registration=registration
            )
        if registration.session_id != session.pk:
            other = registration.session
            raise RegistrationError(
                _("This ticket is for another session: %(activity)s, %(when)s.")
                % {
                    "activity": _activity_title(other.activity),
                    "when": f"{timezone.localtime(other.starts_at):%Y-%m-%d %H:%M}",
                },
                code="wrong_session",
                registration=registration,
            )
        if registration.status == Status.CHECKED_IN:
            if nonce is not None and registration.checkin_nonce == nonce:
                return registration  # the same scan again: the same answer
            raise RegistrationError(
                checkin_repeat_message(
                    checked_in_at=registration.checked_in_at,
                    staff=staff_name(registration.checked_in_by),
                    now=now,
                ),
                code="already_checked_in",
                registration=registration,
            )
        if registration.status == Status.WAITLISTED:
            raise RegistrationError(
                _("This ticket is on the waiting list and has no place in this session."),
                code="waitlisted",
                registration=registration,
            )
        notes = []
        if registration.status == Status.NO_SHOW:
            if now >= session.ends_at and not override:
                raise RegistrationError(
                    _("This ticket was marked as a no-show: the session has ended."),
                    code="no_show",
                    registration=registration,
                )
            notes.append("late arrival after being marked as a no-show")
        refusal, note = checkin_time_decide(
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            now=now,
            by=by,
            override=override,
            reason=reason,
        )
        if refusal is not None:
            raise RegistrationError(refusal.message, code=refusal.code, registration=registration)
        if note:
            notes.append(note)
        if nonce is not None and Registration.objects.filter(checkin_nonce=nonce).exists():
            # The page makes a new nonce per scan; one used for another ticket is a bug
            # or a replay, and the unique constraint would refuse it anyway.
            nonce = None
        previous = registration.status
        registration.status = Status.CHECKED_IN
        registration.checked_in_at = now
        registration.checked_in_by = by if by is not None and by.is_authenticated else None
        registration.checkin_nonce = nonce
        registration.save(
            update_fields=[
                "status",
                "checked_in_at",
                "checked_in_by",
                "checkin_nonce",
                "updated_at",
            ]
        )
        _record(registration, from_status=previous, by=by, note="; ".join(notes)[:200])
        if note:  # checked in outside the window, by staff allowed to override it
            checkin_override_audit(
                instance=registration,
                action=CHECKIN_OVERRIDE,
                by=by,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                now=now,
                reason=reason,
                data={
                    "registration_id": registration.pk,
                    "session_id": session.pk,
                    "party_size": registration.party_size,
                },
            )
        return registration


def _refuse_ticket_of_another_door(code: str | None) -> None:
    """Other doors' tickets (lab visits) share the format: say where such a ticket is
    checked in (``portal.checkin``)."""
    if not code:
        return
    for door in checkin_doors():
        message = door.ticket_elsewhere(code)
        if message:
            raise RegistrationError(message, code="wrong_session")


def walk_in_record(
    *,
    session_id: int,
    party_size: int,
    name: str = "",
    phone: str = "",
    by,
    now: datetime.datetime | None = None,
) -> Registration:
    """Record a party that arrived without registering, checked in at once, if places remain.

    The phone number is optional (normalised when given). Error codes: ``invalid_phone``,
    ``not_found``, ``session_cancelled``, ``too_early`` / ``ended`` (outside the session's
    check-in window, ``portal.checkin``), ``party_too_large`` (outside 1 to the session's
    maximum), ``full`` (fewer places left than people), ``duplicate`` (the phone already
    holds an active registration for the session: check that ticket in instead; carried in
    ``error.registration``).
    """
    now = now or timezone.now()
    try:
        phone = phone_normalise(phone) if (phone or "").strip() else ""
    except InvalidPhone as error:
        raise RegistrationError(error.message, code=error.code) from None
    try:
        with transaction.atomic():
            # Counting under the session lock: two walk-ins recorded at two doors cannot
            # both take the last place, nor race an online registration.
            session = _lock_session(session_id)
            check_session_not_cancelled(session)
            # Arrivals at the door count in the figures: only while the door is open.
            refusal = checkin_window_refusal(
                starts_at=session.starts_at, ends_at=session.ends_at, now=now
            )
            if refusal is not None:
                raise RegistrationError(refusal.message, code=refusal.code)
            check_party_size(session=session, party_size=party_size)
            if phone:
                check_phone_not_registered(session=session, phone=phone)
            left = session.places_left
            if left is not None and party_size > left:
                raise RegistrationError(
                    _("Not enough places left for this party: %(left)d left.")
                    % {"left": max(left, 0)},
                    code="full",
                )
            checked_in_by = by if by is not None and by.is_authenticated else None
            registration = Registration.objects.create(
                session=session,
                name=name.strip(),
                phone=phone,
                party_size=party_size,
                status=Status.CHECKED_IN,
                source=Registration.Source.WALK_IN,
                ticket_code=ticket_code_new(),
                checked_in_at=now,
                checked_in_by=checked_in_by,
            )
            _record(registration, from_status="", by=by, note="walk-in")
            return registration
    except IntegrityError:
        # The partial unique index caught the same phone registering at the same moment.
        existing = Registration.objects.filter(
            session_id=session_id, phone=phone, status__in=Registration.ACTIVE_STATUSES
        ).first()
        if not phone or existing is None:
            raise
        raise RegistrationError(
            _("This phone number is already registered for this session."),
            code="duplicate",
            registration=existing,
        ) from None


def checkin_search(*, session_id: int, query: str) -> list[Registration]:
    """Active registrations of a session by name (contains) or phone (ends with the digits
    typed, usually the last four), at most ``SEARCH_LIMIT``, names in order."""
    query = (query or "").replace("\x00", "").strip()[:60]
    if not query:
        return []
    qs = Registration.objects.filter(session_id=session_id, status__in=Registration.ACTIVE_STATUSES)
    digits = re.sub(r"[\s\-]", "", query)
    if digits.isdigit() and len(digits) >= 4:
        qs = qs.filter(phone__endswith=digits)
    else:
        qs = qs.filter(name__icontains=query)
    return list(qs.order_by("name", "pk")[:SEARCH_LIMIT])


def checkin_counts(*, session_id: int) -> dict[str, int]:
    """The door's counters in people, from one query.

    ``registered``: people registered in advance who hold a place (confirmed, arrived or
    no-show); ``arrived``: people checked in, walk-ins included; ``expected``: registered
    people not arrived yet; ``walk_ins``: people who came without registering;
    ``waitlisted``: people on the waiting list; ``places_left`` and ``capacity``.
    Raises ``RegistrationError`` (``not_found``).
    """

    def people(condition: Q):
        return Coalesce(Sum("registrations__party_size", filter=condition), 0)

    walk_in = Q(registrations__source=Registration.Source.WALK_IN)
    row = (
        Session.objects.filter(pk=session_id)
        .annotate(
            registered=people(Q(registrations__status__in=PLACE_HOLDING_STATUSES) & ~walk_in),
            arrived=people(Q(registrations__status=Status.CHECKED_IN)),
            expected=people(Q(registrations__status=Status.CONFIRMED)),
            walk_ins=people(Q(registrations__status=Status.CHECKED_IN) & walk_in),
            waitlisted=people(Q(registrations__status=Status.WAITLISTED)),
            taken=people(Q(registrations__status__in=PLACE_HOLDING_STATUSES)),
        )
        .values("capacity", "registered", "arrived", "expected", "walk_ins", "waitlisted", "taken")
        .first()
    )
    if row is None:
        raise RegistrationError(_("This session does not exist."), code="not_found")
    return {
        "capacity": row["capacity"],
        "registered": row["registered"],
        "arrived": row["arrived"],
        "expected": row["expected"],
        "walk_ins": row["walk_ins"],
        "waitlisted": row["waitlisted"],
        "places_left": places_left(capacity=row["capacity"], taken=row["taken"]),
    }


def registrations_mark_no_show(
    *, now: datetime.datetime | None = None, grace_minutes: int = 30
) -> int:
    """Mark as no-shows the registrations still confirmed when their session ended more than
    ``grace_minutes`` ago, each with a history row. Returns how many were marked.

    Idempotent: a second run finds nothing left to mark. Checked-in, cancelled and
    waitlisted registrations are never touched.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=grace_minutes)
    # Online sessions have no check-in, so nobody there can be told apart from a no-show.
    due = Registration.objects.filter(status=Status.CONFIRMED, session__ends_at__lt=cutoff).exclude(
        session__format=SessionFormat.ONLINE
    )

    def mark(ids: list[int]) -> None:
        Registration.objects.filter(pk__in=ids, status=Status.CONFIRMED).update(
            status=Status.NO_SHOW, updated_at=now
        )
        state_changes_create(
            RegistrationChange,
            [
                state_change_build(
                    RegistrationChange,
                    registration_id=pk,
                    event=registration_change_event(Status.CONFIRMED, Status.NO_SHOW),
                    from_state=Status.CONFIRMED,
                    to_state=Status.NO_SHOW,
                    at=now,
                    note="marked automatically after the session",
                )
                for pk in ids
            ],
        )

    # The rows are locked before they change: a late check-in (which locks its registration
    # after its session) waits for this batch, then sees the no-show and decides by the
    # session's end. Confirmed and no-show both hold a place, so the count of places does
    # not change and no session lock is needed.
    return in_locked_batches(due, size=NO_SHOW_BATCH, apply=mark)


@dataclass(frozen=True)
class CheckinSession:
    """A session on the check-in picker, with its activity title in the active language."""

    session: Session
    title: str
    venue: str
    registered: int
    arrived: int


def checkin_session_list(
    *, now: datetime.datetime | None = None, past_days: int = 14
) -> tuple[list[CheckinSession], list[CheckinSession]]:
    """Sessions for the check-in picker: (today and later, soonest first; the last
    ``past_days`` days, latest first). Three queries whatever the number of sessions.
    Sessions the organiser cancelled are left out: nobody is expected at their door."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    walk_in = Q(registrations__source=Registration.Source.WALK_IN)
    sessions = list(
        Session.objects.filter(
            ends_at__gte=today - datetime.timedelta(days=past_days),
            state__cancelled_at__isnull=True,
        )
        # Online sessions have no door.
        .exclude(format=SessionFormat.ONLINE)
        .select_related("activity")
        .annotate(
            registered=Coalesce(
                Sum(
                    "registrations__party_size",
                    filter=Q(registrations__status__in=PLACE_HOLDING_STATUSES) & ~walk_in,
                ),
                0,
            ),
            arrived=Coalesce(
                Sum(
                    "registrations__party_size",
                    filter=Q(registrations__status=Status.CHECKED_IN),
                ),
                0,
            ),
        )
        .order_by("starts_at", "pk")
    )
    keys = {s.activity.translation_key for s in sessions}
    translated = {
        key: (title, venue)
        for key, title, venue in ActivityPage.objects.live()
        .filter(translation_key__in=keys, locale=Locale.get_active())
        .values_list("translation_key", "title", "venue")
    }
    rows = []
    for s in sessions:
        title, venue = translated.get(
            s.activity.translation_key, (s.activity.title, s.activity.venue)
        )
        rows.append(
            CheckinSession(
                session=s, title=title, venue=venue, registered=s.registered, arrived=s.arrived
            )
        )
    upcoming = [r for r in rows if r.session.ends_at >= today]
    earlier = [r for r in rows if r.session.ends_at < today]
    earlier.reverse()
    return upcoming, earlier


def checkin_session_title(*, session: Session) -> str:
    """The session's activity title in the active language."""
    return _activity_title(session.activity)
