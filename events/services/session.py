"""Changes to a whole session: its time moved when the activity page was published, or the
organiser cancelled it. Both notify every registrant through a ``reminders.Broadcast``,
planned in batches by tasks (``broadcast_plan_batch``), which call
``registrations_apply_session_notice`` for each batch.

``SessionState`` is the snapshot of what registrants were last told. It is kept apart from
``Session`` because a session's fields are written back from page revisions whenever an
editor publishes; a cancellation stored on the session itself could be undone that way.

Lock order, as in the registration services: the session row first, then its state row
and registrations. A registration that arrives while a session is being cancelled waits
for the session lock and then finds the session cancelled.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.audit import SESSION_CANCEL, SESSION_MOVE
from events.availability import availability_forget_on_commit
from events.exceptions import SessionError
from events.models import Registration, RegistrationChange, Session, SessionState
from events.services.notices import registration_audiences
from events.services.registration import HISTORY_NOTE_MAX, registration_change_event
from portal.audit import audit_log
from portal.history import state_change_build, state_changes_create
from portal.pagecache import pagecache_purge
from portal.queueing import task_queue_on_commit
from portal.signals import session_changed
from reminders.models import Broadcast, Reminder
from reminders.services import (
    broadcasts_finish,
    reminders_cancel,
    reminders_enqueue_on_commit,
    reminders_replan,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOTICE_KINDS = ("changed", "cancelled")
NOTICE_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)


def _local(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _span(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    return f"{_local(starts_at)}–{timezone.localtime(ends_at):%H:%M}"


def _session_span(session: Session) -> str:
    return _span(session.starts_at, session.ends_at)


def _user_or_none(by):
    return by if by is not None and by.is_authenticated else None


def _state_locked(session: Session) -> tuple[SessionState, bool]:
    """The session's state row, locked; created from the session's current times (nothing
    to tell anyone) when missing. Call holding the session's lock."""
    return SessionState.objects.select_for_update().get_or_create(
        session=session,
        defaults={
            "notified_starts_at": session.starts_at,
            "notified_ends_at": session.ends_at,
        },
    )


def session_schedule_check(*, session_id: int, by=None) -> Broadcast | None:
    """Compare the session's time with what registrants were last told; when the start or
    the end moved, record the new time and start a "changed" broadcast (every confirmed
    or waitlisted registrant gets a change notice with an updated calendar file, and
    their pending reminders move with the session).

    A session seen for the first time gets its snapshot and no notice. A cancelled
    session gets none either (its registrations are cancelled). Returns the broadcast,
    or None when there is nothing to tell. Audit log: ``events.session_move``.
    """
    with transaction.atomic():
        # Locked: two publishes of the same page at the same time (an editor and the
        # scheduled-publishing job) would otherwise both see the old snapshot and start
        # two broadcasts.
        session = Session.objects.select_for_update(no_key=True).filter(pk=session_id).first()
        if session is None:
            return None
        state, created = _state_locked(session)
        if created or state.cancelled_at is not None:
            return None
        if (
            state.notified_starts_at == session.starts_at
            and state.notified_ends_at == session.ends_at
        ):
            return None
        before = _span(state.notified_starts_at, state.notified_ends_at)
        after = _span(session.starts_at, session.ends_at)
        state.notified_starts_at = session.starts_at
        state.notified_ends_at = session.ends_at
        state.save(update_fields=["notified_starts_at", "notified_ends_at"])
        broadcast = broadcast_start(
            session=session, kind="changed", by=_user_or_none(by), note=f"{before} -> {after}"
        )
        session_changed.send(
            sender=Session,
            session=session,
            kind="changed",
            key=f"notice-{broadcast.pk}",
            at=broadcast.created_at,
            reason="",
        )
        audit_log(
            instance=session,
            action=SESSION_MOVE,
            by=by,  # None when the scheduled-publishing job published the page
            data={
                "session_id": session.pk,
                "activity_id": session.activity_id,
                "from": before,
                "to": after,
                "registrations": broadcast.total,
            },
            label=str(session),
        )
        return broadcast


def session_checks_for_activity(*, activity, by=None) -> list[Broadcast]:
    """``session_schedule_check`` for every session of an activity (in any language: the
    sessions live on the default-language page). Returns the broadcasts started."""
    from events.selectors import session_ids_for_activity

    broadcasts = []
    session_ids = session_ids_for_activity(activity=activity)
    # The editor may have changed a session's places: count them again.
    availability_forget_on_commit(session_ids)
    for session_id in session_ids:
        broadcast = session_schedule_check(session_id=session_id, by=by)
        if broadcast is not None:
            broadcasts.append(broadcast)
    return broadcasts


