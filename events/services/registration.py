"""Open-day registration rules, shared by the public forms, the admin and the tasks.

Capacity is counted in people (party size). Every service that changes which
registrations hold places locks the session row (``SELECT ... FOR NO KEY UPDATE`` on
PostgreSQL; on SQLite the IMMEDIATE transaction takes the database's write lock) and
counts under that lock, in the same transaction as its writes, so two requests can never
both take the last places. A new registration with a place writes its rows first and
takes the lock last, for the count and the commit only (``registration_create``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.audit import NOSHOW_LIFT
from events.availability import (
    availability_forget_on_commit,
    availability_store,
    availability_store_on_commit,
)
from events.exceptions import RegistrationError
from events.models import NoShowWaiver, Registration, Session
from events.notifications import registration_followup_on_commit, registration_notify_on_commit
from events.selectors import registration_can_change, session_is_cancelled, with_cancellation
from portal.audit import audit_log
from portal.history import state_change_record
from portal.locking import bounded_transaction
from portal.phones import InvalidPhone, phone_normalise
from portal.precompiled import Precompiled
from portal.tickets import ticket_code_new
from reminders.services import reminders_cancel, reminders_plan

# The session starts of a phone's no-shows, oldest first: usually none, so one short
# statement, compiled once (``portal.precompiled``).
_NOSHOW_STARTS = Precompiled(
    lambda phone: (
        Registration.objects.filter(
            phone=phone, status=Registration.Status.NO_SHOW, phone_verified=True
        )
        .order_by("session__starts_at")
        .values_list("session__starts_at")
    ),
    phone=str,
)


def noshow_restricted_until(
    *, phone: str, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Until when ``phone`` may only join waiting lists, or None when it is not restricted.

    The rule: ``NOSHOW_THRESHOLD`` or more no-shows within the last ``NOSHOW_LOOKBACK_DAYS``
    restrict the number for ``NOSHOW_RESTRICTION_DAYS`` after its latest no-show. No-shows
    before a staff waiver (``NoShowWaiver``) do not count, nor do those of registrations
    whose number was not proved with a code: anyone can type someone else's number.
    """
    now = now or timezone.now()
    threshold = settings.NOSHOW_THRESHOLD
    if threshold <= 0:
        return None
    since = now - datetime.timedelta(days=settings.NOSHOW_LOOKBACK_DAYS)
    starts = [row[0] for row in _NOSHOW_STARTS.rows(phone=phone) if row[0] >= since]
    if len(starts) >= threshold:
        # Enough to restrict: no-shows before the latest waiver, if any, do not count. Most
        # phones never get this far.
        waiver = NoShowWaiver.objects.filter(phone=phone).aggregate(last=Max("created_at"))
        if waiver["last"] is not None and waiver["last"] > since:
            starts = [start for start in starts if start >= waiver["last"]]
    if len(starts) < threshold:
        return None
    until = starts[-1] + datetime.timedelta(days=settings.NOSHOW_RESTRICTION_DAYS)
    return until if until > now else None


def noshow_waiver_create(*, phone: str, note: str, by) -> NoShowWaiver:
    """Staff lift the no-show restriction of ``phone`` (normalised by the caller): its
    no-shows so far stop counting (``noshow_restricted_until``). The reason is kept on the
    waiver. Audit log: ``events.noshow_lift`` (the number of no-shows waived, never the
    phone)."""
    with transaction.atomic():
        waiver = NoShowWaiver.objects.create(
            phone=phone,
            note=" ".join((note or "").split()),
            created_by=by if by is not None and by.is_authenticated else None,
        )
        audit_log(
            instance=waiver,
            action=NOSHOW_LIFT,
            by=by,
            data={
                "waiver_id": waiver.pk,
                "no_shows": Registration.objects.filter(
                    phone=phone, status=Registration.Status.NO_SHOW
                ).count(),
                "reason": waiver.note,
            },
        )
    return waiver


def _noshow_error(until: datetime.datetime) -> RegistrationError:
    return RegistrationError(
        _(
            "This phone number missed several sessions without cancelling, so until "
            "%(date)s it can only join waiting lists. If you think this is wrong, contact "
            "the service desk to have the restriction reviewed."
        )
        % {"date": formats.date_format(timezone.localtime(until), "DATE_FORMAT")},
        code="noshow_restricted",
    )


def session_full_error() -> RegistrationError:
    """No places left for the party, and it did not ask for the waiting list."""
    return RegistrationError(_("This session is full. You can join the waiting list."), code="full")


