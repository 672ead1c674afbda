"""The door screen offline: the session's ticket list for the browser, and the check-ins it
queued while the network was down, applied when it returns.

**The ticket list** (``offline_ticket_list``) holds, for each ticket that may still be
presented at the door (confirmed, no-show or already checked in), a hash of its ticket code,
the party size and whether it has been checked in; never a name, a phone number, the code
itself or its QR token. The hash is ``SHA-256(salt + code)`` with a salt per session
(``offline_salt``: a keyed hash of the session id under the site's secret key), which the
browser computes with the Web Crypto API for a typed or scanned code.

Why a salt that door staff can read rather than a secret key: the browser must compute the
hash itself while offline, so whatever it uses is on the device anyway. The salt makes each
session's list useless for another session and keeps the hashes from matching a table made
in advance; it does not stop someone holding the list from trying all 32^8 codes. What they
would learn is a ticket code of this session, which only lets a party in at this door:
check-in staff can already check any registration in by searching. The list carries no
personal data, so a lost phone with the list on it discloses nothing about the visitors.

**Syncing** (``checkin_offline_sync``): each queued check-in carries the nonce the browser
made for the scan (``crypto.randomUUID()``), the typed code or scanned QR token, and the
time of the scan. It goes through ``checkin_perform`` like an online scan, with that nonce
(``Registration.checkin_nonce`` is unique, so a nonce checks a ticket in at most once) and
the scan time as the moment of the check-in. The answer for each nonce:

- ``checked_in``: applied now;
- ``already_applied``: this nonce checked the ticket in before (the queue was sent again
  after its answer was lost): nothing changes;
- ``conflict``: the ticket had been checked in under another nonce (a second offline device,
  or the online screen): the party is counted once, the first check-in stands, and the scan
  is recorded as a ``CheckinConflict`` for staff (unique per nonce: syncing again records
  nothing new);
- ``refused`` with the service's error code (``cancelled``, ``wrong_session``,
  ``unknown_ticket``, ``too_early``, ``ended``, ...; ``invalid`` for an item without a
  usable nonce).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from events.exceptions import RegistrationError
from events.models import CheckinConflict, Registration, Session
from events.services.checkin import checkin_perform
from events.tickets import name_mask
from portal.checkin import (
    checkin_nonce_clean,
    checkin_opens_at,
    checkin_repeat_message,
    staff_name,
)
from portal.locking import lock_rows

Status = Registration.Status

SALT_PURPOSE = "events.checkin.offline"
# Tickets that may be presented at the door: the others (cancelled, waiting list) are not on
# the list, so the offline screen refuses them as unknown.
LISTED_STATUSES = (Status.CONFIRMED, Status.NO_SHOW, Status.CHECKED_IN)
# At most this many queued check-ins per sync request; the browser sends the rest next.
SYNC_MAX_ITEMS = 200
# A scan time older than this (a device clock far off) is replaced by the time of the sync.
SCAN_MAX_AGE = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class OfflineScan:
    """A check-in the door screen queued offline."""

    nonce: str
    ticket: str
    scanned_at: datetime.datetime | None


@dataclass(frozen=True)
class OfflineResult:
    """The answer to one queued check-in: ``result`` is ``checked_in``,
    ``already_applied``, ``conflict`` or ``refused`` (with the error ``code``)."""

    nonce: str
    result: str
    code: str = ""
    message: str = ""
    party_size: int | None = None

    def as_dict(self) -> dict:
        return {
            "nonce": self.nonce,
            "result": self.result,
            "code": self.code,
            "message": self.message,
            "party_size": self.party_size,
        }


def offline_salt(*, session_id: int) -> str:
    """The session's salt for the ticket hashes (stable, different for every session)."""
    return salted_hmac(SALT_PURPOSE, f"session:{session_id}").hexdigest()[:32]


def offline_ticket_hash(*, salt: str, code: str) -> str:
    """``SHA-256(salt + code)`` in hex, as the browser computes it."""
    return hashlib.sha256((salt + code).encode()).hexdigest()