def session_cancel(
    *, session_id: int, by, reason: str, now: datetime.datetime | None = None
) -> Broadcast:
    """The organiser cancels a session: it takes no more registrations, and every confirmed
    or waitlisted registration is cancelled (no waiting-list promotion) and notified, in
    batches, with the reason.

    Error codes (``SessionError``): ``reason_required``, ``not_found``, ``ended`` (the
    session is over), ``already_cancelled``. Audit log: ``events.session_cancel``.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise SessionError(
            _("Give a reason: it is sent to every registrant."), code="reason_required"
        )
    now = now or timezone.now()
    with transaction.atomic():
        # The session lock first: registration services take it before checking whether
        # the session is cancelled, so none can slip in between the check and this update.
        session = Session.objects.select_for_update(no_key=True).filter(pk=session_id).first()
        if session is None:
            raise SessionError(_("This session does not exist."), code="not_found")
        state, _created = _state_locked(session)
        if state.cancelled_at is not None:
            raise SessionError(
                _("This session has already been cancelled."), code="already_cancelled"
            )
        if now >= session.ends_at:
            raise SessionError(
                _("This session is over and can no longer be cancelled."), code="ended"
            )
        limit = SessionState._meta.get_field("cancel_reason").max_length
        state.cancelled_at = now
        state.cancelled_by = _user_or_none(by)
        state.cancel_reason = reason[:limit]
        state.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        pagecache_purge()  # the activity page must say "cancelled" at once
        availability_forget_on_commit([session.pk])
        broadcast = broadcast_start(
            session=session, kind="cancelled", by=_user_or_none(by), note=reason[:200]
        )
        session_changed.send(
            sender=Session,
            session=session,
            kind="cancelled",
            key=f"notice-{broadcast.pk}",
            at=now,
            reason=state.cancel_reason,
        )
        audit_log(
            instance=session,
            action=SESSION_CANCEL,
            by=by,
            data={
                "session_id": session.pk,
                "activity_id": session.activity_id,
                "registrations": broadcast.total,
                "reason": state.cancel_reason,
            },
            label=str(session),
        )
        return broadcast


def registrations_apply_session_notice(
    *, registration_ids: list[int], kind: str, by=None
) -> list[Registration]:
    """Apply a session notice to a batch of registrations; returns those it applied to
    (still confirmed or waitlisted), which are the ones to notify.

    ``changed``: a history row (same status, the new time) that also makes the calendar
    file a newer revision (``SEQUENCE``), and the pending reminders move to the new time.
    ``cancelled``: the registration is cancelled with a history row (no waiting-list
    promotion: the whole session is cancelled) and its pending reminders are cancelled.
    Call inside the batch's transaction or let this open one.
    """
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown session notice kind {kind!r}")
    ids = sorted(set(registration_ids))
    if not ids:
        return []
    changed_by = _user_or_none(by)
    with transaction.atomic():
        session_ids = sorted(
            set(
                Registration.objects.filter(pk__in=ids)
                .values_list("session_id", flat=True)
                .distinct()
            )
        )
        # Session rows first, in pk order (as registration_move does), then the
        # registrations: a cancellation or move of one of them waits for this batch,
        # then sees its new status.
        locking = Session.objects.select_for_update(no_key=True)
        sessions = {
            s.pk: s for s in (locking.filter(pk=pk).first() for pk in session_ids) if s is not None
        }
        availability_forget_on_commit(sessions)
        registrations = list(
            Registration.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, status__in=NOTICE_STATUSES)
            .order_by("pk")
        )
        if not registrations:
            return []
        for registration in registrations:
            registration.session = sessions[registration.session_id]
        now = timezone.now()
        if kind == "changed":
            state_changes_create(
                RegistrationChange,
                [
                    state_change_build(
                        RegistrationChange,
                        registration=r,
                        event=registration_change_event(r.status, r.status),
                        from_state=r.status,
                        to_state=r.status,
                        at=now,
                        by=changed_by,
                        note=f"session time changed to {_session_span(r.session)}",
                    )
                    for r in registrations
                ],
            )
            for registration in registrations:
                reminders_replan(registration=registration)
            return registrations

        reasons = dict(
            SessionState.objects.filter(session_id__in=sessions).values_list(
                "session_id", "cancel_reason"
            )
        )
        Registration.objects.filter(
            pk__in=[r.pk for r in registrations], status__in=NOTICE_STATUSES
        ).update(status=Registration.Status.CANCELLED, updated_at=now)
        limit = HISTORY_NOTE_MAX
        changes = []
        for registration in registrations:
            note = f"session cancelled by the organiser: {reasons.get(registration.session_id, '')}"
            changes.append(
                state_change_build(
                    RegistrationChange,
                    registration=registration,
                    event=registration_change_event(
                        registration.status, Registration.Status.CANCELLED
                    ),
                    from_state=registration.status,
                    to_state=Registration.Status.CANCELLED,
                    at=now,
                    by=changed_by,
                    note=note if len(note) <= limit else note[: limit - 1] + "…",
                )
            )
            registration.status = Registration.Status.CANCELLED
            registration.updated_at = now
        state_changes_create(RegistrationChange, changes)
        for registration in registrations:
            reminders_cancel(registration=registration)
        return registrations


# --- Session notices ------------------------------------------------------------------------


def broadcast_start(
    *, session: Session, kind: str, by: User | None = None, note: str = ""
) -> Broadcast:
    """Record a notice to every registrant (confirmed or waiting) of ``session`` and plan it
    in batches from a task once the transaction commits."""
    if kind not in Broadcast.Kind.values:
        raise ValueError(f"unknown broadcast kind {kind!r}")
    broadcast = Broadcast.objects.create(
        session=session,
        kind=kind,
        created_by=by,
        note=note[:200],
        total=Registration.objects.filter(session=session, status__in=NOTICE_STATUSES).count(),
    )
    from events.tasks import broadcast_plan_task  # the tasks module imports this one

    # With the broker down, the sweep plans it (``broadcasts_resume``).
    task_queue_on_commit(broadcast_plan_task, broadcast_id=broadcast.pk)
    return broadcast


def broadcast_plan_batch(*, broadcast_id: int) -> bool:
    """Plan the next ``NOTICE_BATCH_SIZE`` registrations of a broadcast; True while more remain.

    One transaction per batch, holding the broadcast's row lock: the registrations are
    changed (``registrations_apply_session_notice``), their notice rows created and the
    cursor advanced together, so a task retried after a crash continues where the last
    committed batch ended and never notifies a registration twice (unique keys as well).
    """
    batch_size = settings.NOTICE_BATCH_SIZE
    now = timezone.now()
    created_ids: list[int] = []
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().filter(pk=broadcast_id).first()
        if broadcast is None or broadcast.state != Broadcast.State.PLANNING:
            return False
        ids = list(
            Registration.objects.filter(
                session_id=broadcast.session_id, pk__gt=broadcast.cursor, status__in=NOTICE_STATUSES
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            registrations = registrations_apply_session_notice(
                registration_ids=ids, kind=broadcast.kind, by=broadcast.created_by
            )
            rows = [
                Reminder(
                    key=f"registration:{registration.pk}:b{broadcast.pk}:{audience}:{channel}",
                    registration_id=registration.pk,
                    broadcast=broadcast,
                    purpose=broadcast.kind,
                    audience=audience,
                    channel=channel,
                    starts_at=registration.session.starts_at,
                    due_at=now,
                    queued_at=now,
                )
                for registration in registrations
                for audience, channel in registration_audiences(registration)
            ]
            Reminder.objects.bulk_create(rows, ignore_conflicts=True)
            created_ids = list(
                Reminder.objects.filter(
                    broadcast=broadcast, registration_id__in=ids, queued_at=now
                ).values_list("pk", flat=True)
            )
            broadcast.cursor = ids[-1]
            broadcast.planned += len(ids)
        more = len(ids) == batch_size
        if not more:
            broadcast.state = Broadcast.State.SENDING
        broadcast.save(update_fields=["cursor", "planned", "state"])
        # Notices are due now: hand them to the mail queue at once rather than waiting for
        # the next sweep (which would pick them up too, should these messages get lost).
        reminders_enqueue_on_commit(reminder_ids=created_ids)
    if not more:
        broadcasts_finish(broadcast_id=broadcast_id)
    return more


# A notice still planning this long after it started has lost its chain of planning tasks
# (the broker refused or lost a message): the sweep plans it on.
BROADCAST_RESUME_AFTER = datetime.timedelta(minutes=2)


def broadcasts_resume(*, now: datetime.datetime, budget: float) -> int:
    """Plan the session notices whose planning stopped, batch by batch, until each is
    planned or ``budget`` seconds were spent; returns the batches planned. Harmless next to
    a planning task still running: each batch holds the notice's row lock and moves its
    cursor, and the rows' unique keys refuse a second copy."""
    started = time.monotonic()
    batches = 0
    stalled = Broadcast.objects.filter(
        state=Broadcast.State.PLANNING, created_at__lt=now - BROADCAST_RESUME_AFTER
    ).values_list("pk", flat=True)
    for broadcast_id in list(stalled):
        more = True
        while more and time.monotonic() - started < budget:
            more = broadcast_plan_batch(broadcast_id=broadcast_id)
            batches += 1
    return batches
