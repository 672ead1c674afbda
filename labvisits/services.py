"""Lab-visit rules, shared by the public pages, the contact dashboard and the door check-in.

Places are held from the request on: a visit that is *requested* or *approved* counts
against its slot's capacity (in people), so approving never overbooks and declining or
cancelling frees the places at once. Every service that changes which visits hold places
locks the slot row first (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the
IMMEDIATE transaction takes the database's write lock), then counts and writes inside the
same transaction, so two enterprises can never both take the last places.

Capacities: ``Lab.visit_capacity`` is the largest group *one visit* may bring; a slot's
``capacity`` is the number of visitors it takes in total (several groups may share it),
from 1 to ``SLOT_CAPACITY_MAX``. A slot's capacity may exceed the lab's group limit.

Who may do what: a contact of the lab's institution (``InstitutionContact``) or staff with
the model permission manages slots and decides; approved members of the enterprise request
and cancel; the institution (or staff) may cancel too; contacts and check-in staff
(``events.check_in``) check visitors in. Every state change writes a ``LabVisitChange``.

Reminders: approving plans the visit's reminder rows in the same transaction
(``reminders.services``); declining, cancelling and the no-show marking cancel the pending
ones. ``lab_visits_mark_no_show`` (beat and ``manage.py mark_lab_visit_no_shows``) marks
the approved visits nobody checked in once their slot has ended.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from experts.models import Lab
from labvisits.audit import CHECKIN_OVERRIDE
from labvisits.exceptions import LabVisitError
from labvisits.models import HOLDING_STATES, Instrument, LabVisit, LabVisitChange, VisitSlot
from labvisits.notifications import notify_cancelled, notify_decided, notify_requested
from labvisits.selectors import (
    slot_places_taken,
    user_is_contact_for_lab,
    user_is_enterprise_member,
)
from portal.batching import in_locked_batches
from portal.checkin import (
    checkin_nonce_clean,
    checkin_override_audit,
    checkin_repeat_message,
    checkin_time_decide,
    staff_name,
)
from portal.history import state_change_build, state_change_record, state_changes_create
from portal.locking import lock_rows
from portal.tickets import TicketUnreadable, ticket_code_new, ticket_code_read
from reminders.models import Reminder
from reminders.services import reminders_cancel, reminders_plan

if TYPE_CHECKING:
    from django.contrib.auth.models import User

State = LabVisit.State
SLOT_CAPACITY_MAX = 500
TICKET_CODE_ATTEMPTS = 5
NO_SHOW_BATCH = 500


def _forbidden() -> LabVisitError:
    return LabVisitError(_("You may not do this for this lab visit."), code="forbidden")


def _record(visit: LabVisit, *, event: str, from_state: str, by, note: str = "") -> None:
    state_change_record(
        obj=visit, event=event, from_state=from_state, to_state=visit.state, by=by, note=note
    )


def _lock_slot(slot_id: int) -> VisitSlot:
    locked = lock_rows(
        VisitSlot.objects.select_related("lab", "instrument"), [slot_id], of=("self",)
    )
    if not locked:
        raise LabVisitError(_("This visit slot does not exist."), code="not_found")
    return locked[0]


def _lock_visit(visit_id: int) -> tuple[VisitSlot, LabVisit]:
    """Lock order: slot, then visit (as everywhere in this module)."""
    slot_id = LabVisit.objects.filter(pk=visit_id).values_list("slot_id", flat=True).first()
    if slot_id is None:
        raise LabVisitError(_("This lab visit does not exist."), code="not_found")
    slot = _lock_slot(slot_id)
    visits = lock_rows(
        LabVisit.objects.select_related(
            "slot__lab__institution", "enterprise", "requested_by", "checked_in_by"
        ),
        [visit_id],
        of=("self",),
    )
    if not visits:
        raise LabVisitError(_("This lab visit does not exist."), code="not_found")
    return slot, visits[0]


def can_manage_lab(*, user: User, lab: Lab) -> bool:
    """A contact of the lab's institution, or staff allowed to change lab visits."""
    return user_is_contact_for_lab(user=user, lab=lab) or user.has_perm("labvisits.change_labvisit")