def offline_ticket_list(*, session_id: int, now: datetime.datetime | None = None) -> dict:
    """The session's ticket list for the door screen (no personal data, see the module).

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
    latest = summary["latest"]
    salt = offline_salt(session_id=session_id)
    return {
        "session": session.pk,
        "version": f"{summary['n']}-{int(latest.timestamp() * 1000) if latest else 0}",
        "generated_at": now.isoformat(),
        "opens_at": checkin_opens_at(starts_at=session.starts_at).isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "salt": salt,
        "tickets": [
            {
                "hash": offline_ticket_hash(salt=salt, code=code or ""),
                "party_size": party_size,
                "checked_in": status == Status.CHECKED_IN,
            }
            for code, party_size, status in rows.order_by("pk").values_list(
                "ticket_code", "party_size", "status"
            )
        ],
    }


def _scan_time(scanned_at: datetime.datetime | None, now: datetime.datetime) -> datetime.datetime:
    """When the party arrived: the device's scan time, unless it is missing, in the future
    or implausibly old (a wrong device clock); then the time of the sync."""
    if scanned_at is None or timezone.is_naive(scanned_at):
        return now
    if scanned_at > now or scanned_at < now - SCAN_MAX_AGE:
        return now
    return scanned_at


def checkin_offline_apply(
    *,
    session_id: int,
    scan: OfflineScan,
    device: str,
    by,
    now: datetime.datetime | None = None,
) -> OfflineResult:
    """Apply one check-in queued offline (see the module for the answers)."""
    now = now or timezone.now()
    nonce = checkin_nonce_clean(scan.nonce)
    if nonce is None:
        return OfflineResult(
            scan.nonce[:64],
            "refused",
            code="invalid",
            message=_("This check-in cannot be applied: it has no valid scan id."),
        )
    scanned_at = _scan_time(scan.scanned_at, now)
    with transaction.atomic():
        # The session lock that every check-in takes first: two syncs of the same queue
        # (a retry while the first request is still running) or of two devices holding the
        # same ticket queue here, so each nonce is looked up after the previous one applied.
        lock_rows(Session, [session_id], no_key=True)
        applied = (
            Registration.objects.filter(checkin_nonce=nonce)
            .values_list("session_id", "party_size")
            .first()
        )
        if applied is not None:
            if applied[0] != session_id:
                return OfflineResult(
                    nonce,
                    "refused",
                    code="invalid",
                    message=_("This check-in cannot be applied: it has no valid scan id."),
                )
            return OfflineResult(nonce, "already_applied", party_size=applied[1])
        recorded = (
            CheckinConflict.objects.filter(nonce=nonce).select_related("registration").first()
        )
        if recorded is not None:
            return _conflict_answer(nonce, recorded.registration, now=now)
        try:
            registration = checkin_perform(
                session_id=session_id, ticket=scan.ticket, by=by, nonce=nonce, now=scanned_at
            )
        except RegistrationError as error:
            if error.code == "already_checked_in" and error.registration is not None:
                CheckinConflict.objects.create(
                    registration=error.registration,
                    nonce=nonce,
                    device=(device or "")[:64],
                    scanned_by=by if by is not None and by.is_authenticated else None,
                    scanned_at=scanned_at,
                )
                return _conflict_answer(nonce, error.registration, now=now)
            return OfflineResult(nonce, "refused", code=error.code, message=error.message)
        return OfflineResult(nonce, "checked_in", party_size=registration.party_size)


def _conflict_answer(nonce: str, registration: Registration, *, now) -> OfflineResult:
    return OfflineResult(
        nonce,
        "conflict",
        code="already_checked_in",
        message=checkin_repeat_message(
            checked_in_at=registration.checked_in_at,
            staff=staff_name(registration.checked_in_by),
            now=now,
        ),
        party_size=registration.party_size,
    )


def checkin_offline_sync(
    *,
    session_id: int,
    scans: list[OfflineScan],
    device: str,
    by,
    now: datetime.datetime | None = None,
) -> list[OfflineResult]:
    """Apply the check-ins a door screen queued offline, in the order they were scanned,
    each in its own transaction (one refusal does not hold up the others). Error codes:
    ``too_many`` (more than ``SYNC_MAX_ITEMS``: the browser sends them in parts)."""
    if len(scans) > SYNC_MAX_ITEMS:
        raise RegistrationError(
            _("Too many check-ins at once: send at most %(max)d.") % {"max": SYNC_MAX_ITEMS},
            code="too_many",
        )
    return [
        checkin_offline_apply(session_id=session_id, scan=scan, device=device, by=by, now=now)
        for scan in scans
    ]


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
