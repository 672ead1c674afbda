"""The session door screen offline: the session's ticket list for the browser, and the
check-ins it queued while the network was down, applied when it returns.

The rules both doors share (the salted hashes, the answers of a sync, the scan time, the
JSON) are in ``portal.offline``; this module says what they mean for a session:

- the list holds the tickets that may be presented at the door (confirmed, no-show or
  already checked in), with the party size; the salt is per session;
- a queued check-in goes through ``checkin_perform`` like an online scan, with the scan's
  nonce (``Registration.checkin_nonce`` is unique, so a nonce checks a ticket in at most
  once) and the scan time as the moment of the check-in;
- a ticket already checked in under another nonce is recorded as a ``CheckinConflict`` for
  staff (unique per nonce: syncing again records nothing new);
- refusals carry the service's error code (``cancelled``, ``wrong_session``,
  ``unknown_ticket``, ``too_early``, ``ended``, ...; ``invalid`` for an item without a
  usable nonce).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from events.exceptions import RegistrationError
from events.models import CheckinConflict, Registration, Session
from events.services.checkin import checkin_perform
from events.tickets import name_mask
from portal.checkin import staff_name
from portal.errors import DomainError
from portal.locking import lock_rows
from portal.offline import (
    SCAN_MAX_AGE,
    SYNC_MAX_ITEMS,
    OfflineResult,
    OfflineScan,
    OfflineTicket,
    offline_apply,
    offline_sync,
    offline_ticket_hash,
    offline_ticket_list_build,
)
from portal.offline import offline_salt as door_salt

__all__ = [
    "LISTED_STATUSES",
    "SCAN_MAX_AGE",
    "SYNC_MAX_ITEMS",
    "OfflineResult",
    "OfflineScan",
    "checkin_conflict_list",
    "checkin_offline_apply",
    "checkin_offline_sync",
    "offline_salt",
    "offline_ticket_hash",
    "offline_ticket_list",
]

Status = Registration.Status

SALT_PURPOSE = "events.checkin.offline"
# Tickets that may be presented at the door: the others (cancelled, waiting list) are not on
# the list, so the offline screen refuses them as unknown.
LISTED_STATUSES = (Status.CONFIRMED, Status.NO_SHOW, Status.CHECKED_IN)


def offline_salt(*, session_id: int) -> str:
    """The session's salt for the ticket hashes (stable, different for every session)."""
    return door_salt(purpose=SALT_PURPOSE, door=f"session:{session_id}")


def offline_ticket_list(*, session_id: int, now: datetime.datetime | None = None) -> dict:
    """The session's ticket list for the door screen (no personal data, see
    ``portal.offline``).

    ``version`` changes whenever a listed ticket changes (a check-in, a cancellation).
    Error codes: ``not_found``, ``online`` (an online session has no door).
    """
    now = now or timezone.now()
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        raise RegistrationError(_("This session does not exist."), code="not_found")
    if not session.has_door:
        raise RegistrationError(
            _("This session is online: there is no check-in at a door."), code="online"
        )
    rows = Registration.objects.filter(
        session_id=session_id, status__in=LISTED_STATUSES, ticket_code__isnull=False
    )
    summary = Registration.objects.filter(session_id=session_id).aggregate(
        n=Count("pk"), latest=Max("updated_at")
    )
    return offline_ticket_list_build(
        door={"session": session.pk},
        salt=offline_salt(session_id=session_id),
        tickets=(
            (code, party_size, status == Status.CHECKED_IN)
            for code, party_size, status in rows.order_by("pk").values_list(
                "ticket_code", "party_size", "status"
            )
        ),
        count=summary["n"],
        latest=summary["latest"],
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        now=now,
    )


def _ticket(registration: Registration, *, session_id: int) -> OfflineTicket:
    return OfflineTicket(
        party_size=registration.party_size,
        checked_in_at=registration.checked_in_at,
        checked_in_by=registration.checked_in_by,
        here=registration.session_id == session_id,
    )


class _SessionDoor:
    """A session's door for ``portal.offline.offline_apply``."""

    def __init__(self, session_id: int):
        self.session_id = session_id

    def lock(self) -> None:
        # The session lock that every check-in takes first (``checkin_perform``).
        lock_rows(Session, [self.session_id], no_key=True)

    def applied(self, nonce: str) -> OfflineTicket | None:
        registration = (
            Registration.objects.filter(checkin_nonce=nonce).select_related("checked_in_by").first()
        )
        return None if registration is None else _ticket(registration, session_id=self.session_id)

    def conflict_recorded(self, nonce: str) -> OfflineTicket | None:
        recorded = (
            CheckinConflict.objects.filter(nonce=nonce)
            .select_related("registration__checked_in_by")
            .first()
        )
        if recorded is None:
            return None
        return _ticket(recorded.registration, session_id=self.session_id)

    def check_in(self, *, ticket: str, nonce: str, at: datetime.datetime, by) -> OfflineTicket:
        registration = checkin_perform(
            session_id=self.session_id, ticket=ticket, by=by, nonce=nonce, now=at
        )
        return _ticket(registration, session_id=self.session_id)

    def conflict_record(
        self, error: DomainError, *, nonce: str, device: str, by, scanned_at: datetime.datetime
    ) -> OfflineTicket | None:
        registration = getattr(error, "registration", None)
        if error.code != "already_checked_in" or registration is None:
            return None
        CheckinConflict.objects.create(
            registration=registration,
            nonce=nonce,
            device=device,
            scanned_by=by if by is not None and by.is_authenticated else None,
            scanned_at=scanned_at,
        )
        return _ticket(registration, session_id=self.session_id)


def checkin_offline_apply(
    *,
    session_id: int,
    scan: OfflineScan,
    device: str,
    by,
    now: datetime.datetime | None = None,
) -> OfflineResult:
    """Apply one check-in queued offline at the session's door (``portal.offline``)."""
    return offline_apply(
        door=_SessionDoor(session_id), scan=scan, device=device, by=by, now=now or timezone.now()
    )


def checkin_offline_sync(
    *,
    session_id: int,
    scans: list[OfflineScan],
    device: str,
    by,
    now: datetime.datetime | None = None,
) -> list[OfflineResult]:
    """Apply the check-ins a session's door screen queued offline, in the order they were
    scanned, each in its own transaction. Error codes: ``too_many`` (more than
    ``SYNC_MAX_ITEMS``: the browser sends them in parts)."""
    return offline_sync(
        door=_SessionDoor(session_id),
        scans=scans,
        device=device,
        by=by,
        error=RegistrationError,
        now=now,
    )


def checkin_conflict_list(*, session_id: int) -> list[dict]:
    """The session's tickets presented twice (offline on two devices), newest first, for the
    door screen: masked name, ticket code, when and by whom each check-in was made."""
    conflicts = (
        CheckinConflict.objects.filter(registration__session_id=session_id)
        .select_related("registration__checked_in_by", "scanned_by")
        .order_by("-scanned_at", "-pk")
    )
    return [
        {
            "name": name_mask(c.registration.name) or _("walk-in"),
            "ticket_code": c.registration.ticket_code or "",
            "party_size": c.registration.party_size,
            "checked_in_at": c.registration.checked_in_at,
            "checked_in_by": staff_name(c.registration.checked_in_by),
            "scanned_at": c.scanned_at,
            "scanned_by": staff_name(c.scanned_by),
            "device": c.device[:8],
        }
        for c in conflicts
    ]
