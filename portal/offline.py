"""A door screen offline, shared by open-day sessions (``events.services.offline``) and
lab-visit slots (``labvisits.offline``): the ticket list the browser checks tickets against
while the network is down, and syncing the check-ins it queued when the network returns.
``static/js/checkin-offline.js`` is the browser's side, the same script at both doors.

**The ticket list** (``offline_ticket_list_build``) holds, for each ticket that may still be
presented at the door, a hash of its ticket code, the party (or group) size and whether it
has been checked in; never a name, a phone number, the code itself or its QR token. The hash
is ``SHA-256(salt + code)`` with a salt per door (``offline_salt``: a keyed hash of the
door's id under the site's secret key), which the browser computes with the Web Crypto API
for a typed or scanned code.

Why a salt that door staff can read rather than a secret key: the browser must compute the
hash itself while offline, so whatever it uses is on the device anyway. The salt makes each
door's list useless for another door and keeps the hashes from matching a table made in
advance; it does not stop someone holding the list from trying all 32^8 codes. What they
would learn is a ticket code of this door, which only lets a party in at this door: the
door's staff can already check any ticket of it in. The list carries no personal data, so a
lost phone with the list on it discloses nothing about the visitors.

**Syncing** (``offline_apply``): each queued check-in carries the nonce the browser made for
the scan (``crypto.randomUUID()``), the typed code or scanned QR token, and the time of the
scan. It goes through the door's own check-in service, like an online scan, with that nonce
(each app's ``checkin_nonce`` column is unique, so a nonce checks a ticket in at most once)
and the scan time as the moment of the check-in. The answer for each nonce:

- ``checked_in``: applied now;
- ``already_applied``: this nonce checked the ticket in before (the queue was sent again
  after its answer was lost): nothing changes;
- ``conflict``: the ticket had been checked in under another nonce (a second offline device,
  or the online screen): the party is counted once, the first check-in stands, and the scan
  is recorded as a conflict row for staff (unique per nonce: syncing again records nothing
  new);
- ``refused`` with the service's error code (``unknown_ticket``, ``too_early``, ``ended``,
  ...; ``invalid`` for an item without a usable nonce).

Each app says how its door does these steps through an ``OfflineDoor``; the order of the
steps, the answers and the JSON both doors speak live here. Core module: it imports no
feature app.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from portal.checkin import (
    checkin_nonce_clean,
    checkin_opens_at,
    checkin_repeat_message,
    staff_name,
)
from portal.errors import DomainError

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


@dataclass(frozen=True)
class OfflineTicket:
    """What the sync needs to know of a ticket (a registration, a lab visit): its party
    size and its first check-in (when, by whom); ``here``: whether it belongs to this
    door."""

    party_size: int
    checked_in_at: datetime.datetime | None = None
    checked_in_by: object = None
    here: bool = True


class OfflineDoor(Protocol):
    """How one door applies a queued check-in; its methods run inside the sync's
    transaction, ``lock`` first."""

    def lock(self) -> None:
        """Take the lock every check-in at this door takes first."""

    def applied(self, nonce: str) -> OfflineTicket | None:
        """The ticket this nonce checked in (at any door of this kind), if any."""

    def conflict_recorded(self, nonce: str) -> OfflineTicket | None:
        """The ticket of the conflict recorded under this nonce, if any."""

    def check_in(self, *, ticket: str, nonce: str, at: datetime.datetime, by) -> OfflineTicket:
        """Check the ticket in as an online scan would; raises the app's ``DomainError``."""

    def conflict_record(
        self, error: DomainError, *, nonce: str, device: str, by, scanned_at: datetime.datetime
    ) -> OfflineTicket | None:
        """When ``error`` says the ticket was already checked in, record the conflict and
        return the ticket; else None (the refusal stands)."""


def offline_salt(*, purpose: str, door: str) -> str:
    """The salt of one door's ticket hashes (stable, different for every door)."""
    return salted_hmac(purpose, door).hexdigest()[:32]


def offline_ticket_hash(*, salt: str, code: str) -> str:
    """``SHA-256(salt + code)`` in hex, as the browser computes it."""
    return hashlib.sha256((salt + code).encode()).hexdigest()


def offline_ticket_list_build(
    *,
    door: dict,
    salt: str,
    tickets: Iterable[tuple[str | None, int, bool]],
    count: int,
    latest: datetime.datetime | None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    now: datetime.datetime,
) -> dict:
    """The ticket list's JSON: ``door`` (e.g. ``{"session": 12}``), the salt, the check-in
    window and, per ticket ``(code, party size, checked in)``, its hash, size and flag.
    ``version`` (from the door's ticket ``count`` and ``latest`` change) changes whenever a
    ticket of the door changes."""
    return {
        **door,
        "version": f"{count}-{int(latest.timestamp() * 1000) if latest else 0}",
        "generated_at": now.isoformat(),
        "opens_at": checkin_opens_at(starts_at=starts_at).isoformat(),
        "ends_at": ends_at.isoformat(),
        "salt": salt,
        "tickets": [
            {
                "hash": offline_ticket_hash(salt=salt, code=code or ""),
                "party_size": party_size,
                "checked_in": checked_in,
            }
            for code, party_size, checked_in in tickets
        ],
    }


def offline_scan_time(
    scanned_at: datetime.datetime | None, now: datetime.datetime
) -> datetime.datetime:
    """When the party arrived: the device's scan time, unless it is missing, in the future
    or implausibly old (a wrong device clock); then the time of the sync."""
    if scanned_at is None or timezone.is_naive(scanned_at):
        return now
    if scanned_at > now or scanned_at < now - SCAN_MAX_AGE:
        return now
    return scanned_at