def _busy() -> RegistrationError:
    """The session's lock was not granted within ``LOCK_TIMEOUT_SECONDS``."""
    return RegistrationError(
        _(
            "Many people are using this session right now. Nothing has been saved or changed: "
            "please try again in a moment."
        ),
        code="busy",
    )


def _record(registration: Registration, *, from_status: str, by=None, note: str = "") -> None:
    state_change_record(
        obj=registration,
        event=registration_change_event(from_status, registration.status),
        from_state=from_status,
        to_state=registration.status,
        by=by,
        note=note,
    )


# History notes are cut to this length (a note names the moment, the sessions or a reason).
HISTORY_NOTE_MAX = 200


def registration_change_event(from_status: str, to_status: str) -> str:
    """A registration's history step names its new status, or ``changed`` when the status
    stayed (a party size changed, a session moved)."""
    return "changed" if from_status == to_status else to_status


def reminders_plan_for(registration: Registration) -> None:
    """Plan the registration's reminders (it has just become confirmed), in the caller's
    transaction: rolled back with it, never sent for a registration that does not exist."""
    reminders_plan(registration=registration)


def reminders_cancel_for(registration: Registration) -> None:
    """Cancel the registration's pending reminders (it has just been cancelled)."""
    reminders_cancel(registration=registration)


def check_session_not_cancelled(session: Session) -> None:
    """Raises ``session_cancelled`` when the organiser cancelled the session. Call under
    the session lock: ``session_cancel`` takes the same lock before marking it."""
    if session_is_cancelled(session=session):
        raise RegistrationError(
            _("The organiser has cancelled this session, so it takes no registrations."),
            code="session_cancelled",
        )


def _check_window(session: Session, now: datetime.datetime) -> None:
    check_session_not_cancelled(session)
    state = session.registration_state(now, count_places=False)
    if state == "upcoming":
        raise RegistrationError(
            _("Registration for this session has not opened yet."), code="not_open"
        )
    if state == "closed":
        raise RegistrationError(_("Registration for this session has closed."), code="closed")


# The places taken and the cancellation of one session, compiled once: the statement
# every registration for a session runs in turn under its lock.
_COUNTS = Precompiled(
    # Both names are annotations (with_places, with_cancellation), not fields; the stubs
    # check values_list against the model's fields only.
    lambda session_id: with_cancellation(
        Session.objects.filter(pk=session_id).with_places()
    ).values_list("places_taken", "session_cancelled_at"),  # type: ignore[misc]
    session_id=int,
)


def _load_counts_under_lock(session: Session) -> None:
    """Read the places taken and the cancellation once, for every check that follows.

    One statement of its own, run after the lock is granted: on PostgreSQL (READ COMMITTED)
    a statement sees what was committed before it started, so a count taken in the same
    statement as the ``FOR UPDATE`` (or before it) could miss the registration of the
    request that held the lock, and overbook. (PostgreSQL also refuses ``FOR UPDATE`` with
    the ``GROUP BY`` of the count.) Stored as the ``with_places()`` and
    ``with_cancellation()`` annotations, which ``count_places_taken()`` and
    ``session_is_cancelled()`` read instead of querying again.
    """
    ((places_taken, cancelled_at),) = _COUNTS.rows(session_id=session.pk)
    session.__dict__.update(places_taken=places_taken, session_cancelled_at=cancelled_at)


def check_party_size(*, session: Session, party_size: int) -> None:
    """Raises ``party_too_large`` unless 1 <= party_size <= the session's maximum."""
    if not 1 <= party_size <= session.max_party_size:
        raise RegistrationError(
            _("A registration for this session may bring 1 to %(max)d people.")
            % {"max": session.max_party_size},
            code="party_too_large",
        )


def check_phone_not_registered(*, session: Session, phone: str) -> None:
    """Raises ``duplicate`` (carrying the registration) if ``phone`` already holds an
    active registration for ``session``. Call under the session lock; the partial unique
    index is the backstop for a request that slips past it."""
    existing = Registration.objects.filter(
        session=session, phone=phone, status__in=Registration.ACTIVE_STATUSES
    ).first()
    if existing is not None:
        raise RegistrationError(
            _("This phone number is already registered for this session."),
            code="duplicate",
            registration=existing,
        )


class _NoPlace(Exception):
    """The optimistic registration found no place for its party: rolled back."""

    def __init__(self, *, capacity: int | None, places_taken: int):
        super().__init__("no place")
        self.capacity = capacity
        self.places_taken = places_taken


