"""Open-day registration rules, shared by the public forms, the admin and the tasks.

Capacity is counted in people (party size). Every service that changes which
registrations hold places locks the session row first (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the IMMEDIATE transaction takes the database's write lock), then
counts and writes inside the same transaction, so two requests can never both take the
last places.
"""

from __future__ import annotations

import datetime
import re
import secrets

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Count, Max, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.availability import (
    availability_forget_on_commit,
    availability_store,
    availability_store_on_commit,
)
from events.exceptions import RegistrationError
from events.models import NoShowWaiver, Registration, Session, StatusChange
from events.notifications import registration_notify_on_commit
from events.selectors import session_is_cancelled, with_cancellation
from portal.locking import bounded_transaction

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the door


def phone_normalise(raw: str) -> str:
    """A mainland mobile number as ``+86`` and 11 digits; raises ``RegistrationError``.

    Accepts spaces, dashes and a ``+86``/``0086``/``86`` prefix.
    """
    digits = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not MAINLAND_MOBILE.match(digits):
        raise RegistrationError(
            _("Enter a mainland China mobile number: 11 digits starting with 1."),
            code="invalid_phone",
        )
    return "+86" + digits


def noshow_restricted_until(
    *, phone: str, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Until when ``phone`` may only join waiting lists, or None when it is not restricted.

    The rule: ``NOSHOW_THRESHOLD`` or more no-shows within the last ``NOSHOW_LOOKBACK_DAYS``
    restrict the number for ``NOSHOW_RESTRICTION_DAYS`` after its latest no-show. No-shows
    before a staff waiver (``NoShowWaiver``) do not count.
    """
    now = now or timezone.now()
    threshold = settings.NOSHOW_THRESHOLD
    if threshold <= 0:
        return None
    since = now - datetime.timedelta(days=settings.NOSHOW_LOOKBACK_DAYS)
    # One statement: no-shows since the lookback began or the latest waiver, if later.
    last_waiver = (
        NoShowWaiver.objects.filter(phone=phone).order_by("-created_at").values("created_at")[:1]
    )
    counted_from = Greatest(Value(since), Coalesce(Subquery(last_waiver), Value(since)))
    stats = Registration.objects.filter(
        phone=phone, status=Registration.Status.NO_SHOW, session__starts_at__gte=counted_from
    ).aggregate(latest=Max("session__starts_at"), count=Count("pk"))
    if stats["latest"] is None or stats["count"] < threshold:
        return None
    until = stats["latest"] + datetime.timedelta(days=settings.NOSHOW_RESTRICTION_DAYS)
    return until if until > now else None


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


def ticket_code_new() -> str:
    """8 characters from an alphabet without look-alikes (0/O, 1/I): 32^8 codes."""
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))


def _record(registration: Registration, *, from_status: str, by=None, note: str = "") -> None:
    StatusChange.objects.create(
        registration=registration,
        from_status=from_status,
        to_status=registration.status,
        changed_by=by if by is not None and by.is_authenticated else None,
        note=note,
    )


def reminders_plan_for(registration: Registration, *, fresh: bool = False) -> None:
    """Plan the registration's reminders (it has just become confirmed), in the caller's
    transaction: rolled back with it, never sent for a registration that does not exist.
    ``fresh``: the registration was created in this transaction, so it has none yet."""
    from reminders.services import reminders_plan

    reminders_plan(registration=registration, fresh=fresh)


def reminders_cancel_for(registration: Registration) -> None:
    """Cancel the registration's pending reminders (it has just been cancelled)."""
    from reminders.services import reminders_cancel

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
    state = session.registration_state(now)
    if state == "upcoming":
        raise RegistrationError(
            _("Registration for this session has not opened yet."), code="not_open"
        )
    if state == "closed":
        raise RegistrationError(_("Registration for this session has closed."), code="closed")


def _load_counts_under_lock(session: Session, *, phone: str = "") -> None:
    """Read the places taken and the cancellation once, for every check that follows; with
    ``phone``, also that phone's active registration for the session, if any (read by
    ``check_phone_not_registered``).

    One statement of its own, run after the lock is granted: on PostgreSQL (READ COMMITTED)
    a statement sees what was committed before it started, so a count taken in the same
    statement as the ``FOR UPDATE`` (or before it) could miss the registration of the
    request that held the lock, and overbook. (PostgreSQL also refuses ``FOR UPDATE`` with
    the ``GROUP BY`` of the count.) Stored as the ``with_places()`` and
    ``with_cancellation()`` annotations, which ``count_places_taken()`` and
    ``session_is_cancelled()`` read instead of querying again.
    """
    sessions = with_cancellation(Session.objects.filter(pk=session.pk).with_places())
    fields = ["places_taken", "session_cancelled_at"]
    if phone:
        sessions = sessions.annotate(
            registered_id=Max(
                "registrations__pk",
                filter=Q(
                    registrations__phone=phone,
                    registrations__status__in=Registration.ACTIVE_STATUSES,
                ),
            )
        )
        fields.append("registered_id")
    counts = sessions.values(*fields).get()
    if phone:
        session.__dict__["phone_registration"] = (phone, counts.pop("registered_id"))
    session.__dict__.update(counts)


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
    index is the backstop for a request that slips past it. Uses what
    ``_load_counts_under_lock`` read for this phone, when it did."""
    if session.__dict__.get("phone_registration") == (phone, None):
        return  # read under the lock: none
    existing = Registration.objects.filter(
        session=session, phone=phone, status__in=Registration.ACTIVE_STATUSES
    ).first()
    if existing is not None:
        raise RegistrationError(
            _("This phone number is already registered for this session."),
            code="duplicate",
            registration=existing,
        )


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
    now: datetime.datetime | None = None,
) -> Registration:
    """Register a party for a session: confirmed while places last, else waitlisted.

    Error codes: ``invalid_phone``, ``not_found``, ``session_cancelled`` (the organiser
    cancelled the session), ``not_open``, ``closed``, ``party_too_large``, ``full`` (no
    places and ``join_waitlist`` is false),
    ``noshow_restricted`` (the no-show policy allows this phone only the waiting list, and
    ``join_waitlist`` is false), ``duplicate`` (the phone already holds an active
    registration; carried in ``error.registration``), ``busy`` (the session's lock was not
    granted within ``LOCK_TIMEOUT_SECONDS``; nothing was saved).

    The registrant is e-mailed the ticket (or the waiting-list notice) after commit; a
    confirmed registration gets its reminders planned in the same transaction. The places
    counted under the lock are kept in the cache's approximate view
    (``events.availability``), which lets the next visitors be told "full" without a
    transaction.

    The rules are checked cheapest first, so that the many requests refused when a popular
    session fills up hold the lock briefly: the no-show policy (two queries) is looked at
    only for a party that would get a place. Under the lock: the places, the cancellation
    and the phone's registration in one statement, the no-show policy in one more, then the
    rows.
    """
    phone = phone_normalise(phone)
    now = now or timezone.now()
    counted: tuple[int, int] | None = None  # (capacity, places taken) under the lock
    try:
        with bounded_transaction(on_timeout=_busy):
            try:
                session = Session.objects.select_for_update().get(pk=session_id)
            except Session.DoesNotExist:
                raise RegistrationError(
                    _("This session does not exist."), code="not_found"
                ) from None
            _load_counts_under_lock(session, phone=phone)
            _check_window(session, now)
            counted = (session.capacity, session.count_places_taken())
            check_party_size(session=session, party_size=party_size)
            check_phone_not_registered(session=session, phone=phone)
            fits = session.count_places_taken() + party_size <= session.capacity
            if fits:
                restricted_until = noshow_restricted_until(phone=phone, now=now)
                if restricted_until is not None:
                    if not join_waitlist:
                        raise _noshow_error(restricted_until)
                    fits = False
            if not fits and not join_waitlist:
                raise session_full_error()
            registration = Registration.objects.create(
                session=session,
                user=user if user is not None and user.is_authenticated else None,
                name=name.strip(),
                phone=phone,
                email=email.strip(),
                organisation=organisation.strip(),
                party_size=party_size,
                language=language,
                status=Registration.Status.CONFIRMED if fits else Registration.Status.WAITLISTED,
                ticket_code=ticket_code_new(),
                consent_at=now,
                consent_version=consent_version,
            )
            _record(registration, from_status="", by=user)
            if fits:
                session.__dict__["places_taken"] += party_size  # keep the loaded count true
                reminders_plan_for(registration, fresh=True)
            availability_store_on_commit(
                session_id=session.pk,
                capacity=session.capacity,
                places_taken=session.count_places_taken(),
            )
            registration_notify_on_commit(
                registration=registration,
                kind="confirmed" if fits else "waitlisted",
            )
            return registration
    except RegistrationError as error:
        if error.code == "full" and counted is not None:
            # Rolled back, but the count was true: the next visitors are told at once.
            availability_store(session_id=session_id, capacity=counted[0], places_taken=counted[1])
        raise
    except IntegrityError:
        # The partial unique index caught a second active registration of the same phone
        # made at the same moment by another request.
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


def registration_cancel(*, registration_id: int, by=None, note: str = "") -> list[Registration]:
    """Cancel a registration; freed places go to the waiting list. Returns those promoted.

    Error codes: ``not_found``, ``not_cancellable`` (already cancelled, checked in or past),
    ``busy`` (the session's lock was not granted in time). The registrant is sent a
    cancellation notice (with a METHOD:CANCEL calendar file) and everyone promoted gets
    their ticket. Pending reminders of the cancelled registration are cancelled in the
    same transaction; the promoted get theirs planned.
    """
    with bounded_transaction(on_timeout=_busy):
        registration = (
            Registration.objects.select_related("session").filter(pk=registration_id).first()
        )
        if registration is None:
            raise RegistrationError(_("This registration does not exist."), code="not_found")
        session = Session.objects.select_for_update().get(pk=registration.session_id)
        registration.refresh_from_db()
        if registration.status not in (
            Registration.Status.CONFIRMED,
            Registration.Status.WAITLISTED,
        ):
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
    free = session.capacity - session.count_places_taken()
    promoted: list[Registration] = []
    if free <= 0 or session_is_cancelled(session=session):
        return promoted
    availability_forget_on_commit([session.pk])
    waiting = Registration.objects.filter(
        session=session, status=Registration.Status.WAITLISTED
    ).order_by("created_at", "pk")
    for registration in waiting:
        if registration.party_size > free:
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
        session = Session.objects.select_for_update().get(pk=registration.session_id)
        registration.refresh_from_db()
        if (
            registration.status
            not in (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)
            or now >= session.starts_at
            or session_is_cancelled(session=session)
        ):
            raise RegistrationError(
                _("This registration can no longer be changed."), code="not_changeable"
            )
        check_party_size(session=session, party_size=party_size)
        previous = registration.party_size
        if party_size == previous:
            return registration
        confirmed = registration.status == Registration.Status.CONFIRMED
        grows_beyond_capacity = (
            session.count_places_taken() - previous + party_size > session.capacity
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
