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

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.exceptions import RegistrationError
from events.models import Registration, Session, StatusChange

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


def _new_ticket_code() -> str:
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))


def _record(registration: Registration, *, from_status: str, by=None, note: str = "") -> None:
    StatusChange.objects.create(
        registration=registration,
        from_status=from_status,
        to_status=registration.status,
        changed_by=by if by is not None and by.is_authenticated else None,
        note=note,
    )


def _check_window(session: Session, now: datetime.datetime) -> None:
    state = session.registration_state(now)
    if state == "upcoming":
        raise RegistrationError(
            _("Registration for this session has not opened yet."), code="not_open"
        )
    if state == "closed":
        raise RegistrationError(_("Registration for this session has closed."), code="closed")


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

    Error codes: ``invalid_phone``, ``not_found``, ``not_open``, ``closed``,
    ``party_too_large``, ``full`` (no places and ``join_waitlist`` is false),
    ``duplicate`` (the phone already holds an active registration; carried in
    ``error.registration``).
    """
    phone = phone_normalise(phone)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            try:
                session = Session.objects.select_for_update().get(pk=session_id)
            except Session.DoesNotExist:
                raise RegistrationError(
                    _("This session does not exist."), code="not_found"
                ) from None
            _check_window(session, now)
            if not 1 <= party_size <= session.max_party_size:
                raise RegistrationError(
                    _("A registration for this session may bring 1 to %(max)d people.")
                    % {"max": session.max_party_size},
                    code="party_too_large",
                )
            existing = Registration.objects.filter(
                session=session, phone=phone, status__in=Registration.ACTIVE_STATUSES
            ).first()
            if existing is not None:
                raise RegistrationError(
                    _("This phone number is already registered for this session."),
                    code="duplicate",
                    registration=existing,
                )
            fits = session.count_places_taken() + party_size <= session.capacity
            if not fits and not join_waitlist:
                raise RegistrationError(
                    _("This session is full. You can join the waiting list."), code="full"
                )
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
                ticket_code=_new_ticket_code(),
                consent_at=now,
                consent_version=consent_version,
            )
            _record(registration, from_status="", by=user)
            return registration
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

    Error codes: ``not_found``, ``not_cancellable`` (already cancelled, checked in or past).
    """
    with transaction.atomic():
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
        if previous != Registration.Status.CONFIRMED:
            return []
        return waitlist_promote(session=session, by=by)


def waitlist_promote(*, session: Session, by=None) -> list[Registration]:
    """Promote waitlisted parties, first come first served, as many as fit.

    A party larger than the places left is skipped (it keeps its position) so that smaller
    parties behind it are not blocked. Call inside a transaction holding the session lock.
    """
    free = session.capacity - session.count_places_taken()
    promoted: list[Registration] = []
    if free <= 0:
        return promoted
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
        promoted.append(registration)
        free -= registration.party_size
        if free == 0:
            break
    return promoted
