"""Consultation booking rules, shared by the enterprise pages, the expert dashboard, the
staff admin and the periodic tasks.

Which step may follow which is the table ``TRANSITIONS``; every step checks who acts
(``_side``), records a ``ConsultationChange``, raises ``sequence`` when the calendar view
changes and notifies the other party after commit.

Races: a slot holds at most one active consultation. A booking locks the slot row first
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions take the database
write lock, so writers queue) and then checks; the partial unique constraint
``consultation_one_active_per_slot`` catches anything that slips past. An expert never has
two overlapping confirmed consultations: checked under the transaction and, on PostgreSQL,
enforced by the exclusion constraint ``consultation_expert_no_overlap``.

Reminders: a consultation that becomes confirmed gets its reminder rows planned in the same
transaction (``reminders.services``); a new time moves them; declining, cancelling,
completing and a no-show cancel the pending ones. A reassignment sends a confirmed
consultation back to requested: its rows are kept (and skipped by the sender while it is
not confirmed) until the new expert confirms. The hourly
``consultations_request_completion`` asks the expert to complete a consultation whose
time has passed.

Error codes: ``forbidden`` (this user may not do this), ``invalid_transition`` (not from this
state), ``slot_taken``, ``slot_past``, ``slot_service``, ``slot_expert``, ``overlap``,
``no_time``, ``too_late``, ``too_early``, ``reason_required``, ``summary_required``,
``invalid_level``, ``already_rated``, ``no_proposal``, plus the attachment codes
``too_many_files``, ``file_too_big``, ``file_type``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.attachments import attachment_store, attachments_check
from consultations.audit import ATTACHMENT_DOWNLOAD
from consultations.exceptions import ConsultationError
from consultations.models import (
    ACTIVE_STATES,
    Consultation,
    ConsultationAttachment,
    Slot,
)
from consultations.notifications import (
    consultation_greeting_name,
    consultation_notify,
    consultation_notify_staff,
    consultation_url,
)
from enterprises.models import Enterprise, Membership
from experts.models import Expert
from inbox.services import notify, user_language
from portal.audit import audit_log
from portal.history import state_change_record
from portal.locking import lock_rows
from portal.models import StateChange
from portal.tickets import ticket_code_new
from ratings.services import rating_submit
from reminders.services import reminders_cancel, reminders_replan

if TYPE_CHECKING:
    from django.contrib.auth.models import User

State = Consultation.State

# action -> (states it may start from, state it leaves the consultation in; None = unchanged)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "confirm": (frozenset({State.REQUESTED}), State.CONFIRMED),
    "decline": (frozenset({State.REQUESTED}), State.DECLINED),
    "cancel": (frozenset({State.REQUESTED, State.CONFIRMED}), State.CANCELLED),
    "reschedule_propose": (frozenset({State.REQUESTED, State.CONFIRMED}), None),
    "reschedule_respond": (frozenset({State.REQUESTED, State.CONFIRMED}), None),
    "complete": (frozenset({State.CONFIRMED}), State.COMPLETED),
    "no_show": (frozenset({State.CONFIRMED}), State.NO_SHOW),
    "rate": (frozenset({State.COMPLETED}), None),
    # A (re)assigned expert confirms again: assigning leaves the consultation requested.
    "assign": (frozenset({State.REQUESTED, State.CONFIRMED}), State.REQUESTED),
    "escalate": (frozenset({State.REQUESTED}), None),
}

ENTERPRISE, EXPERT, STAFF = "enterprise", "expert", "staff"


def cancel_cutoff() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "CONSULTATION_CANCEL_CUTOFF_HOURS", 24))


def escalate_after() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "CONSULTATION_ESCALATE_AFTER_HOURS", 48))


def completion_grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.CONSULTATION_COMPLETION_GRACE_MINUTES)


# --- Who is acting -----------------------------------------------------------------------


def consultation_sides(*, consultation: Consultation, user: User) -> set[str]:
    """The roles ``user`` holds for ``consultation``: enterprise, expert, staff."""
    sides: set[str] = set()
    if user is None or not user.is_authenticated:
        return sides
    if Membership.objects.filter(
        enterprise_id=consultation.enterprise_id,
        user=user,
        status=Membership.Status.APPROVED,
    ).exists():
        sides.add(ENTERPRISE)
    expert = consultation.expert  # None without a query when no expert is assigned
    if expert is not None and expert.user_id == user.pk:
        sides.add(EXPERT)
    if user.has_perm("consultations.assign_consultation") or user.has_perm(
        "consultations.change_consultation"
    ):
        sides.add(STAFF)
    return sides


def attachment_download(*, attachment: ConsultationAttachment, by: User, sides: set[str]) -> None:
    """``by`` (holding ``sides`` of the attachment's consultation) downloads it. A download
    by the expert or staff is written to the audit log
    (``consultations.attachment_download``); the enterprise opening its own files is not."""
    if not sides.intersection({EXPERT, STAFF}):
        return
    consultation = attachment.consultation
    audit_log(
        instance=attachment,
        action=ATTACHMENT_DOWNLOAD,
        by=by,
        data={
            "attachment_id": attachment.pk,
            "consultation_id": consultation.pk,
            "reference": consultation.reference,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "as": sorted(sides.intersection({EXPERT, STAFF})),
        },
        label=f"{consultation.reference} #{attachment.pk}",
    )


def _require(sides: set[str], *allowed: str) -> None:
    if not sides.intersection(allowed):
        raise ConsultationError(_("You may not do this for this consultation."), code="forbidden")


def _check_transition(consultation: Consultation, action: str) -> str | None:
    sources, target = TRANSITIONS[action]
    if consultation.state not in sources:
        raise ConsultationError(
            _("This is not possible while the consultation is %(state)s.")
            % {"state": consultation.get_state_display().lower()},
            code="invalid_transition",
        )
    return target


def _next_state(consultation: Consultation, action: str) -> str:
    """``_check_transition`` of an action that moves the consultation to another state."""
    target = _check_transition(consultation, action)
    if target is None:
        raise ValueError(f"{action!r} leaves the consultation in its state")
    return target


def _lock(consultation: Consultation) -> Consultation:
    """The consultation re-read under a row lock (the caller is in a transaction);
    ``Busy`` when the lock is not granted in time."""
    locked = lock_rows(
        Consultation.objects.select_related("expert", "enterprise", "requested_by", "slot"),
        [consultation.pk],
        of=("self",),
    )
    if not locked:
        raise Consultation.DoesNotExist("Consultation matching query does not exist.")
    return locked[0]


def _record(
    consultation: Consultation, *, event: str, from_state: str, by=None, note: str = ""
) -> StateChange:
    return state_change_record(
        obj=consultation,
        event=event,
        from_state=from_state,
        to_state=consultation.state,
        by=by,
        note=note,
    )


# --- Slots ----------------------------------------------------------------------------


def _slot_lock_and_check(
    *,
    slot_id: int,
    service: str,
    expert: Expert | None = None,
    exclude: Consultation | None = None,
    now: datetime.datetime,
) -> Slot:
    """Lock the slot row and check it is bookable; raises ``slot_past``, ``slot_service``,
    ``slot_expert``, ``slot_taken``."""
    locked = lock_rows(Slot.objects.select_related("expert"), [slot_id], of=("self",))
    slot = locked[0] if locked else None
    if slot is None:
        raise ConsultationError(_("This time is no longer offered."), code="slot_taken")
    if slot.starts_at <= now:
        raise ConsultationError(_("This time has already passed."), code="slot_past")
    if expert is not None and slot.expert_id != expert.pk:
        raise ConsultationError(_("This time belongs to another expert."), code="slot_expert")
    if not slot.services.filter(code=service).exists():
        raise ConsultationError(
            _("The expert does not offer this service at this time."), code="slot_service"
        )
    taken = Consultation.objects.filter(slot=slot, state__in=ACTIVE_STATES)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise _slot_taken()
    return slot


def _slot_taken() -> ConsultationError:
    return ConsultationError(
        _("Someone else has just booked this time. Please choose another one."),
        code="slot_taken",
    )


def _overlap_error() -> ConsultationError:
    return ConsultationError(
        _("The expert already has a confirmed consultation at this time."), code="overlap"
    )


def _check_no_overlap(consultation: Consultation) -> None:
    """On every database (SQLite has no exclusion constraint): the expert has no other
    confirmed consultation overlapping this one's time. Call inside the transaction."""
    # Called for confirmed consultations only, which have an expert (model constraint).
    assert consultation.expert_id is not None
    clash = (
        Consultation.objects.filter(
            expert_id=consultation.expert_id,
            state=State.CONFIRMED,
            starts_at__lt=consultation.ends_at,
            ends_at__gt=consultation.starts_at,
        )
        .exclude(pk=consultation.pk)
        .exists()
    )
    if clash:
        raise _overlap_error()


# The constraints that catch a race between two bookings, and the domain error each one
# means. PostgreSQL names the constraint; SQLite names the columns of a unique index (and
# has no exclusion constraint: there ``_check_no_overlap`` runs under its write lock).
SLOT_TAKEN_CONSTRAINTS = {
    "consultation_one_active_per_slot",
    "UNIQUE constraint failed: consultations_consultation.slot_id",
}
OVERLAP_CONSTRAINTS = {"consultation_expert_no_overlap"}


def _violated(error: IntegrityError, names: set[str]) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if constraint:
        return constraint in names
    text = str(error)
    return any(name in text for name in names)


def _save_guarded(consultation: Consultation, fields: list[str]) -> None:
    """Save in a savepoint; a constraint that catches a race becomes a domain error
    (``slot_taken`` or ``overlap``). Any other integrity error is a bug, raised as is."""
    try:
        with transaction.atomic():
            consultation.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as error:
        if _violated(error, OVERLAP_CONSTRAINTS):
            raise _overlap_error() from None
        if _violated(error, SLOT_TAKEN_CONSTRAINTS):
            raise _slot_taken() from None
        raise


def _move_to_slot(consultation: Consultation, slot: Slot) -> None:
    consultation.slot = slot
    consultation.expert = slot.expert
    consultation.starts_at = slot.starts_at
    consultation.ends_at = slot.ends_at
    consultation.mode = slot.mode


# --- Services -----------------------------------------------------------------------------


def consultation_request(
    *,
    enterprise: Enterprise,
    user: User,
    service: str,
    topic: str,
    description: str,
    product_or_standard: str = "",
    field: str = "",
    contact_name: str,
    contact_phone: str,
    slot: Slot | int | None = None,
    expert: Expert | None = None,
    files: Iterable[UploadedFile] = (),
    language: str | None = None,
    now: datetime.datetime | None = None,
) -> Consultation:
    """An enterprise asks for a consultation: on a slot of an expert; or without a slot,
    for the team to arrange it: with ``expert`` (one without a free time that suits) the
    team arranges a time with that expert, without one the team assigns an expert. Staff
    see the request in the admin and give it a time by (re)assigning it on a slot. The
    expert (or nobody yet) and the requester are notified. Error codes: ``slot_taken``,
    ``slot_past``, ``slot_service``, ``slot_expert`` (a slot of another expert),
    ``expert_service`` (the expert does not offer the service or no longer takes
    requests), attachment codes.
    """
    now = now or timezone.now()
    if expert is not None and not (
        expert.is_active and expert.services.filter(code=service).exists()
    ):
        raise ConsultationError(
            _("This expert does not offer this service. Choose another service or expert."),
            code="expert_service",
        )
    checked = attachments_check(files)
    slot_id = slot.pk if isinstance(slot, Slot) else slot
    stored = []
    try:
        with transaction.atomic():
            consultation = Consultation(
                reference="C" + ticket_code_new(),
                enterprise=enterprise,
                requested_by=user,
                service=service,
                field=field,
                topic=topic.strip(),
                description=description.strip(),
                product_or_standard=product_or_standard.strip(),
                contact_name=contact_name.strip(),
                contact_phone=contact_phone.strip(),
                language=language or settings.LANGUAGE_CODE,
            )
            if slot_id is not None:
                locked = _slot_lock_and_check(
                    slot_id=slot_id, service=service, expert=expert, now=now
                )
                _move_to_slot(consultation, locked)
            elif expert is not None:
                consultation.expert = expert
            try:
                # The savepoint keeps the outer transaction usable after a constraint error.
                with transaction.atomic():
                    consultation.save()
            except IntegrityError:
                if (
                    slot_id is not None
                    and Consultation.objects.filter(
                        slot_id=slot_id, state__in=ACTIVE_STATES
                    ).exists()
                ):
                    raise _slot_taken() from None
                raise
            for upload, content_type in checked:
                stored.append(
                    attachment_store(
                        consultation=consultation,
                        upload=upload,
                        content_type=content_type,
                        by=user,
                    )
                )
            _record(consultation, event="requested", from_state="", by=user)
            consultation_notify(
                consultation=consultation, event="requested", actor=user, include_actor=True
            )
            return consultation
    except BaseException:
        # Files are not transactional: remove what this failed request wrote.
        for attachment in stored:
            if attachment.file.name is not None:
                attachment.file.storage.delete(attachment.file.name)
        raise


def consultation_confirm(
    *, consultation: Consultation, by: User, now: datetime.datetime | None = None
) -> Consultation:
    """The assigned expert accepts a request. Codes: ``forbidden``, ``invalid_transition``,
    ``no_time`` (no time agreed yet: propose a slot first), ``overlap``."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _lock(consultation)
        _require(consultation_sides(consultation=consultation, user=by), EXPERT)
        target = _next_state(consultation, "confirm")
        if consultation.starts_at is None:
            raise ConsultationError(
                _("Agree on a time first: propose one of your slots."), code="no_time"
            )
        if consultation.starts_at <= now:
            raise ConsultationError(_("This time has already passed."), code="slot_past")
        previous = consultation.state
        consultation.state = target
        consultation.sequence += 1
        _check_no_overlap(consultation)
        _save_guarded(consultation, ["state", "sequence"])
        _record(consultation, event="confirmed", from_state=previous, by=by)
        # Plans the reminders; after a reassignment to another time, also moves the rows
        # planned for the first confirmation.
        reminders_replan(consultation=consultation)
        consultation_notify(consultation=consultation, event="confirmed", actor=by)
        return consultation


def consultation_decline(*, consultation: Consultation, by: User, reason: str) -> Consultation:
    """The assigned expert turns a request down, saying why (``reason_required``)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        consultation = _lock(consultation)
        _require(consultation_sides(consultation=consultation, user=by), EXPERT)
        target = _next_state(consultation, "decline")
        if not reason:
            raise ConsultationError(_("Say why you decline."), code="reason_required")
        previous = consultation.state
        consultation.state = target
        consultation.decline_reason = reason
        consultation.sequence += 1
        consultation.save(update_fields=["state", "decline_reason", "sequence", "updated_at"])
        _record(consultation, event="declined", from_state=previous, by=by, note=reason)
        reminders_cancel(consultation=consultation)
        consultation_notify(consultation=consultation, event="declined", actor=by, note=reason)
        return consultation


def consultation_cancel(
    *,
    consultation: Consultation,
    by: User,
    reason: str,
    now: datetime.datetime | None = None,
) -> Consultation:
    """Either party cancels until ``CONSULTATION_CANCEL_CUTOFF_HOURS`` before the start
    (``too_late``); staff at any time. A reason is required (``reason_required``)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        consultation = _lock(consultation)
        sides = consultation_sides(consultation=consultation, user=by)
        _require(sides, ENTERPRISE, EXPERT, STAFF)
        target = _next_state(consultation, "cancel")
        if not reason:
            raise ConsultationError(_("Say why you cancel."), code="reason_required")
        if (
            STAFF not in sides
            and consultation.starts_at is not None
            and now > consultation.starts_at - cancel_cutoff()
        ):
            raise ConsultationError(
                _(
                    "It is too late to cancel here: less than %(hours)d hours before the "
                    "start. Please contact the service desk."
                )
                % {"hours": cancel_cutoff().total_seconds() // 3600},
                code="too_late",
            )
        previous = consultation.state
        consultation.state = target
        consultation.cancel_reason = reason
        consultation.cancelled_by = by
        consultation.proposed_slot = None
        consultation.proposed_by = None
        consultation.proposed_at = None
        consultation.sequence += 1
        consultation.save(
            update_fields=[
                "state",
                "cancel_reason",
                "cancelled_by",
                "proposed_slot",
                "proposed_by",
                "proposed_at",
                "sequence",
                "updated_at",
            ]
        )
        _record(consultation, event="cancelled", from_state=previous, by=by, note=reason)
        reminders_cancel(consultation=consultation)
        consultation_notify(consultation=consultation, event="cancelled", actor=by, note=reason)
        return consultation


def consultation_reschedule_propose(
    *,
    consultation: Consultation,
    by: User,
    slot: Slot,
    now: datetime.datetime | None = None,
) -> Consultation:
    """One side proposes another free slot of the same expert; the other side accepts or
    refuses it. Codes: ``forbidden``, ``invalid_transition``, ``slot_*``."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _lock(consultation)
        _require(consultation_sides(consultation=consultation, user=by), ENTERPRISE, EXPERT, STAFF)
        _check_transition(consultation, "reschedule_propose")
        if consultation.expert_id is None:
            raise ConsultationError(
                _("An expert must be assigned before a time is proposed."), code="no_expert"
            )
        locked = _slot_lock_and_check(
            slot_id=slot.pk,
            service=consultation.service,
            expert=consultation.expert,
            exclude=consultation,
            now=now,
        )
        consultation.proposed_slot = locked
        consultation.proposed_by = by
        consultation.proposed_at = now
        consultation.save(
            update_fields=["proposed_slot", "proposed_by", "proposed_at", "updated_at"]
        )
        note = f"{timezone.localtime(locked.starts_at):%Y-%m-%d %H:%M}"
        _record(
            consultation,
            event="reschedule_proposed",
            from_state=consultation.state,
            by=by,
            note=note,
        )
        consultation_notify(consultation=consultation, event="reschedule_proposed", actor=by)
        return consultation


def _proposer_side(consultation: Consultation) -> str:
    proposer = consultation.proposed_by
    if proposer is None:
        return STAFF
    sides = consultation_sides(consultation=consultation, user=proposer)
    return ENTERPRISE if ENTERPRISE in sides and EXPERT not in sides else EXPERT


def consultation_reschedule_respond(
    *,
    consultation: Consultation,
    by: User,
    accept: bool,
    now: datetime.datetime | None = None,
) -> Consultation:
    """The side that did not propose accepts (the consultation moves to the proposed slot,
    ``sequence`` + 1) or refuses (the proposal is dropped). Staff and the expert answer an
    enterprise's proposal; the enterprise answers the expert's or staff's.
    Codes: ``no_proposal``, ``forbidden``, ``slot_taken``, ``overlap``."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _lock(consultation)
        sides = consultation_sides(consultation=consultation, user=by)
        _check_transition(consultation, "reschedule_respond")
        if consultation.proposed_slot_id is None:
            raise ConsultationError(_("No new time has been proposed."), code="no_proposal")
        proposer = _proposer_side(consultation)
        if proposer == ENTERPRISE:
            _require(sides, EXPERT, STAFF)
        else:
            _require(sides, ENTERPRISE)
        if by.pk == consultation.proposed_by_id:
            raise ConsultationError(_("The other side answers a proposal."), code="forbidden")
        slot_id = consultation.proposed_slot_id
        consultation.proposed_slot = None
        consultation.proposed_by = None
        consultation.proposed_at = None
        fields = ["proposed_slot", "proposed_by", "proposed_at"]
        if not accept:
            consultation.save(update_fields=[*fields, "updated_at"])
            _record(consultation, event="reschedule_refused", from_state=consultation.state, by=by)
            consultation_notify(consultation=consultation, event="reschedule_refused", actor=by)
            return consultation
        locked = _slot_lock_and_check(
            slot_id=slot_id,
            service=consultation.service,
            expert=consultation.expert,
            exclude=consultation,
            now=now,
        )
        _move_to_slot(consultation, locked)
        consultation.sequence += 1
        if consultation.state == State.CONFIRMED:
            _check_no_overlap(consultation)
        _save_guarded(
            consultation, [*fields, "slot", "expert", "starts_at", "ends_at", "mode", "sequence"]
        )
        note = f"{timezone.localtime(locked.starts_at):%Y-%m-%d %H:%M}"
        _record(consultation, event="rescheduled", from_state=consultation.state, by=by, note=note)
        if consultation.state == State.CONFIRMED:
            # The reminders move with the new start (a requested one has none yet).
            reminders_replan(consultation=consultation)
        consultation_notify(consultation=consultation, event="rescheduled", actor=by)
        return consultation


def consultation_complete(
    *,
    consultation: Consultation,
    by: User,
    summary: str,
    recommendations: str = "",
    now: datetime.datetime | None = None,
) -> Consultation:
    """The expert writes the summary once the consultation has started (``too_early``)."""
    now = now or timezone.now()
    summary = (summary or "").strip()
    with transaction.atomic():
        consultation = _lock(consultation)
        _require(consultation_sides(consultation=consultation, user=by), EXPERT)
        target = _next_state(consultation, "complete")
        assert consultation.starts_at is not None  # confirmed: it has a time (model constraint)
        if now < consultation.starts_at:
            raise ConsultationError(_("The consultation has not started yet."), code="too_early")
        if not summary:
            raise ConsultationError(_("Write a short summary."), code="summary_required")
        previous = consultation.state
        consultation.state = target
        consultation.summary = summary
        consultation.recommendations = (recommendations or "").strip()
        consultation.completed_at = now
        consultation.save(
            update_fields=["state", "summary", "recommendations", "completed_at", "updated_at"]
        )
        _record(consultation, event="completed", from_state=previous, by=by)
        reminders_cancel(consultation=consultation)
        consultation_notify(consultation=consultation, event="completed", actor=by)
        return consultation


def consultation_mark_no_show(
    *, consultation: Consultation, by: User, now: datetime.datetime | None = None
) -> Consultation:
    """The expert records that the enterprise did not come (after the start only)."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _lock(consultation)
        _require(consultation_sides(consultation=consultation, user=by), EXPERT)
        target = _next_state(consultation, "no_show")
        assert consultation.starts_at is not None  # confirmed: it has a time (model constraint)
        if now < consultation.starts_at:
            raise ConsultationError(_("The consultation has not started yet."), code="too_early")
        previous = consultation.state
        consultation.state = target
        consultation.save(update_fields=["state", "updated_at"])
        _record(consultation, event="no_show", from_state=previous, by=by)
        reminders_cancel(consultation=consultation)
        consultation_notify(consultation=consultation, event="no_show", actor=by)
        return consultation


def consultation_rate(
    *,
    consultation: Consultation,
    by: User,
    rating: int,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Consultation:
    """A member of the enterprise rates a completed consultation once, on the five levels
    of ``ratings`` (5 very satisfied ... 1 very dissatisfied): one ``ratings.Rating`` row.
    Codes: ``forbidden``, ``invalid_transition``, and those of ``ratings.services.rating_submit``
    (``invalid_level``, ``already_rated``, ``not_allowed``)."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _lock(consultation)
        _require(consultation_sides(consultation=consultation, user=by), ENTERPRISE)
        _check_transition(consultation, "rate")
        given = rating_submit(
            kind="consultation",
            object_id=consultation.pk,
            level=rating,
            comment=comment,
            by=by,
            now=now,
        )
        _record(
            consultation,
            event="rated",
            from_state=consultation.state,
            by=by,
            note=str(given.get_level_display()),
        )
        consultation_notify(consultation=consultation, event="rated", actor=by)
        return consultation


def consultation_assign(
    *,
    consultation: Consultation,
    by: User,
    expert: Expert,
    slot: Slot | None = None,
    now: datetime.datetime | None = None,
) -> Consultation:
    """Staff (perm ``consultations.assign_consultation``) assign an expert to a team-assign
    request, or reassign one; optionally on one of the expert's slots. The consultation is
    (again) requested: the expert confirms it. Without a slot, a time kept from before stays
    only if the expert is unchanged. Codes: ``forbidden``, ``invalid_transition``,
    ``slot_*``."""
    now = now or timezone.now()
    if not by.has_perm("consultations.assign_consultation"):
        raise ConsultationError(_("You may not assign experts."), code="forbidden")
    with transaction.atomic():
        consultation = _lock(consultation)
        target = _next_state(consultation, "assign")
        previous = consultation.state
        previous_expert = consultation.expert
        if slot is not None:
            locked = _slot_lock_and_check(
                slot_id=slot.pk,
                service=consultation.service,
                expert=expert,
                exclude=consultation,
                now=now,
            )
            _move_to_slot(consultation, locked)
        else:
            if consultation.expert_id != expert.pk:
                consultation.slot = None
                consultation.starts_at = None
                consultation.ends_at = None
                consultation.mode = ""
            consultation.expert = expert
        consultation.state = target
        consultation.proposed_slot = None
        consultation.proposed_by = None
        consultation.proposed_at = None
        consultation.sequence += 1
        _save_guarded(
            consultation,
            [
                "state",
                "expert",
                "slot",
                "starts_at",
                "ends_at",
                "mode",
                "proposed_slot",
                "proposed_by",
                "proposed_at",
                "sequence",
            ],
        )
        _record(consultation, event="assigned", from_state=previous, by=by, note=expert.name)
        # A confirmed consultation goes back to requested: its reminder rows stay, but the
        # sender skips them while it is not confirmed (``reminders.services``), and the
        # new expert's confirmation moves them to the (possibly new) time.
        extra: tuple[User, ...] = ()
        if previous_expert is not None and previous_expert.pk != expert.pk and previous_expert.user:
            extra = (previous_expert.user,)
        consultation_notify(consultation=consultation, event="assigned", actor=by, extra=extra)
        return consultation


def consultations_escalate(*, now: datetime.datetime | None = None) -> int:
    """Requests nobody acted on for ``CONSULTATION_ESCALATE_AFTER_HOURS`` go to the
    regulators (every active member of "Regulator approvers" and "Regulator editors").
    Each consultation is escalated once. Returns how many were escalated."""
    now = now or timezone.now()
    cutoff = now - escalate_after()
    candidates = (
        Consultation.objects.filter(state=State.REQUESTED, escalated_at__isnull=True)
        .annotate(last_change=Max("changes__created_at"))
        .filter(Q(last_change__lt=cutoff) | Q(last_change__isnull=True, created_at__lt=cutoff))
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in list(candidates):
        with transaction.atomic():
            # Conditional update: two runs at once escalate each consultation once.
            if not Consultation.objects.filter(
                pk=pk, state=State.REQUESTED, escalated_at__isnull=True
            ).update(escalated_at=now):
                continue
            consultation = Consultation.objects.select_related(
                "expert", "enterprise", "requested_by"
            ).get(pk=pk)
            _record(consultation, event="escalated", from_state=consultation.state)
            consultation_notify_staff(consultation=consultation)
            count += 1
    return count


def consultations_request_completion(*, now: datetime.datetime | None = None) -> int:
    """Ask the expert to complete (or mark as a no-show) each confirmed consultation that
    ended more than ``CONSULTATION_COMPLETION_GRACE_MINUTES`` (default 30) ago. Asked once
    per consultation (``completion_requested_at``); the expert's linked account gets one
    notification and e-mail linking to the consultation's page, where the "complete" and
    "no-show" actions are. A consultation whose expert has no active linked account is
    recorded as asked without a notification. Returns how many were asked."""
    now = now or timezone.now()
    candidates = Consultation.objects.filter(
        state=State.CONFIRMED,
        ends_at__lt=now - completion_grace(),
        completion_requested_at__isnull=True,
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(candidates):
        with transaction.atomic():
            # Conditional update: two beat schedulers (or a run overlapping a slow one)
            # race here and only one of them sets the time and notifies; a consultation
            # completed meanwhile is skipped.
            if not Consultation.objects.filter(
                pk=pk, state=State.CONFIRMED, completion_requested_at__isnull=True
            ).update(completion_requested_at=now, updated_at=now):
                continue
            consultation = Consultation.objects.select_related(
                "expert__user", "enterprise", "requested_by"
            ).get(pk=pk)
            _record(consultation, event="completion_requested", from_state=consultation.state)
            _notify_completion_request(consultation)
            count += 1
    return count


def _notify_completion_request(consultation: Consultation) -> bool:
    expert = consultation.expert  # None without a query when no expert is assigned
    user = expert.user if expert is not None else None
    if user is None or not user.is_active:
        return False
    language = user_language(user)
    notify(
        user=user,
        template="consultation_completion_request",
        context={
            "consultation": consultation,
            "greeting_name": consultation_greeting_name(consultation, user, language),
        },
        url=consultation_url(consultation, language),
    )
    return True