def _session_for_registration(
    session_id: int, *, now: datetime.datetime, lock: bool, loaded: Session | None = None
) -> Session:
    """The session, refused unless it takes registrations now. With ``lock``: locked, and
    its places counted under the lock. Without: ``loaded``, if the caller has just read it
    (with its cancellation), else read now."""
    if not lock and loaded is not None and "session_cancelled_at" in loaded.__dict__:
        session: Session | None = loaded
    else:
        sessions = (
            Session.objects.select_for_update(no_key=True)
            if lock
            else with_cancellation(Session.objects.all())
        )
        session = sessions.filter(pk=session_id).first()
    if session is None:
        raise RegistrationError(_("This session does not exist."), code="not_found")
    if lock:
        _load_counts_under_lock(session)
    _check_window(session, now)
    return session


def _registration_new(session: Session, *, status: str, now: datetime.datetime, **fields):
    """Writes a registration with its history row. A confirmed one is marked for its
    follow-up (ticket e-mail, reminders, QR code), which a worker does after the commit:
    the request, and the session's lock, do not wait for it."""
    user = fields.pop("user")
    confirmed = status == Registration.Status.CONFIRMED
    registration = Registration.objects.create(
        session=session,
        user=user if user is not None and user.is_authenticated else None,
        status=status,
        ticket_code=ticket_code_new(),
        consent_at=now,
        followup_pending=confirmed,
        **fields,
    )
    _record(registration, from_status="", by=user)
    if confirmed:
        registration_followup_on_commit()
    else:
        registration_notify_on_commit(registration=registration, kind="waitlisted")
    return registration


def _registration_confirm_optimistic(
    *, session_id: int, now: datetime.datetime, loaded: Session | None, **fields
) -> Registration:
    """Writes a confirmed registration first, then takes the session's lock and counts.

    The lock is held only for the count and the commit, not for the writes: in the opening
    minute every registration for the session waits for it in turn. The count runs under
    the lock and includes this transaction's own rows; every other registration either
    committed before the lock was granted (and is counted) or counts itself, this one
    included, when it gets the lock. Too many people: ``_NoPlace``, everything rolled back.
    The row lock is ``FOR NO KEY UPDATE``, the mode every service locks sessions in: it
    does not conflict with the key-share lock that writing a registration takes on its
    session, so the two cannot deadlock.
    """
    party_size = fields["party_size"]
    with bounded_transaction(on_timeout=_busy):
        session = _session_for_registration(session_id, now=now, lock=False, loaded=loaded)
        check_party_size(session=session, party_size=party_size)
        registration = _registration_new(
            session, status=Registration.Status.CONFIRMED, now=now, **fields
        )
        Session.objects.select_for_update(no_key=True).values_list("pk").get(pk=session_id)
        _load_counts_under_lock(session)
        check_session_not_cancelled(session)
        if not session.fits(0):
            # Rolled back: the count the caller's session object keeps is without it.
            session.__dict__["places_taken"] -= party_size
            raise _NoPlace(capacity=session.capacity, places_taken=session.count_places_taken())
        availability_store_on_commit(
            session_id=session.pk,
            capacity=session.capacity,
            places_taken=session.count_places_taken(),
        )
        return registration


def _registration_create_locked(
    *,
    session_id: int,
    now: datetime.datetime,
    restricted_until: datetime.datetime | None,
    join_waitlist: bool,
    **fields,
) -> Registration:
    """Takes the session's lock first, then checks and writes: the way for a party that
    may end on the waiting list (the no-show policy, or no place left)."""
    party_size, phone = fields["party_size"], fields["phone"]
    counted: tuple[int | None, int] | None = None  # (capacity, places taken) under the lock
    try:
        with bounded_transaction(on_timeout=_busy):
            session = _session_for_registration(session_id, now=now, lock=True)
            counted = (session.capacity, session.count_places_taken())
            check_party_size(session=session, party_size=party_size)
            check_phone_not_registered(session=session, phone=phone)
            fits = session.fits(party_size)
            if fits and restricted_until is not None:
                if not join_waitlist:
                    raise _noshow_error(restricted_until)
                fits = False
            if not fits and not join_waitlist:
                raise session_full_error()
            status = Registration.Status.CONFIRMED if fits else Registration.Status.WAITLISTED
            registration = _registration_new(session, status=status, now=now, **fields)
            if fits:
                session.__dict__["places_taken"] += party_size  # keep the loaded count true
            availability_store_on_commit(
                session_id=session.pk,
                capacity=session.capacity,
                places_taken=session.count_places_taken(),
            )
            return registration
    except RegistrationError as error:
        if error.code == "full" and counted is not None:
            # Rolled back, but the count was true: the next visitors are told at once.
            availability_store(session_id=session_id, capacity=counted[0], places_taken=counted[1])
        raise