def can_check_in(*, user: User, lab: Lab) -> bool:
    """Check-in staff, or a contact of the lab's institution."""
    return user.has_perm("events.check_in") or user_is_contact_for_lab(user=user, lab=lab)


# --- Slots ---------------------------------------------------------------------------------


def visit_slot_create(
    *,
    lab: Lab,
    by: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int,
    note: str = "",
    instrument: Instrument | None = None,
    now: datetime.datetime | None = None,
) -> VisitSlot:
    """Offer a visit slot, or machine time on ``instrument`` (a shared instrument of
    ``lab``; ``capacity`` is then the operators it takes, often 1 or 2). Error codes:
    ``forbidden`` (not a contact of the lab's institution nor staff allowed to add slots),
    ``not_accepting`` (the lab does not accept visits), ``instrument_lab`` (the instrument
    is not in this lab, or no longer bookable; the database's trigger refuses the first
    too), ``invalid_time`` (end not after start), ``past`` (starts before now),
    ``invalid_capacity`` (outside 1 to ``SLOT_CAPACITY_MAX``)."""
    now = now or timezone.now()
    if not (user_is_contact_for_lab(user=by, lab=lab) or by.has_perm("labvisits.add_visitslot")):
        raise _forbidden()
    if not lab.accepts_visits:
        raise LabVisitError(_("This lab does not accept visits."), code="not_accepting")
    if instrument is not None and (instrument.lab_id != lab.pk or not instrument.active):
        raise LabVisitError(
            _("Machine time on this instrument cannot be offered in this lab."),
            code="instrument_lab",
        )
    if ends_at <= starts_at:
        raise LabVisitError(_("The end must be after the start."), code="invalid_time")
    if starts_at <= now:
        raise LabVisitError(_("The slot must start in the future."), code="past")
    if not 1 <= capacity <= SLOT_CAPACITY_MAX:
        raise LabVisitError(
            _("A slot takes 1 to %(max)d visitors in total.") % {"max": SLOT_CAPACITY_MAX},
            code="invalid_capacity",
        )
    return VisitSlot.objects.create(
        lab=lab,
        instrument=instrument,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        note=note.strip(),
    )


def visit_slot_delete(*, slot: VisitSlot, by: User) -> None:
    """Withdraw a slot nobody has asked for. Error codes: ``forbidden``, ``has_visits`` (a
    visit was requested for it, even one since declined or cancelled: its history is kept;
    decline or cancel the open ones and leave the slot)."""
    with transaction.atomic():
        slot = _lock_slot(slot.pk)
        if not (
            user_is_contact_for_lab(user=by, lab=slot.lab)
            or by.has_perm("labvisits.delete_visitslot")
        ):
            raise _forbidden()
        if slot.visits.exists():
            raise LabVisitError(
                _("Visits were requested for this slot, so it cannot be deleted."),
                code="has_visits",
            )
        slot.delete()


# --- Visits --------------------------------------------------------------------------------


