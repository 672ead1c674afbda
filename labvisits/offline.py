"""The lab door screen offline: a visit slot's ticket list for the browser, and the
check-ins it queued while the network was down, applied when it returns.

The rules both doors share (the salted hashes, the answers of a sync, the scan time, the
JSON) are in ``portal.offline``; this module says what they mean for a visit slot:

- the list holds the slot's approved visits (the only ones the door admits), with the
  group size and whether the group has been checked in; never the enterprise, the
  visitors' names, the contact's phone or the ticket code; the salt is per slot;
- a queued check-in goes through ``lab_visit_checkin_ticket`` like an online scan, with the
  scan's nonce (``LabVisit.checkin_nonce`` is unique, so a nonce checks a visit in at most
  once) and the scan time as the moment of the check-in; the permission is the door's
  (``can_check_in``: check-in staff, or a contact of the lab's institution);
- a ticket already checked in under another nonce is recorded as a
  ``LabVisitCheckinConflict`` (unique per nonce: syncing again records nothing new), shown
  on the slot's door screen and to staff with the visit in the admin;
- refusals carry the service's error code (``unknown_ticket``, ``wrong_slot``,
  ``not_approved``, ``too_early``, ``ended``, ``forbidden``; ``invalid`` for an item
  without a usable nonce).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Max
from django.utils import timezone

from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisit, LabVisitCheckinConflict, VisitSlot
from labvisits.services import lab_visit_checkin_ticket
from portal.checkin import staff_name
from portal.errors import DomainError
from portal.locking import lock_rows
from portal.offline import (
    OfflineResult,
    OfflineScan,
    OfflineTicket,
    offline_salt,
    offline_sync,
    offline_ticket_list_build,
)

SALT_PURPOSE = "labvisits.checkin.offline"


def visit_offline_salt(*, slot_id: int) -> str:
    """The slot's salt for the ticket hashes (stable, different for every slot)."""
    return offline_salt(purpose=SALT_PURPOSE, door=f"slot:{slot_id}")


def visit_offline_ticket_list(*, slot: VisitSlot, now: datetime.datetime | None = None) -> dict:
    """The slot's ticket list for the lab's door screen: hash, group size and checked-in
    flag of each approved visit; no personal data (``portal.offline``). ``version``
    changes whenever a visit of the slot changes (a check-in, a cancellation)."""
    visits = LabVisit.objects.filter(slot_id=slot.pk)
    summary = visits.aggregate(n=Count("pk"), latest=Max("updated_at"))
    approved = visits.filter(state=LabVisit.State.APPROVED).order_by("pk")
    return offline_ticket_list_build(
        door={"slot": slot.pk},
        salt=visit_offline_salt(slot_id=slot.pk),
        tickets=(
            (code, size, checked_in_at is not None)
            for code, size, checked_in_at in approved.values_list(
                "ticket_code", "group_size", "checked_in_at"
            )
        ),
        count=summary["n"],
        latest=summary["latest"],
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        now=now or timezone.now(),
    )


def _ticket(visit: LabVisit, *, slot_id: int) -> OfflineTicket:
    return OfflineTicket(
        party_size=visit.group_size,
        checked_in_at=visit.checked_in_at,
        checked_in_by=visit.checked_in_by,
        here=visit.slot_id == slot_id,
    )


class _SlotDoor:
    """A visit slot's door for ``portal.offline.offline_apply``."""

    def __init__(self, slot: VisitSlot):
        self.slot = slot

    def lock(self) -> None:
        # The slot lock every check-in at this door takes first (then the visit's,
        # ``labvisits.services``): the same lock, so taking it again there waits for nothing.
        lock_rows(VisitSlot, [self.slot.pk])

    def applied(self, nonce: str) -> OfflineTicket | None:
        visit = LabVisit.objects.filter(checkin_nonce=nonce).select_related("checked_in_by").first()
        return None if visit is None else _ticket(visit, slot_id=self.slot.pk)

    def conflict_recorded(self, nonce: str) -> OfflineTicket | None:
        recorded = (
            LabVisitCheckinConflict.objects.filter(nonce=nonce)
            .select_related("visit__checked_in_by")
            .first()
        )
        return None if recorded is None else _ticket(recorded.visit, slot_id=self.slot.pk)

    def check_in(self, *, ticket: str, nonce: str, at: datetime.datetime, by) -> OfflineTicket:
        visit = lab_visit_checkin_ticket(slot=self.slot, ticket=ticket, by=by, nonce=nonce, now=at)
        return _ticket(visit, slot_id=self.slot.pk)

    def conflict_record(
        self, error: DomainError, *, nonce: str, device: str, by, scanned_at: datetime.datetime
    ) -> OfflineTicket | None:
        visit = getattr(error, "visit", None)
        if error.code != "already_checked_in" or visit is None:
            return None
        LabVisitCheckinConflict.objects.create(
            visit=visit,
            nonce=nonce,
            device=device,
            scanned_by=by if by is not None and by.is_authenticated else None,
            scanned_at=scanned_at,
        )
        return _ticket(visit, slot_id=self.slot.pk)


def visit_checkin_offline_sync(
    *,
    slot: VisitSlot,
    scans: list[OfflineScan],
    device: str,
    by,
    now: datetime.datetime | None = None,
) -> list[OfflineResult]:
    """Apply the check-ins a lab door screen queued offline, in the order they were
    scanned, each in its own transaction (see the module for the answers). Error codes:
    ``too_many`` (more than ``portal.offline.SYNC_MAX_ITEMS``)."""
    return offline_sync(
        door=_SlotDoor(slot), scans=scans, device=device, by=by, error=LabVisitError, now=now
    )


def _conflict_rows(conflicts) -> list[dict]:
    return [
        {
            "name": c.visit.enterprise.name,
            "ticket_code": c.visit.ticket_code,
            "party_size": c.visit.group_size,
            "checked_in_at": c.visit.checked_in_at,
            "checked_in_by": staff_name(c.visit.checked_in_by),
            "scanned_at": c.scanned_at,
            "scanned_by": staff_name(c.scanned_by),
            "device": c.device[:8],
        }
        for c in conflicts.select_related(
            "visit__enterprise", "visit__checked_in_by", "scanned_by"
        ).order_by("-scanned_at", "-pk")
    ]


def visit_checkin_conflict_list(*, slot_id: int) -> list[dict]:
    """The slot's tickets presented twice, newest first, for the door screen
    (``includes/checkin_conflicts.html``): enterprise (``name``), ticket code, group size
    (``party_size``), when and by whom each check-in was made, the device."""
    return _conflict_rows(LabVisitCheckinConflict.objects.filter(visit__slot_id=slot_id))


def lab_visit_conflict_list(*, visit_id: int) -> list[dict]:
    """The times one visit's ticket was presented again (for staff in the admin)."""
    return _conflict_rows(LabVisitCheckinConflict.objects.filter(visit_id=visit_id))
