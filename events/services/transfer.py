"""Staff moving a registration to another session of the same activity.

The registration keeps its row, ticket code and history; only its session changes. Both
sessions' places change at once (the old one frees places, the new one takes them), so
both session rows are locked before anything is counted.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from events.audit import REGISTRATION_MOVE
from events.availability import availability_forget_on_commit
from events.exceptions import RegistrationError
from events.models import Registration, Session
from events.notifications import registration_notify_on_commit
from events.selectors import registration_is_movable
from events.services.registration import (
    HISTORY_NOTE_MAX,
    _record,
    check_session_not_cancelled,
    waitlist_promote,
)
from portal.audit import audit_log
from portal.locking import lock_rows
from reminders.services import reminders_replan

MOVABLE_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)


def _lock_sessions(*session_ids: int) -> dict[int, Session]:
    """Lock the session rows in ascending pk order (``lock_rows``).

    A move from A to B and a move from B to A running at the same time would each hold
    one row and wait for the other (a deadlock) if each locked its own "from" session
    first; taking the locks in one global order (by pk) makes the second transaction
    wait for the first instead. Registration services that lock a single session cannot
    form a cycle with this either.
    """
    # No select_related here: FOR UPDATE would also lock the joined page rows.
    sessions = {s.pk: s for s in lock_rows(Session, session_ids, no_key=True)}
    if len(sessions) != len(set(session_ids)):
        raise RegistrationError(_("This session does not exist."), code="not_found")
    availability_forget_on_commit(sessions)
    return sessions


def _reminders_replan(registration: Registration) -> None:
    """The registration's start time changed with its session: its reminders follow (rows
    planned for the old time move or are skipped, missing ones are planned)."""
    reminders_replan(registration=registration)


def _move_note(old: Session, new: Session, note: str) -> str:
    text = f"moved from {old} to {new}"
    if note:
        text = f"{text}: {note}"
    limit = HISTORY_NOTE_MAX
    return text if len(text) <= limit else text[: limit - 1] + "…"


def registration_move(
    *, registration_id: int, to_session_id: int, by=None, note: str = ""
) -> Registration:
    """Move a confirmed or waitlisted registration to another session of its activity.

    The move needs places for the whole party in the target session: the registration is
    confirmed there (a waitlisted registration that staff move to a session with room
    gets a place; with no room the move is refused rather than queueing it elsewhere).
    It keeps its identity and ticket code, a history row records the move, and the old
    session's waiting list is promoted into the freed places. After commit the registrant
    is e-mailed kind "moved" and each promoted person kind "promoted".

    Its pending reminders move to the new session's time (``reminders_replan``, which also
    plans those of a registration that was waitlisted), in the same transaction.

    Error codes: ``not_found`` (registration or target session), ``same_session``,
    ``session_cancelled`` (the organiser cancelled the target session),
    ``other_activity``, ``not_movable`` (not confirmed or waitlisted), ``duplicate`` (the
    phone already holds an active registration in the target; carried in
    ``error.registration``), ``full`` (too few places left in the target for the party).
    Audit log: ``events.registration_move``.
    """
    with transaction.atomic():
        # Lock both sessions before reading the registration's status or counting places.
        # The registration's session is read first to know which rows to lock; if another
        # move changed it before the locks were taken, lock again for the new pair.
        for _attempt in range(3):
            from_session_id = (
                Registration.objects.filter(pk=registration_id)
                .values_list("session_id", flat=True)
                .first()
            )
            if from_session_id is None:
                raise RegistrationError(_("This registration does not exist."), code="not_found")
            sessions = _lock_sessions(from_session_id, to_session_id)
            registration = Registration.objects.select_for_update().get(pk=registration_id)
            if registration.session_id == from_session_id:
                break
        else:  # pragma: no cover - three concurrent moves of the same registration
            raise RegistrationError(
                _("This registration was changed meanwhile. Please try again."),
                code="not_movable",
            )

        old_session = sessions[from_session_id]
        new_session = sessions[to_session_id]
        if old_session.pk == new_session.pk:
            raise RegistrationError(
                _("The registration is already for this session."), code="same_session"
            )
        if old_session.activity_id != new_session.activity_id:
            raise RegistrationError(
                _("A registration can only move to another session of the same activity."),
                code="other_activity",
            )
        check_session_not_cancelled(new_session)
        if not registration_is_movable(registration):
            raise RegistrationError(
                _("Only confirmed or waitlisted registrations can be moved."),
                code="not_movable",
            )
        existing = (
            Registration.objects.filter(
                session=new_session,
                phone=registration.phone,
                status__in=Registration.ACTIVE_STATUSES,
            )
            .exclude(phone="")
            .first()
        )
        if existing is not None:
            raise RegistrationError(
                _("This phone number is already registered for that session."),
                code="duplicate",
                registration=existing,
            )
        # Counted under the target's lock: no registration can take these places meanwhile.
        if not new_session.fits(registration.party_size):
            raise RegistrationError(
                _("That session does not have enough places left for this party."),
                code="full",
            )

        previous = registration.status
        registration.session = new_session
        registration.status = Registration.Status.CONFIRMED
        try:
            with transaction.atomic():
                registration.save(update_fields=["session", "status", "updated_at"])
        except IntegrityError:
            # Defence in depth: the partial unique index on (session, phone) refuses a
            # second active registration even if one slipped past the check above.
            raise RegistrationError(
                _("This phone number is already registered for that session."),
                code="duplicate",
            ) from None
        _record(
            registration,
            from_status=previous,
            by=by,
            note=_move_note(old_session, new_session, note),
        )
        _reminders_replan(registration)
        registration_notify_on_commit(registration=registration, kind="moved")
        # Promoted people are notified ("promoted") by waitlist_promote itself.
        promoted = waitlist_promote(session=old_session, by=by)
        audit_log(
            instance=registration,
            action=REGISTRATION_MOVE,
            by=by,
            data={
                "registration_id": registration.pk,
                "from_session_id": old_session.pk,
                "to_session_id": new_session.pk,
                "party_size": registration.party_size,
                "promoted": len(promoted),
                "note": " ".join((note or "").split()),
            },
        )
        return registration