def visitor_names_split(text: str) -> list[str]:
    """The visitors' names listed one per line: each line trimmed, blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def visitor_names_mismatch_error(*, names: int, size: int) -> LabVisitError:
    return LabVisitError(
        ngettext(
            "The group has %(size)d visitor but %(names)d names are listed: list one name "
            "per visitor, one per line.",
            "The group has %(size)d visitors but %(names)d names are listed: list one name "
            "per visitor, one per line.",
            size,
        )
        % {"size": size, "names": names},
        code="names_mismatch",
    )


def lab_visit_request(
    *,
    enterprise: Enterprise,
    user: User,
    slot: VisitSlot,
    group_size: int,
    purpose: str,
    visitor_names: str,
    contact_name: str,
    contact_phone: str,
    language: str = "",
    now: datetime.datetime | None = None,
) -> LabVisit:
    """Request a visit for a group; its places are held until declined or cancelled. On a
    slot of a shared instrument this requests machine time: the group is the operators,
    ``purpose`` the samples and tests to run.

    Error codes: ``forbidden`` (``user`` is not an approved member of ``enterprise``),
    ``not_found``, ``not_accepting`` (the lab no longer accepts visits, or the slot's
    instrument is no longer shared), ``past`` (the slot
    has started), ``group_too_large`` (outside 1 to the lab's ``visit_capacity``),
    ``duplicate`` (the enterprise already holds a request or visit for this slot), ``full``
    (fewer places left than people; the message says how many are left),
    ``names_mismatch`` (the visitors named, one per line, are not ``group_size`` people;
    the names are stored one per line, trimmed, which the table's check constraint counts).
    The institution's contacts are notified after commit.
    """
    now = now or timezone.now()
    if not user_is_enterprise_member(user=user, enterprise_id=enterprise.pk):
        raise _forbidden()
    names = visitor_names_split(visitor_names)
    if len(names) != group_size:
        raise visitor_names_mismatch_error(names=len(names), size=group_size)
    try:
        with transaction.atomic():
            # The slot lock serialises every request, decision and cancellation of this
            # slot: the count below cannot change until this transaction ends.
            slot = _lock_slot(slot.pk)
            lab = slot.lab
            if not lab.accepts_visits:
                raise LabVisitError(_("This lab does not accept visits."), code="not_accepting")
            if slot.instrument is not None and not slot.instrument.active:
                raise LabVisitError(
                    _("This instrument no longer takes machine-time requests."),
                    code="not_accepting",
                )
            if slot.starts_at <= now:
                raise LabVisitError(_("This visit slot has already started."), code="past")
            if not 1 <= group_size <= lab.visit_capacity:
                raise LabVisitError(
                    _("A visit to this lab may bring 1 to %(max)d people.")
                    % {"max": lab.visit_capacity},
                    code="group_too_large",
                )
            if LabVisit.objects.filter(
                slot=slot, enterprise=enterprise, state__in=HOLDING_STATES
            ).exists():
                raise _duplicate()
            left = slot.capacity - slot_places_taken(slot=slot)
            if group_size > left:
                raise LabVisitError(
                    ngettext(
                        "Not enough places left in this slot: %(left)d place left.",
                        "Not enough places left in this slot: %(left)d places left.",
                        max(left, 0),
                    )
                    % {"left": max(left, 0)},
                    code="full",
                )
            visit = _create_with_ticket_code(
                slot=slot,
                enterprise=enterprise,
                requested_by=user,
                group_size=group_size,
                purpose=purpose.strip(),
                visitor_names="\n".join(names),
                contact_name=contact_name.strip(),
                contact_phone=contact_phone.strip(),
                language=language or get_language() or "zh-hans",
            )
            _record(visit, event="requested", from_state="", by=user)
            notify_requested(visit=visit)
            return visit
    except IntegrityError:
        # The partial unique index caught a second active request of the same enterprise
        # that slipped past the check (it cannot while the slot lock is held, but the
        # index is the backstop).
        if LabVisit.objects.filter(
            slot_id=slot.pk, enterprise=enterprise, state__in=HOLDING_STATES
        ).exists():
            raise _duplicate() from None
        raise


def _duplicate() -> LabVisitError:
    return LabVisitError(
        _("Your enterprise has already requested a visit in this slot."), code="duplicate"
    )


def _create_with_ticket_code(**fields) -> LabVisit:
    """Create the visit with a fresh ticket code, drawing again on the (rare) collision."""
    for attempt in range(TICKET_CODE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a collision does not spoil the outer one
                return LabVisit.objects.create(ticket_code=ticket_code_new(), **fields)
        except IntegrityError:
            taken = LabVisit.objects.filter(
                slot=fields["slot"], enterprise=fields["enterprise"], state__in=HOLDING_STATES
            ).exists()
            if taken or attempt == TICKET_CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def lab_visit_decide(
    *,
    visit: LabVisit,
    by: User,
    approve: bool,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> LabVisit:
    """Approve or decline a requested visit. Declining frees its places.

    Error codes: ``not_found``, ``forbidden`` (not a contact of the lab's institution nor
    staff), ``not_pending`` (already decided or cancelled), ``past`` (the slot has started;
    approve or decline before), ``reason_required`` (declining without a reason).
    The requester is notified after commit; an approval carries the calendar file.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        slot, visit = _lock_visit(visit.pk)
        if not can_manage_lab(user=by, lab=slot.lab):
            raise _forbidden()
        if visit.state != State.REQUESTED:
            raise LabVisitError(
                _("This visit request has already been handled."), code="not_pending"
            )
        if approve and slot.starts_at <= now:
            raise LabVisitError(_("This visit slot has already started."), code="past")
        if not approve and not reason:
            raise LabVisitError(
                _("Tell the enterprise why the visit is declined."), code="reason_required"
            )
        previous = visit.state
        visit.state = State.APPROVED if approve else State.DECLINED
        visit.decline_reason = "" if approve else reason
        visit.decided_by = by
        visit.decided_at = now
        visit.save(
            update_fields=["state", "decline_reason", "decided_by", "decided_at", "updated_at"]
        )
        _record(
            visit,
            event="approved" if approve else "declined",
            from_state=previous,
            by=by,
            note=reason,
        )
        if approve:
            reminders_plan(lab_visit=visit)
        else:
            reminders_cancel(lab_visit=visit)
        notify_decided(visit=visit)
        return visit


def lab_visit_cancel_refusal(
    *, visit: LabVisit, by: User, now: datetime.datetime
) -> LabVisitError | None:
    """Why ``by`` may not cancel ``visit`` now (``forbidden``, ``not_cancellable``,
    ``past``), or None when they may: the rule of ``lab_visit_cancel`` and of the visit
    page's cancel form. Members of the enterprise and those who manage the lab may cancel
    a requested or approved visit nobody checked in, before its slot starts."""
    by_enterprise = user_is_enterprise_member(user=by, enterprise_id=visit.enterprise_id)
    if not by_enterprise and not can_manage_lab(user=by, lab=visit.slot.lab):
        return _forbidden()
    if visit.state not in HOLDING_STATES or visit.checked_in_at is not None:
        return LabVisitError(_("This visit can no longer be cancelled."), code="not_cancellable")
    if visit.slot.starts_at <= now:
        return LabVisitError(_("This visit slot has already started."), code="past")
    return None


def lab_visit_cancel(
    *,
    visit: LabVisit,
    by: User,
    reason: str,
    now: datetime.datetime | None = None,
) -> LabVisit:
    """Cancel a requested or approved visit before its slot starts; frees its places.

    Allowed to approved members of the enterprise, contacts of the institution and staff.
    Error codes: ``not_found``, ``forbidden``, ``not_cancellable`` (declined, cancelled or
    checked in), ``past`` (the slot has started), ``reason_required``.
    The other side is notified after commit.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        slot, visit = _lock_visit(visit.pk)
        refusal = lab_visit_cancel_refusal(visit=visit, by=by, now=now)
        if refusal is not None:
            raise refusal
        by_enterprise = user_is_enterprise_member(user=by, enterprise_id=visit.enterprise_id)
        if not reason:
            raise LabVisitError(
                _("Give a reason for cancelling the visit."), code="reason_required"
            )
        previous = visit.state
        visit.state = State.CANCELLED
        visit.cancel_reason = reason
        visit.save(update_fields=["state", "cancel_reason", "updated_at"])
        _record(visit, event="cancelled", from_state=previous, by=by, note=reason)
        reminders_cancel(lab_visit=visit)
        notify_cancelled(
            visit=visit, by_enterprise=by_enterprise, was_approved=previous == State.APPROVED
        )
        return visit


def lab_visit_checkin(
    *,
    visit: LabVisit,
    by: User,
    nonce: str = "",
    override: bool = False,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> LabVisit:
    """Check an approved visit's group in at the lab's door.

    The door is open from ``CHECKIN_OPENS_MINUTES_BEFORE`` minutes before the slot starts
    until it ends (``portal.checkin``); staff with ``events.override_checkin`` may pass
    ``override`` and a ``reason`` (recorded in the history) to check in outside it. A
    repeated scan answers as for registrations: the same ``nonce`` as the scan that checked
    the visit in returns the visit again (a retry after a network error), another one is
    refused as ``already_checked_in`` (the message says when and by whom; no history row).

    Error codes: ``not_found``, ``forbidden`` (neither check-in staff nor a contact of the
    institution), ``not_approved`` (requested, declined, cancelled or no-show; the message
    says which), ``already_checked_in``, ``too_early``, ``ended``, ``override_forbidden``,
    ``reason_required``. A check-in outside the window is written to the audit log
    (``labvisits.checkin_override``).
    """
    return _checkin(
        visit_id=visit.pk,
        by=by,
        now=now or timezone.now(),
        nonce=nonce,
        override=override,
        reason=reason,
    )


def _checkin(
    *,
    visit_id: int,
    by: User,
    now: datetime.datetime,
    slot_id: int | None = None,
    nonce: str | None = "",
    override: bool = False,
    reason: str = "",
) -> LabVisit:
    nonce = checkin_nonce_clean(nonce)
    with transaction.atomic():
        # Two scans of one ticket at two doors queue on the slot lock; the second then
        # reads the first one's check-in and is refused as "already checked in" (or, when
        # it is the same scan sent twice, gets the first answer again).
        slot, visit = _lock_visit(visit_id)
        if slot_id is not None and slot.pk != slot_id:
            raise LabVisitError(
                _("This ticket is for another visit slot: %(lab)s, %(when)s.")
                % {
                    "lab": slot.lab.display_name,
                    "when": f"{timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}",
                },
                code="wrong_slot",
                visit=visit,
            )
        if not can_check_in(user=by, lab=slot.lab):
            raise _forbidden()
        _check_approved(visit)
        if visit.checked_in_at is not None:
            if nonce is not None and visit.checkin_nonce == nonce:
                return visit  # the same scan again: the same answer
            raise LabVisitError(
                checkin_repeat_message(
                    checked_in_at=visit.checked_in_at,
                    staff=staff_name(visit.checked_in_by),
                    now=now,
                ),
                code="already_checked_in",
                visit=visit,
            )
        refusal, note = checkin_time_decide(
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            now=now,
            by=by,
            override=override,
            reason=reason,
            kind="visit",
        )
        if refusal is not None:
            raise LabVisitError(refusal.message, code=refusal.code, visit=visit)
        if nonce is not None and LabVisit.objects.filter(checkin_nonce=nonce).exists():
            nonce = None  # a nonce is per scan; the unique constraint would refuse a reuse
        visit.checked_in_at = now
        visit.checked_in_by = by if by is not None and by.is_authenticated else None
        visit.checkin_nonce = nonce
        visit.save(update_fields=["checked_in_at", "checked_in_by", "checkin_nonce", "updated_at"])
        _record(visit, event="checked_in", from_state=visit.state, by=by, note=note)
        if note:  # checked in outside the window, by staff allowed to override it
            checkin_override_audit(
                instance=visit,
                action=CHECKIN_OVERRIDE,
                by=by,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                now=now,
                reason=reason,
                data={"visit_id": visit.pk, "slot_id": slot.pk, "group_size": visit.group_size},
                kind="visit",
            )
        return visit


def _check_approved(visit: LabVisit) -> None:
    messages: dict[str, str] = {
        State.REQUESTED: _("This visit has not been approved yet."),
        State.DECLINED: _("This visit was declined."),
        State.CANCELLED: _("This visit was cancelled."),
        State.NO_SHOW: _("This visit was marked as a no-show."),
    }
    if visit.state != State.APPROVED:
        message = messages.get(visit.state, messages[State.REQUESTED])
        raise LabVisitError(message, code="not_approved", visit=visit)


def lab_visit_checkin_ticket(
    *,
    slot: VisitSlot,
    ticket: str,
    by: User,
    nonce: str = "",
    override: bool = False,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> LabVisit:
    """The door of one visit slot: check in the approved visit whose ticket (scanned QR
    token or typed code) was presented, with the rules of ``lab_visit_checkin``.

    Error codes: ``unknown_ticket`` (forged token, or no visit has this code),
    ``wrong_slot`` (the visit is for another slot; the message names it), and those of
    ``lab_visit_checkin``.
    """
    try:
        code = ticket_code_read(ticket)
    except TicketUnreadable as error:
        raise LabVisitError(error.message, code=error.code) from None
    visit_id = LabVisit.objects.filter(ticket_code=code).values_list("pk", flat=True).first()
    if visit_id is None:
        raise LabVisitError(_("No lab visit has this ticket code."), code="unknown_ticket")
    return _checkin(
        visit_id=visit_id,
        by=by,
        now=now or timezone.now(),
        slot_id=slot.pk,
        nonce=nonce,
        override=override,
        reason=reason,
    )


# --- After the visit ---------------------------------------------------------------------


def no_show_grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LAB_VISIT_NO_SHOW_GRACE_MINUTES)


def lab_visits_mark_no_show(*, now: datetime.datetime | None = None) -> int:
    """Mark as no-shows the approved visits nobody checked in when their slot ended more
    than ``LAB_VISIT_NO_SHOW_GRACE_MINUTES`` (default 30) ago, each with a history row;
    their pending reminders are cancelled. Returns how many were marked.

    Idempotent: a second run finds nothing left to mark. Requested, declined, cancelled
    and checked-in visits are never touched.
    """
    now = now or timezone.now()
    due = LabVisit.objects.filter(
        state=State.APPROVED,
        checked_in_at__isnull=True,
        slot__ends_at__lt=now - no_show_grace(),
    )

    def mark(ids: list[int]) -> None:
        LabVisit.objects.filter(
            pk__in=ids, state=State.APPROVED, checked_in_at__isnull=True
        ).update(state=State.NO_SHOW, updated_at=now)
        state_changes_create(
            LabVisitChange,
            [
                state_change_build(
                    LabVisitChange,
                    visit_id=pk,
                    event="no_show",
                    from_state=State.APPROVED,
                    to_state=State.NO_SHOW,
                    note="marked automatically after the visit slot",
                )
                for pk in ids
            ],
        )
        # reminders_cancel for the whole batch in one statement (same rule: pending
        # reminders of a visit that no longer takes place are cancelled).
        Reminder.objects.filter(
            lab_visit_id__in=ids,
            state=Reminder.State.PENDING,
            purpose__in=(Reminder.Purpose.REMINDER, Reminder.Purpose.CHANGED),
        ).update(state=Reminder.State.CANCELLED, queued_at=None, retry_at=None)

    # The visit rows are locked before they change. A check-in at the door locks the slot,
    # then the visit: it waits for this batch and then refuses the no-show; a check-in that
    # commits first leaves its visit out of the locked rows. A no-show stops holding
    # places, but its slot has ended and takes no more requests, so the slot needs no lock.
    return in_locked_batches(due, size=NO_SHOW_BATCH, apply=mark)