def registration_create(
    *,
    session_id: int,
    name: str,
    phone: str,
    party_size: int = 1,
    email: str = "",
    organisation: str = "",
    language: str = "zh-hans",
    consent_version: str = "",
    user=None,
    join_waitlist: bool = False,
    phone_verified: bool = False,
    browser_key: str = "",
    now: datetime.datetime | None = None,
    session: Session | None = None,
) -> Registration:
    """Register a party for a session: confirmed while places last, else waitlisted.

    ``phone_verified``: the registrant proved the number with a code (``verification``);
    only no-shows of such registrations count toward the no-show policy.

    ``browser_key``: identifies the browser that sent the form (see
    ``Registration.browser_key``), so a resent form can be recognised as its own.

    ``session``: the session ``session_id`` names, if the caller has just read it with
    ``with_cancellation`` (the public form has), so it is not read again; the rules that
    protect the places are checked under the lock on what is read there.

    Error codes: ``invalid_phone``, ``not_found``, ``session_cancelled`` (the organiser
    cancelled the session), ``not_open``, ``closed``, ``party_too_large``, ``full`` (no
    places and ``join_waitlist`` is false),
    ``noshow_restricted`` (the no-show policy allows this phone only the waiting list, and
    ``join_waitlist`` is false), ``duplicate`` (the phone already holds an active
    registration; carried in ``error.registration``), ``busy`` (the session's lock was not
    granted within ``LOCK_TIMEOUT_SECONDS``; nothing was saved).

    After the commit, a worker e-mails the ticket and plans the reminders of a confirmed
    registration (``followup_pending``); a waitlisted one is sent its notice. The places
    counted under the lock are kept in the cache's approximate view
    (``events.availability``), which lets the next visitors be told "full" without a
    transaction.

    The session's lock is held briefly, because in the opening minute every registration
    for the session waits for it in turn. The no-show policy (about the phone, not the
    session) is read before any transaction. A party the policy lets in is written first
    and counted last (``_registration_confirm_optimistic``); only when that finds no place,
    or for a restricted phone, does the registration take the lock first and decide
    between a place and the waiting list under it (``_registration_create_locked``).
    A phone registered twice is refused by the partial unique index in either way.
    """
    try:
        phone = phone_normalise(phone)
    except InvalidPhone as error:
        raise RegistrationError(error.message, code=error.code) from None
    now = now or timezone.now()
    fields = {
        "user": user,
        "name": name.strip(),
        "phone": phone,
        "email": email.strip(),
        "organisation": organisation.strip(),
        "party_size": party_size,
        "language": language,
        "consent_version": consent_version,
        "phone_verified": phone_verified,
        "browser_key": browser_key,
    }
    restricted_until = noshow_restricted_until(phone=phone, now=now)
    try:
        if restricted_until is None:
            try:
                return _registration_confirm_optimistic(
                    session_id=session_id, now=now, loaded=session, **fields
                )
            except _NoPlace as no_place:
                if not join_waitlist:
                    # Rolled back, but the count was true: the next visitors are told at once.
                    availability_store(
                        session_id=session_id,
                        capacity=no_place.capacity,
                        places_taken=no_place.places_taken,
                    )
                    raise session_full_error() from None
        return _registration_create_locked(
            session_id=session_id,
            now=now,
            restricted_until=restricted_until,
            join_waitlist=join_waitlist,
            **fields,
        )
    except IntegrityError:
        # The partial unique index: the phone already holds an active registration for the
        # session, committed before or at the same moment by another request.
        existing = Registration.objects.filter(
            session_id=session_id, phone=phone, status__in=Registration.ACTIVE_STATUSES
        ).first()
        if existing is None:
            raise
        raise RegistrationError(
            _("This phone number is already registered for this session."),
            code="duplicate",
            registration=existing,
        ) from None