def _invalid(nonce: str) -> OfflineResult:
    return OfflineResult(
        nonce,
        "refused",
        code="invalid",
        message=_("This check-in cannot be applied: it has no valid scan id."),
    )


def _conflict(nonce: str, ticket: OfflineTicket, *, now: datetime.datetime) -> OfflineResult:
    return OfflineResult(
        nonce,
        "conflict",
        code="already_checked_in",
        message=checkin_repeat_message(
            checked_in_at=ticket.checked_in_at, staff=staff_name(ticket.checked_in_by), now=now
        ),
        party_size=ticket.party_size,
    )


def offline_apply(
    *, door: OfflineDoor, scan: OfflineScan, device: str, by, now: datetime.datetime
) -> OfflineResult:
    """Apply one check-in queued offline at ``door`` (see the module for the answers)."""
    nonce = checkin_nonce_clean(scan.nonce)
    if nonce is None:
        return _invalid(scan.nonce[:64])
    scanned_at = offline_scan_time(scan.scanned_at, now)
    with transaction.atomic():
        # The door's lock, which every check-in there takes first: two syncs of the same
        # queue (a retry while the first request is still running) or of two devices holding
        # the same ticket queue here, so each nonce is looked up after the previous applied.
        door.lock()
        applied = door.applied(nonce)
        if applied is not None:
            if not applied.here:  # a nonce of another door: not this scan's
                return _invalid(nonce)
            return OfflineResult(nonce, "already_applied", party_size=applied.party_size)
        recorded = door.conflict_recorded(nonce)
        if recorded is not None:
            return _conflict(nonce, recorded, now=now)
        try:
            ticket = door.check_in(ticket=scan.ticket, nonce=nonce, at=scanned_at, by=by)
        except DomainError as error:
            conflict = door.conflict_record(
                error, nonce=nonce, device=(device or "")[:64], by=by, scanned_at=scanned_at
            )
            if conflict is not None:
                return _conflict(nonce, conflict, now=now)
            return OfflineResult(nonce, "refused", code=error.code, message=error.message)
        return OfflineResult(nonce, "checked_in", party_size=ticket.party_size)


def offline_sync_check(scans: list[OfflineScan], *, error: type[DomainError]) -> None:
    """Refuse a sync of more than ``SYNC_MAX_ITEMS`` check-ins with the app's ``error``
    (code ``too_many``: the browser sends them in parts)."""
    if len(scans) > SYNC_MAX_ITEMS:
        raise error(
            _("Too many check-ins at once: send at most %(max)d.") % {"max": SYNC_MAX_ITEMS},
            code="too_many",
        )


def offline_sync(
    *,
    door: OfflineDoor,
    scans: list[OfflineScan],
    device: str,
    by,
    error: type[DomainError],
    now: datetime.datetime | None = None,
) -> list[OfflineResult]:
    """Apply the check-ins a door screen queued offline, in the order they were scanned,
    each in its own transaction (one refusal does not hold up the others). Raises the app's
    ``error`` with the code ``too_many``."""
    offline_sync_check(scans, error=error)
    now = now or timezone.now()
    return [offline_apply(door=door, scan=scan, device=device, by=by, now=now) for scan in scans]


def offline_scans_read(payload) -> list[OfflineScan] | None:
    """The queued check-ins of a sync request's JSON, or None when the body is not one."""
    items = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        return None
    scans = []
    for item in items:
        if not isinstance(item, dict):
            return None
        nonce, ticket, at = item.get("nonce"), item.get("ticket"), item.get("scanned_at")
        if not isinstance(nonce, str) or not isinstance(ticket, str):
            return None
        try:
            scanned_at = parse_datetime(at) if isinstance(at, str) else None
        except ValueError:
            scanned_at = None
        scans.append(OfflineScan(nonce=nonce[:64], ticket=ticket[:200], scanned_at=scanned_at))
    return scans


def offline_sync_response(
    request: HttpRequest,
    *,
    sync: Callable[[list[OfflineScan], str], list[OfflineResult]],
    counts: Callable[[], dict],
) -> JsonResponse:
    """A sync view's answer (JSON in, JSON out; CSRF-protected like every POST: the page
    sends its token in ``X-CSRFToken``): ``sync(scans, device)`` applies the check-ins,
    ``counts()`` gives the door's counters afterwards. A body that is not a sync is 400
    ``invalid``, a refused sync (``too_many``) 400 with its code."""
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        payload = None
    scans = offline_scans_read(payload)
    if scans is None:
        return JsonResponse(
            {"code": "invalid", "message": _("The check-ins sent could not be read.")},
            status=400,
        )
    device = payload.get("device") if isinstance(payload.get("device"), str) else ""
    try:
        results = sync(scans, device)
    except DomainError as error:
        return JsonResponse(
            {"code": error.code, "message": error.message, "max_items": SYNC_MAX_ITEMS},
            status=400,
        )
    return JsonResponse({"results": [result.as_dict() for result in results], "counts": counts()})


def offline_list_response(build: Callable[[], dict]) -> JsonResponse:
    """A ticket-list view's answer: the list, or 409 with the refusal's code."""
    try:
        return JsonResponse(build())
    except DomainError as error:
        return JsonResponse({"code": error.code, "message": error.message}, status=409)