def registration_cancel(
    *,
    registration_id: int,
    by=None,
    note: str = "",
    by_registrant: bool = False,
    now: datetime.datetime | None = None,
) -> list[Registration]:
    """Cancel a registration; freed places go to the waiting list. Returns those promoted.

    ``by_registrant``: the registrant cancels (the ticket page), which is possible only
    until the session starts; staff may also cancel later (e.g. a party that left).

    Error codes: ``not_found``, ``not_cancellable`` (already cancelled, checked in or past;
    for the registrant also once the session has started), ``busy`` (the session's lock
    was not granted in time). The registrant is sent a cancellation notice (with a
    METHOD:CANCEL calendar file) and everyone promoted gets their ticket. Pending reminders
    of the cancelled registration are cancelled in the same transaction; the promoted get
    theirs planned.
    """
    with bounded_transaction(on_timeout=_busy):
        registration = (
            Registration.objects.select_related("session").filter(pk=registration_id).first()
        )
        if registration is None:
            raise RegistrationError(_("This registration does not exist."), code="not_found")
        session = Session.objects.select_for_update(no_key=True).get(pk=registration.session_id)
        registration.refresh_from_db()
        started = (now or timezone.now()) >= session.starts_at
        if registration.status not in (
            Registration.Status.CONFIRMED,
            Registration.Status.WAITLISTED,
        ) or (by_registrant and started):
            raise RegistrationError(
                _("This registration can no longer be cancelled."), code="not_cancellable"
            )
        previous = registration.status
        registration.status = Registration.Status.CANCELLED
        registration.save(update_fields=["status", "updated_at"])
        _record(registration, from_status=previous, by=by, note=note)
        reminders_cancel_for(registration)
        registration_notify_on_commit(registration=registration, kind="cancelled")
        availability_forget_on_commit([session.pk])
        if previous != Registration.Status.CONFIRMED:
            return []
        return waitlist_promote(session=session, by=by)


def waitlist_promote(*, session: Session, by=None) -> list[Registration]:
    """Promote waitlisted parties, first come first served, as many as fit.

    A party larger than the places left is skipped (it keeps its position) so that smaller
    parties behind it are not blocked. Call inside a transaction holding the session lock.
    Each promoted registrant is e-mailed the ticket after commit and gets reminders. Nobody
    is promoted in a session the organiser cancelled (its notices are being sent).
    """
    # No limit: everyone waiting fits (a session whose limit an editor removed).
    free = session.places_left
    promoted: list[Registration] = []
    if free == 0 or session_is_cancelled(session=session):
        return promoted
    availability_forget_on_commit([session.pk])
    waiting = Registration.objects.filter(
        session=session, status=Registration.Status.WAITLISTED
    ).order_by("created_at", "pk")
    for registration in waiting:
        if free is not None and registration.party_size > free:
            continue
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status", "updated_at"])
        _record(
            registration,
            from_status=Registration.Status.WAITLISTED,
            by=by,
            note="promoted from the waiting list",
        )
        reminders_plan_for(registration)
        registration_notify_on_commit(registration=registration, kind="promoted")
        promoted.append(registration)
        if free is not None:
            free -= registration.party_size
            if free == 0:
                break
    return promoted


def registration_change_party_size(
    *, registration_id: int, party_size: int, by=None, now: datetime.datetime | None = None
) -> Registration:
    """Change how many people a registration brings, within the session's limits.

    Growing a confirmed party needs free places (counted under the session lock); a
    shrinking one frees places for the waiting list. Error codes: ``not_found``,
    ``not_changeable`` (not confirmed or waitlisted, or the session has started),
    ``party_too_large``, ``full``, ``busy`` (the session's lock was not granted in time).
    """
    now = now or timezone.now()
    with bounded_transaction(on_timeout=_busy):
        registration = Registration.objects.filter(pk=registration_id).first()
        if registration is None:
            raise RegistrationError(_("This registration does not exist."), code="not_found")
        session = Session.objects.select_for_update(no_key=True).get(pk=registration.session_id)
        registration.refresh_from_db()
        registration.session = session  # the locked row
        if not registration_can_change(registration, now=now):
            raise RegistrationError(
                _("This registration can no longer be changed."), code="not_changeable"
            )
        check_party_size(session=session, party_size=party_size)
        previous = registration.party_size
        if party_size == previous:
            return registration
        confirmed = registration.status == Registration.Status.CONFIRMED
        grows_beyond_capacity = not session.fits(
            party_size, taken=session.count_places_taken() - previous
        )
        if confirmed and party_size > previous and grows_beyond_capacity:
            raise RegistrationError(
                ngettext(
                    "Not enough places are left for %(n)d person.",
                    "Not enough places are left for %(n)d people.",
                    party_size,
                )
                % {"n": party_size},
                code="full",
            )
        registration.party_size = party_size
        registration.save(update_fields=["party_size", "updated_at"])
        _record(
            registration,
            from_status=registration.status,
            by=by,
            note=f"party size {previous} -> {party_size}",
        )
        registration_notify_on_commit(registration=registration, kind="changed")
        availability_forget_on_commit([session.pk])
        if confirmed and party_size < previous:
            waitlist_promote(session=session, by=by)
        return registration
