"""Plan, send and retry reminders and session notices, exactly once.

Planning writes one ``Reminder`` row per (target, purpose, offset or broadcast, audience,
channel); the row's unique ``key`` makes planning idempotent. Sending happens in two steps:

1. ``reminders_send_due`` (beat, every minute) follows up registrations whose wake-up
   was lost (``registration_followups_run``), releases rows stuck in "sending" after a
   worker died, then hands the due pending rows to the mail queue in batches of
   ``REMINDER_BATCH_SIZE`` (``reminder_send_batch_task``), marking ``queued_at`` so the
   next sweep does not hand them over again while the task waits in the broker. A lost
   broker message costs a few minutes, never the reminder: after ``REMINDER_REQUEUE_AFTER`` the
   sweep hands the row over again.
2. ``reminders_send_batch`` (and ``reminder_send`` for one row) claims each row with one
   conditional ``UPDATE ... WHERE state = 'pending'``, right before sending it. Only one
   caller can turn a row from pending into sending: two workers, two beat schedulers, a
   duplicated broker message or a retried task all get 0 rows updated and skip the row.
   The database is the source of truth; tasks only say "look at rows n, m, ... now".

A failed send goes back to pending with ``retry_at`` (exponential backoff) until
``REMINDER_MAX_ATTEMPTS``, then becomes failed and shows in the admin for staff to retry.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format

from consultations.models import Consultation
from events.models import Registration, SessionState
from events.selectors import rendering_cache, session_is_cancelled
from labvisits.models import LabVisit
from portal.mail import email_render
from portal.queueing import task_queue, task_queue_on_commit
from reminders.letters import letter_message
from reminders.models import Broadcast, Letter, Reminder

logger = logging.getLogger(__name__)

# One sweep hands over at most this many rows, and starts no new batch after this many
# seconds (half the beat interval): a backlog is cleared over a few sweeps, never by two
# long sweeps running side by side.
SWEEP_LIMIT = 200_000
SWEEP_BUDGET = 30.0
NOTICE_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)

Target = Registration | Consultation | LabVisit


class Outcome:
    SENT = "sent"
    SKIPPED = "skipped"
    RETRY = "retry"
    FAILED = "failed"
    # Not claimed: someone else has it, it is not due (yet), or it is no longer pending.
    BUSY = "busy"


# --- Planning -------------------------------------------------------------------------------


def _one_target(registration, consultation, lab_visit) -> tuple[str, Target]:
    given = [
        (kind, target)
        for kind, target in (
            ("registration", registration),
            ("consultation", consultation),
            ("lab_visit", lab_visit),
        )
        if target is not None
    ]
    if len(given) != 1:
        raise ValueError("pass exactly one of registration, consultation, lab_visit")
    return given[0]


def _target_filter(kind: str, target: Target) -> dict:
    return {f"{kind}_id": target.pk}


def _starts_at(kind: str, target: Target) -> datetime.datetime | None:
    if kind == "registration":
        return target.session.starts_at
    if kind == "consultation":
        return target.starts_at
    return target.slot.starts_at


def _is_plannable(kind: str, target: Target) -> bool:
    """Reminders are for registrations holding a confirmed place in a session that was not
    cancelled, confirmed consultations and approved lab visits."""
    if kind == "registration":
        return target.status == Registration.Status.CONFIRMED and not session_is_cancelled(
            session=target.session
        )
    if kind == "consultation":
        return target.state == Consultation.State.CONFIRMED and target.starts_at is not None
    return target.state == LabVisit.State.APPROVED


def _audiences(kind: str, target: Target) -> list[tuple[str, str]]:
    """(audience, channel) pairs the target's reminders go to, by the addresses known now."""
    Audience, Channel = Reminder.Audience, Reminder.Channel
    pairs = []
    if kind == "registration":
        if target.email:
            pairs.append((Audience.REGISTRANT, Channel.EMAIL))
        if target.phone:
            pairs.append((Audience.REGISTRANT, Channel.SMS))
        return pairs
    if target.requested_by.email:
        pairs.append((Audience.REQUESTER, Channel.EMAIL))
    if target.contact_phone:
        pairs.append((Audience.REQUESTER, Channel.SMS))
    if kind == "consultation":
        expert_user = _expert_user(target)
        if expert_user is not None and expert_user.email:
            pairs.append((Audience.EXPERT, Channel.EMAIL))
    return pairs


def _expert_user(consultation: Consultation) -> AbstractBaseUser | None:
    expert = consultation.expert
    if expert is None or not expert.user_id or not expert.user.is_active:
        return None
    return expert.user


def _reminder_key(kind: str, target: Target, offset: int, audience: str, channel: str) -> str:
    return f"{kind}:{target.pk}:r{offset}:{audience}:{channel}"


def _notice_key(registration_id: int, broadcast_id: int, audience: str, channel: str) -> str:
    return f"registration:{registration_id}:b{broadcast_id}:{audience}:{channel}"


def reminders_plan(
    *,
    registration: Registration | None = None,
    consultation: Consultation | None = None,
    lab_visit: LabVisit | None = None,
    fresh: bool = False,
) -> int:
    """Create the pending reminders of one target; returns how many rows were created.

    One row per offset of ``REMINDER_OFFSETS[kind]`` whose due time is still ahead, per
    audience and channel the target has an address for. Safe to call again: rows that
    exist are left alone (unique ``key``, ``ignore_conflicts``). ``fresh``: the target
    was created in the caller's transaction, so it has no reminders yet; the rows are
    inserted without looking for existing ones (a clash would be an error).
    """
    kind, target = _one_target(registration, consultation, lab_visit)
    if not _is_plannable(kind, target):
        return 0
    starts_at = _starts_at(kind, target)
    now = timezone.now()
    rows = []
    for offset in settings.REMINDER_OFFSETS.get(kind, ()):
        due_at = starts_at - datetime.timedelta(minutes=offset)
        if due_at <= now:
            continue
        for audience, channel in _audiences(kind, target):
            rows.append(
                Reminder(
                    key=_reminder_key(kind, target, offset, audience, channel),
                    purpose=Reminder.Purpose.REMINDER,
                    offset_minutes=offset,
                    audience=audience,
                    channel=channel,
                    starts_at=starts_at,
                    due_at=due_at,
                    **_target_filter(kind, target),
                )
            )
    if not rows:
        return 0
    if fresh:
        Reminder.objects.bulk_create(rows)
        return len(rows)
    keys = [row.key for row in rows]
    existing = set(Reminder.objects.filter(key__in=keys).values_list("key", flat=True))
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    # bulk_create(ignore_conflicts=True) does not say which rows it inserted.
    return len(set(keys) - existing)


# --- Follow-ups of registrations confirmed in a request --------------------------------------

FOLLOWUP_WAKE_KEY = "reminders:followups:wake"
# A wake-up in flight stops the next ones for at most this long: if its message is lost
# (the broker was down), the next registration after this sends another; the sweep, every
# minute, follows up whatever is left meanwhile.
FOLLOWUP_WAKE_SECONDS = 30
FOLLOWUP_BATCH = 200


def _ticket_key(registration_id: int) -> str:
    return f"registration:{registration_id}:ticket:registrant:email"


# The registrant's e-mail of each registration notice, by the ``kind`` of
# ``events.notifications.registration_message``.
REGISTRATION_NOTICES = {
    "confirmed": Reminder.Purpose.TICKET,
    "waitlisted": Reminder.Purpose.WAITLISTED,
    "promoted": Reminder.Purpose.PROMOTED,
    "changed": Reminder.Purpose.REGISTRATION_CHANGED,
    "cancelled": Reminder.Purpose.REGISTRATION_CANCELLED,
    "moved": Reminder.Purpose.MOVED,
}
# The registration notices that also exist as a text message (``templates/sms/``).
SMS_NOTICES = {Reminder.Purpose.TICKET, Reminder.Purpose.WAITLISTED}
# The other way round, with the reminders and the session notices.
_MESSAGE_KINDS = {
    **{purpose: kind for kind, purpose in REGISTRATION_NOTICES.items()},
    Reminder.Purpose.REMINDER: "reminder",
    Reminder.Purpose.CHANGED: "session_changed",
    Reminder.Purpose.CANCELLED: "session_cancelled",
}


def registration_notice_plan(
    *, registration: Registration, kind: str, channel: str = Reminder.Channel.EMAIL
) -> Reminder | None:
    """The registrant's message about a change of their registration (``kind``: a key of
    ``REGISTRATION_NOTICES``; an e-mail, or for the ticket sent again a text message), as a
    row written in the caller's transaction, so it exists exactly when the change does, and
    handed to the mail queue once that commits. With the broker down the row waits for the
    sweep. None when there is no address for ``channel``."""
    purpose = REGISTRATION_NOTICES[kind]
    if channel == Reminder.Channel.SMS and purpose not in SMS_NOTICES:
        raise ValueError(f"no text message for {kind!r}")
    address = registration.phone if channel == Reminder.Channel.SMS else registration.email
    if not address:
        return None
    now = timezone.now()
    row = Reminder.objects.create(
        # One row per notice: the same kind may be sent again for a later change.
        key=f"registration:{registration.pk}:{purpose}:{channel}:{uuid.uuid4().hex}",
        registration=registration,
        purpose=purpose,
        audience=Reminder.Audience.REGISTRANT,
        channel=channel,
        starts_at=registration.session.starts_at,
        due_at=now,
        queued_at=now,
    )
    _enqueue_on_commit([row.pk])
    return row


def letters_write(*, fields: list[dict]) -> list[Reminder]:
    """Store composed e-mails in the outbox (``reminders.backends.OutboxEmailBackend`` calls
    this with ``reminders.letters.letter_fields`` of each): a ``Letter`` and its row each,
    written in the caller's transaction and handed to the mail queue once it commits."""
    now = timezone.now()
    rows = []
    for message in fields:
        letter = Letter.objects.create(
            subject=message["subject"][:300],
            message=message,
            recipients=len(message["to"]) + len(message["cc"]) + len(message["bcc"]),
        )
        rows.append(
            Reminder.objects.create(
                key=f"letter:{letter.pk}",
                letter=letter,
                purpose=Reminder.Purpose.LETTER,
                audience=Reminder.Audience.ADDRESSEE,
                channel=Reminder.Channel.EMAIL,
                due_at=now,
                queued_at=now,
            )
        )
    _enqueue_on_commit([row.pk for row in rows])
    return rows


def text_write(
    *,
    phone: str,
    template: str,
    params: dict[str, str],
    language: str,
    expires_at: datetime.datetime | None = None,
) -> Reminder:
    """Store a text message (template ``template`` of ``reminders.sms.TEMPLATES`` with
    ``params``) for ``phone`` in the outbox: a ``Letter`` and its row, written in the
    caller's transaction and handed to the mail queue once it commits. Not sent after
    ``expires_at`` (a verification code nobody can use any more); emptied once sent, so a
    code does not stay readable in the database."""
    from reminders.sms import TEMPLATES

    TEMPLATES[template]  # noqa: B018 - an unknown template fails here, not in the worker
    message = {
        "text": True,
        "template": template,
        "params": params,
        "language": language,
        "to": [phone],
        "cc": [],
        "bcc": [],
        "expires_at": expires_at.isoformat() if expires_at else None,
    }
    letter = Letter.objects.create(subject=template, message=message, recipients=1)
    now = timezone.now()
    row = Reminder.objects.create(
        key=f"letter:{letter.pk}",
        letter=letter,
        purpose=Reminder.Purpose.LETTER,
        audience=Reminder.Audience.ADDRESSEE,
        channel=Reminder.Channel.SMS,
        due_at=now,
        queued_at=now,
    )
    _enqueue_on_commit([row.pk])
    return row


def registration_followups_wake() -> None:
    """Call after the commit of a registration marked ``followup_pending``: asks a worker to
    follow it up, with at most one wake-up in flight at a time.

    With a shared cache (Redis), the first registration after a run adds the key and sends
    the one message; the others find the key and send nothing, and the run that message
    starts follows all of them up. The worker deletes the key before it reads the pending
    rows (``registration_followups_run``), so a registration committed after that read adds
    the key again and wakes it again: none waits for the sweep. A per-process cache cannot
    be shared with the worker, so there every registration sends its own wake-up.

    A broker that cannot take the message costs nothing but time: the registration is
    committed with its marker, and the sweep follows it up once the broker is back.
    """
    from reminders.tasks import registration_followups_task

    if not isinstance(caches["default"], LocMemCache):
        try:
            if not cache.add(FOLLOWUP_WAKE_KEY, 1, timeout=FOLLOWUP_WAKE_SECONDS):
                return
        except Exception:  # noqa: BLE001 - without the cache, wake the worker anyway
            logger.warning("Could not reach the cache for the follow-up wake-up")
    # The marker is in the database: with the broker down, the sweep finds it.
    task_queue(registration_followups_task)


def registration_followups_run(*, limit: int = 10_000) -> int:
    """Follow up registrations confirmed in a request (``followup_pending``): plan their
    reminders and their ticket e-mail (a ``Reminder`` row of purpose "ticket", handed to
    the mail queue on commit) and clear the marker, all in one transaction per batch, so
    each is followed up exactly once even when two workers run this at the same time
    (``SKIP LOCKED`` on PostgreSQL; SQLite has one writer). Returns how many.

    A registration cancelled in the meantime, or whose session the organiser cancelled,
    gets neither (the cancellation notice tells the person); one whose party changed gets
    the ticket as it is now.
    """
    from events.tickets import ticket_qr_prepare

    try:
        cache.delete(FOLLOWUP_WAKE_KEY)
    except Exception:  # noqa: BLE001 - the key expires on its own; the work is below
        logger.warning("Could not clear the follow-up wake-up key")
    done = 0
    while done < limit:
        with transaction.atomic():
            ids = list(
                Registration.objects.select_for_update(skip_locked=True)
                .filter(followup_pending=True)
                .order_by("pk")
                .values_list("pk", flat=True)[: min(FOLLOWUP_BATCH, limit - done)]
            )
            if not ids:
                break
            registrations = list(
                Registration.objects.filter(pk__in=ids)
                .select_related("session")
                .annotate(cancelled_at=F("session__state__cancelled_at"))
            )
            for registration in registrations:
                # Read with the batch: the checks below (and reminders_plan's) use it
                # instead of a query per registration.
                registration.session.__dict__["session_cancelled_at"] = registration.cancelled_at
            ticket_rows = []
            for registration in registrations:
                if registration.status != Registration.Status.CONFIRMED or (
                    session_is_cancelled(session=registration.session)
                ):
                    # Cancelled meanwhile, by the registrant or with the whole session: the
                    # cancellation notice tells the person; nothing else is sent.
                    continue
                reminders_plan(registration=registration)
                if registration.email:
                    ticket_rows.append(
                        Reminder(
                            key=_ticket_key(registration.pk),
                            registration=registration,
                            purpose=Reminder.Purpose.TICKET,
                            audience=Reminder.Audience.REGISTRANT,
                            channel=Reminder.Channel.EMAIL,
                            starts_at=registration.session.starts_at,
                            due_at=timezone.now(),
                            queued_at=timezone.now(),
                        )
                    )
            Reminder.objects.bulk_create(ticket_rows, ignore_conflicts=True)
            Registration.objects.filter(pk__in=ids).update(followup_pending=False)
            keys = [row.key for row in ticket_rows]
            _enqueue_on_commit(
                list(
                    Reminder.objects.filter(key__in=keys, state=Reminder.State.PENDING)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
            )
        done += len(ids)
        for registration in registrations:
            if registration.status == Registration.Status.CONFIRMED:
                ticket_qr_prepare(
                    ticket_code=registration.ticket_code, language=registration.language
                )
    return done


def reminders_cancel(
    *,
    registration: Registration | None = None,
    consultation: Consultation | None = None,
    lab_visit: LabVisit | None = None,
) -> int:
    """The target was cancelled: its pending reminders, change notices and ticket e-mail
    become cancelled. Cancellation notices stay: they tell the person about the
    cancellation."""
    kind, target = _one_target(registration, consultation, lab_visit)
    return Reminder.objects.filter(
        state=Reminder.State.PENDING,
        purpose__in=(
            Reminder.Purpose.REMINDER,
            Reminder.Purpose.TICKET,
            Reminder.Purpose.CHANGED,
        ),
        **_target_filter(kind, target),
    ).update(state=Reminder.State.CANCELLED, queued_at=None, retry_at=None)


def reminders_replan(
    *,
    registration: Registration | None = None,
    consultation: Consultation | None = None,
    lab_visit: LabVisit | None = None,
) -> int:
    """The target's start time changed: its reminders move with it.

    A reminder whose new due time is still ahead becomes pending at that time (also one
    already sent for the old time: the person is reminded of the new time); a pending one
    whose new due time has passed is skipped. Missing reminders are then planned. Rows
    being sent right now are left to their worker. Returns rows moved plus rows created.
    """
    kind, target = _one_target(registration, consultation, lab_visit)
    if not _is_plannable(kind, target):
        return 0
    starts_at = _starts_at(kind, target)
    now = timezone.now()
    moved = 0
    with transaction.atomic():
        rows = (
            Reminder.objects.select_for_update()
            .filter(
                purpose=Reminder.Purpose.REMINDER,
                state__in=(
                    Reminder.State.PENDING,
                    Reminder.State.SENT,
                    Reminder.State.FAILED,
                    Reminder.State.SKIPPED,
                ),
                **_target_filter(kind, target),
            )
            .exclude(starts_at=starts_at)
        )
        for row in rows:
            due_at = starts_at - datetime.timedelta(minutes=row.offset_minutes or 0)
            if due_at > now:
                changes = {
                    "state": Reminder.State.PENDING,
                    "due_at": due_at,
                    "attempts": 0,
                    "retry_at": None,
                    "queued_at": None,
                    "claimed_at": None,
                    "sent_at": None,
                    "last_error": "",
                }
            elif row.state == Reminder.State.PENDING:
                changes = {"state": Reminder.State.SKIPPED, "due_at": due_at}
            else:
                changes = {"due_at": due_at}
            # The state in the WHERE clause: a worker that claimed the row meanwhile wins.
            moved += Reminder.objects.filter(pk=row.pk, state=row.state).update(
                starts_at=starts_at, **changes
            )
        created = reminders_plan(**{kind: target})
    return moved + created


# --- Session notices ------------------------------------------------------------------------


def broadcast_start(
    *, session, kind: str, by: AbstractBaseUser | None = None, note: str = ""
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
    from reminders.tasks import broadcast_plan_task

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
    from events.services.session import registrations_apply_session_notice

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
                    key=_notice_key(registration.pk, broadcast.pk, audience, channel),
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
                for audience, channel in _audiences("registration", registration)
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
        _enqueue_on_commit(created_ids)
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


def broadcasts_finish(*, broadcast_id: int | None = None) -> int:
    """Broadcasts whose notices are all planned and none pending or being sent are done."""
    broadcasts = Broadcast.objects.filter(state=Broadcast.State.SENDING)
    if broadcast_id is not None:
        broadcasts = broadcasts.filter(pk=broadcast_id)
    return broadcasts.exclude(
        reminders__state__in=(Reminder.State.PENDING, Reminder.State.SENDING)
    ).update(state=Broadcast.State.DONE, finished_at=timezone.now())


# --- Sending --------------------------------------------------------------------------------


def _enqueue_on_commit(reminder_ids: list[int]) -> None:
    """Once the transaction commits, hand the rows to the mail queue in batches of
    ``REMINDER_BATCH_SIZE`` (one ``reminder_send_batch_task`` message per batch)."""

    size = max(settings.REMINDER_BATCH_SIZE, 1)
    for start in range(0, len(reminder_ids), size):
        chunk = list(reminder_ids[start : start + size])
        transaction.on_commit(lambda chunk=chunk: _hand_over(chunk))


def _hand_over(reminder_ids: list[int]) -> None:
    """One batch message to the mail queue. A broker that cannot take it costs time only:
    the rows are marked not handed over, so the next sweep hands them over again."""
    from reminders.tasks import reminder_send_batch_task

    if not task_queue(reminder_send_batch_task, reminder_ids=reminder_ids):
        Reminder.objects.filter(pk__in=reminder_ids, state=Reminder.State.PENDING).update(
            queued_at=None
        )


def _due(now: datetime.datetime) -> Q:
    return Q(state=Reminder.State.PENDING, due_at__lte=now) & (
        Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    )


def _not_queued(now: datetime.datetime) -> Q:
    """Not handed to the mail queue, or handed over ``REMINDER_REQUEUE_AFTER`` seconds ago
    and still pending (the broker lost the message, or the mail queue is far behind; a
    second message is harmless, the claim lets only one through)."""
    requeue_after = datetime.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER)
    return Q(queued_at__isnull=True) | Q(queued_at__lt=now - requeue_after)


def reminders_release_stale(*, now: datetime.datetime | None = None) -> int:
    """Rows claimed longer than ``REMINDER_CLAIM_TIMEOUT`` ago belong to a worker that died
    (or hangs): back to pending for the next attempt, or failed when none is left."""
    now = now or timezone.now()
    stale = Reminder.objects.filter(
        state=Reminder.State.SENDING,
        claimed_at__lt=now - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT),
    )
    failed = stale.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        state=Reminder.State.FAILED, last_error="The worker sending it stopped responding."
    )
    released = stale.update(state=Reminder.State.PENDING, queued_at=None, claimed_at=None)
    if failed or released:
        logger.warning("Released %d stale reminder claim(s), %d failed", released, failed)
    return released + failed


def reminders_send_due(
    *,
    now: datetime.datetime | None = None,
    limit: int = SWEEP_LIMIT,
    budget: float = SWEEP_BUDGET,
) -> int:
    """The sweep: hand due pending reminders to the mail queue; returns how many.

    Keeps going, one batch of ``REMINDER_BATCH_SIZE`` rows per transaction, until no due
    row is left, ``limit`` rows were handed over or ``budget`` seconds were spent (at least
    one batch is always handed over), so one sweep clears a large backlog while the next
    sweep, a minute later, never overlaps it for long. Each batch is committed, and so
    reaches the workers, before the next one is picked.

    Rows are picked with ``SKIP LOCKED`` on PostgreSQL and checked again under the lock, so
    two overlapping sweeps split the work; even when both pick a row (SQLite), only one
    ``reminder_send`` can claim it.
    """
    now = now or timezone.now()
    started = time.monotonic()
    # Registrations whose follow-up wake-up was lost (the broker was down) get their
    # ticket e-mail and reminders planned now; their ticket rows are handed over below.
    registration_followups_run()
    broadcasts_resume(now=now, budget=budget / 2)
    reminders_release_stale(now=now)
    size = max(settings.REMINDER_BATCH_SIZE, 1)
    handed = 0
    while handed < limit:
        # The candidates in due order, read without locks; each batch is then locked and
        # checked again, so a row another sweep handed over meanwhile is left out.
        candidates = list(
            Reminder.objects.filter(_due(now), _not_queued(now))
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[: limit - handed]
        )
        handed_before = handed
        for start in range(0, len(candidates), size):
            with transaction.atomic():
                ids = list(
                    Reminder.objects.select_for_update(skip_locked=True)
                    .filter(_due(now), _not_queued(now), pk__in=candidates[start : start + size])
                    .order_by("due_at", "pk")
                    .values_list("pk", flat=True)
                )
                if ids:
                    Reminder.objects.filter(pk__in=ids).update(queued_at=now)
                    _enqueue_on_commit(ids)
            handed += len(ids)
            if time.monotonic() - started >= budget:
                break
        if handed == handed_before or time.monotonic() - started >= budget:
            break
    broadcasts_finish()
    return handed


class _Connections:
    """One e-mail and one text-message connection shared by the reminders of a batch,
    opened on first use; an e-mail connection that failed is dropped and opened again for
    the next message (an SMTP session may be unusable after an error)."""

    def __init__(self) -> None:
        self._email = None
        self._sms = None

    def email(self):
        if self._email is None:
            from django.core.mail import get_connection

            # EMAIL_BACKEND is the outbox itself: the worker delivers.
            self._email = get_connection(settings.EMAIL_DELIVERY_BACKEND)
            self._email.open()
        return self._email

    def sms(self):
        if self._sms is None:
            import sms

            self._sms = sms.get_connection()
        return self._sms

    def discard_email(self) -> None:
        connection, self._email = self._email, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - already failed; the next use opens a new one
                logger.warning("Closing a failed e-mail connection raised", exc_info=False)

    def close(self) -> None:
        self.discard_email()
        connection, self._sms = self._sms, None
        if connection is not None:
            connection.close()


_RELATED = (
    "letter",
    "registration__session__activity",
    "consultation__expert__user",
    "consultation__requested_by",
    "consultation__enterprise",
    "lab_visit__slot__lab__institution",
    "lab_visit__requested_by",
    "lab_visit__enterprise",
)


def _claim(reminder_id: int) -> bool:
    """Turn a due pending row into "sending"; True for exactly one of concurrent callers.

    A single conditional UPDATE: of any number of concurrent callers exactly one sees "1
    row updated", the others stop without sending. ``attempts`` is counted in the same
    statement, so a worker killed mid-send still used up an attempt.
    """
    now = timezone.now()
    return bool(
        Reminder.objects.filter(_due(now), pk=reminder_id).update(
            state=Reminder.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def reminder_send(*, reminder_id: int) -> str:
    """Claim one due reminder and send it; returns an ``Outcome`` value (``BUSY`` when the
    row was not claimable: another worker has it, it is not due, or it is done)."""
    if not _claim(reminder_id):
        return Outcome.BUSY
    reminder = Reminder.objects.select_related(*_RELATED).get(pk=reminder_id)
    connections = _Connections()
    try:
        outcome = _send_claimed(reminder, connections=connections, cancelled_sessions=None)
    finally:
        connections.close()
    if reminder.broadcast_id and outcome in (Outcome.SENT, Outcome.SKIPPED):
        broadcasts_finish(broadcast_id=reminder.broadcast_id)
    return outcome


def reminders_send_batch(*, reminder_ids: list[int]) -> dict[str, int]:
    """Send several reminders as ``reminder_send`` does, one at a time; returns the count of
    each ``Outcome``.

    Each row is still claimed on its own, right before it is sent, so the guarantees of
    ``reminder_send`` hold row by row: a worker killed mid-batch leaves at most the row it
    was sending in "sending" (released after ``REMINDER_CLAIM_TIMEOUT``) and the rest
    pending (handed over again by a later sweep). What the batch saves is the repeated
    work: the rows, their targets and the sessions cancelled among them are read in three
    queries, and one e-mail and one text-message connection serve the whole batch.
    """
    ids = list(dict.fromkeys(reminder_ids))
    # Only pending rows are worth a claim: a batch handed over twice (the sweep re-hands
    # rows still pending after REMINDER_REQUEUE_AFTER, e.g. behind a long backlog) finds
    # its rows sent already and costs one query.
    rows = (
        Reminder.objects.filter(state=Reminder.State.PENDING).select_related(*_RELATED).in_bulk(ids)
    )
    session_ids = {r.registration.session_id for r in rows.values() if r.registration_id}
    cancelled_sessions = set(
        SessionState.objects.filter(
            session_id__in=session_ids, cancelled_at__isnull=False
        ).values_list("session_id", flat=True)
    )
    outcomes: dict[str, int] = {}
    broadcast_ids: set[int] = set()
    connections = _Connections()
    try:
        with rendering_cache():
            for reminder_id in ids:
                reminder = rows.get(reminder_id)
                if reminder is None or not _claim(reminder_id):
                    outcome = Outcome.BUSY
                else:
                    # Loaded before the claim: what the claim changed is taken over; the
                    # target was read a moment ago (a cancelled registration or session
                    # cancels its pending reminders, which makes the claim fail).
                    reminder.state = Reminder.State.SENDING
                    reminder.attempts += 1
                    outcome = _send_claimed(
                        reminder, connections=connections, cancelled_sessions=cancelled_sessions
                    )
                    if reminder.broadcast_id and outcome in (Outcome.SENT, Outcome.SKIPPED):
                        broadcast_ids.add(reminder.broadcast_id)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        connections.close()
        for broadcast_id in sorted(broadcast_ids):
            broadcasts_finish(broadcast_id=broadcast_id)
    return outcomes


def _send_claimed(
    reminder: Reminder, *, connections: _Connections, cancelled_sessions: set[int] | None
) -> str:
    """Send a row this caller claimed and record the outcome on it."""
    address = ""
    user = None
    try:
        recipient = _recipient(reminder, cancelled_sessions=cancelled_sessions)
        if recipient is None:
            _finish(reminder, state=Reminder.State.SKIPPED)
            return Outcome.SKIPPED
        address, language, user = recipient
        if reminder.channel == Reminder.Channel.EMAIL:
            try:
                _send_email(
                    reminder,
                    address=address,
                    language=language,
                    user=user,
                    connection=connections.email(),
                )
            except Exception:
                connections.discard_email()
                raise
        else:
            _send_sms(reminder, phone=address, language=language, connection=connections.sms())
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        return _record_failure(reminder, exc, address=address)
    _finish(reminder, state=Reminder.State.SENT, sent_at=timezone.now())
    if reminder.letter_id:
        # An account e-mail's link must not stay readable once it went out.
        Letter.objects.filter(pk=reminder.letter_id).update(message={})
    if reminder.purpose == Reminder.Purpose.REMINDER and user is not None:
        _notify_in_site(reminder, user=user)
    return Outcome.SENT


def _finish(reminder: Reminder, *, state: str, **changes) -> None:
    Reminder.objects.filter(pk=reminder.pk, state=Reminder.State.SENDING).update(
        state=state, retry_at=None, last_error="", **changes
    )


def _record_failure(reminder: Reminder, exc: Exception, *, address: str) -> str:
    error = _scrub(f"{type(exc).__name__}: {exc}", secrets=[address])[:300]
    attempts = reminder.attempts
    if attempts < settings.REMINDER_MAX_ATTEMPTS:
        delay = settings.REMINDER_RETRY_BACKOFF * 2 ** (attempts - 1)
        Reminder.objects.filter(pk=reminder.pk, state=Reminder.State.SENDING).update(
            state=Reminder.State.PENDING,
            retry_at=timezone.now() + datetime.timedelta(seconds=delay),
            queued_at=None,
            last_error=error,
        )
        logger.warning(
            "Reminder %s failed (attempt %d), retrying in %ds: %s",
            reminder.pk,
            attempts,
            delay,
            error,
        )
        return Outcome.RETRY
    Reminder.objects.filter(pk=reminder.pk, state=Reminder.State.SENDING).update(
        state=Reminder.State.FAILED, retry_at=None, last_error=error
    )
    logger.error("Reminder %s failed after %d attempts: %s", reminder.pk, attempts, error)
    if reminder.broadcast_id:
        broadcasts_finish(broadcast_id=reminder.broadcast_id)
    return Outcome.FAILED


_EMAIL_RE = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")
_PHONE_RE = re.compile(r"\+?\d[\d\s-]{5,}\d")


def _scrub(text: str, *, secrets: list[str]) -> str:
    """The text without the recipient's address, nor anything looking like an e-mail
    address or a phone number (SMTP errors quote the refused recipient)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[recipient]")
    text = _EMAIL_RE.sub("[address]", text)
    return _PHONE_RE.sub("[number]", text)


def reminder_retry(*, reminder_id: int, by: AbstractBaseUser) -> Reminder:
    """Staff send a failed reminder again: pending now, with a fresh set of attempts."""
    updated = Reminder.objects.filter(pk=reminder_id, state=Reminder.State.FAILED).update(
        state=Reminder.State.PENDING,
        attempts=0,
        retry_at=None,
        queued_at=None,
        claimed_at=None,
        due_at=timezone.now(),
    )
    if updated:
        logger.info("Reminder %s put back for sending by user %s", reminder_id, by.pk)
    return Reminder.objects.get(pk=reminder_id)


# --- Who, and what ---------------------------------------------------------------------------


def _still_wanted(reminder: Reminder, *, cancelled_sessions: set[int] | None = None) -> bool:
    """A reminder is sent only while its appointment stands and has not started.

    ``cancelled_sessions``: the cancelled sessions among a batch's registrations, read in
    one query for the batch; None to look the session up.
    """
    if reminder.purpose == Reminder.Purpose.TICKET:
        registration = reminder.registration
        if cancelled_sessions is not None:
            cancelled = registration.session_id in cancelled_sessions
        else:
            cancelled = session_is_cancelled(session=registration.session)
        return registration.status == Registration.Status.CONFIRMED and not cancelled
    if reminder.letter_id:
        expires_at = (reminder.letter.message or {}).get("expires_at")
        return not expires_at or datetime.datetime.fromisoformat(expires_at) > timezone.now()
    if reminder.purpose != Reminder.Purpose.REMINDER:
        return True
    target = reminder.target
    if reminder.registration_id:
        kind = "registration"
        if cancelled_sessions is not None:
            if target.session_id in cancelled_sessions:
                return False
            if target.status != Registration.Status.CONFIRMED:
                return False
            return target.session.starts_at > timezone.now()
    elif reminder.consultation_id:
        kind = "consultation"
    else:
        kind = "lab_visit"
    if not _is_plannable(kind, target):
        return False
    starts_at = _starts_at(kind, target)
    return starts_at is not None and starts_at > timezone.now()


def _recipient(
    reminder: Reminder, *, cancelled_sessions: set[int] | None = None
) -> tuple[str, str, AbstractBaseUser | None] | None:
    """(address, language, user or None) to send to; None when the reminder is not wanted
    any more or there is nobody to send it to over its channel."""
    if not _still_wanted(reminder, cancelled_sessions=cancelled_sessions):
        return None
    email = reminder.channel == Reminder.Channel.EMAIL
    if reminder.letter_id:
        message = reminder.letter.message
        if not message:  # sent already (emptied)
            return None
        addresses = [*message["to"], *message["cc"], *message["bcc"]]
        language = message.get("language") or settings.LANGUAGE_CODE
        return (", ".join(addresses), language, None)
    if reminder.registration_id:
        registration = reminder.registration
        address = registration.email if email else registration.phone
        return (address, registration.language, None) if address else None
    target = reminder.consultation or reminder.lab_visit
    if reminder.audience == Reminder.Audience.EXPERT:
        user = _expert_user(reminder.consultation)
        if user is None or not email:
            return None
    else:
        user = target.requested_by
    from inbox.services import user_language

    address = user.email if email else target.contact_phone
    return (address, user_language(user), user) if address else None


def _message_id(reminder: Reminder) -> str:
    """Stable per row: a second copy of the same reminder carries the same Message-ID, so a
    mail server or client can recognise and drop it."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{reminder.key}".encode()).hexdigest()[:32]
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<reminder-{digest}@{host}>"


def _template_name(reminder: Reminder) -> str:
    if reminder.registration_id:
        return "reminder_registration"
    if reminder.consultation_id:
        return "reminder_consultation"
    return "reminder_labvisit"


def _context(reminder: Reminder, *, language: str, user: AbstractBaseUser | None) -> dict:
    """What the reminder's templates show, and the URL of the appointment (site path)."""
    from django.urls import reverse

    context: dict = {
        "reminder": reminder,
        "site_url": settings.SITE_URL,
        "user": user,
        "hours": round((reminder.offset_minutes or 0) / 60),
    }
    if reminder.registration_id:
        from events.selectors import ticket_details

        context.update(ticket_details(registration=reminder.registration))
        context["url"] = context["manage_path"]
    elif reminder.consultation_id:
        from consultations.notifications import consultation_url

        consultation = reminder.consultation
        context.update(
            consultation=consultation,
            for_expert=reminder.audience == Reminder.Audience.EXPERT,
            url=consultation_url(consultation, language),
        )
    else:
        from labvisits.notifications import institution_in_language

        visit = reminder.lab_visit
        context.update(
            visit=visit,
            slot=visit.slot,
            lab=visit.slot.lab,
            institution=institution_in_language(
                institution=visit.slot.lab.institution, language=language
            ),
            enterprise=visit.enterprise,
            url=reverse("labvisits:ticket", kwargs={"pk": visit.pk}),
        )
    return context


def _ics(reminder: Reminder, *, language: str, context: dict) -> tuple[str, bytes | str | None]:
    """(file name, .ics content) of the appointment, in ``language``."""
    if reminder.registration_id:
        from events.calendar import registration_ics

        return "open-day.ics", registration_ics(registration=reminder.registration)
    if reminder.consultation_id:
        from consultations.calendar import consultation_ics

        return "consultation.ics", consultation_ics(
            consultation=reminder.consultation, language=language
        )
    from labvisits.calendar import lab_visit_ics

    institution = context["institution"]
    return "lab-visit.ics", lab_visit_ics(
        visit=reminder.lab_visit,
        language=language,
        address=institution.address,
        institution_title=institution.title,
    )


def _send_email(
    reminder: Reminder,
    *,
    address: str,
    language: str,
    user: AbstractBaseUser | None,
    connection=None,
) -> None:
    if reminder.letter_id:
        # Composed by its sender; its own Message-ID, if it set one, is kept.
        message = letter_message(reminder.letter.message)
        message.extra_headers.setdefault("Message-ID", _message_id(reminder))
        if connection is not None:
            message.connection = connection
        message.send()
        return
    if reminder.registration_id:
        # The registrant's reminder or notice is the ticket e-mail with its own lead text.
        from events.notifications import registration_message

        kind = _MESSAGE_KINDS[reminder.purpose]
        hours = None
        if reminder.purpose == Reminder.Purpose.REMINDER:
            hours = round((reminder.offset_minutes or 0) / 60)
        with translation.override(language):
            message = registration_message(
                registration=reminder.registration, kind=kind, hours=hours
            )
        message.to = [address]
    else:
        with translation.override(language):
            context = _context(reminder, language=language, user=user)
            subject, body, html = email_render(template=_template_name(reminder), context=context)
            message = EmailMultiAlternatives(subject, body, to=[address])
            if html:
                message.attach_alternative(html, "text/html")
            filename, ics = _ics(reminder, language=language, context=context)
        if ics:
            message.attach(filename, ics, "text/calendar; method=PUBLISH; charset=utf-8")
    message.extra_headers["Message-ID"] = _message_id(reminder)
    if connection is not None:
        message.connection = connection
    message.send()


def _sms_params(reminder: Reminder, context: dict) -> tuple[str, dict]:
    """(template key, parameters) of the text message ``reminder`` sends (``reminders.sms``).
    Call with the recipient's language active."""
    if reminder.purpose == Reminder.Purpose.REMINDER:
        key = _template_name(reminder)
    else:
        key = f"notice_{reminder.purpose}"
    if reminder.registration_id:
        starts_at = context["session"].starts_at
        params = {"activity": context["activity"].title, "link": context["manage_url"]}
        if key in ("notice_ticket", "reminder_registration"):
            params["code"] = context["registration"].ticket_code
    elif reminder.consultation_id:
        starts_at = context["consultation"].starts_at
        params = {
            "reference": context["consultation"].reference,
            "link": context["site_url"].rstrip("/") + context["url"],
        }
    else:
        starts_at = context["slot"].starts_at
        params = {
            "lab": context["lab"].display_name,
            "code": context["visit"].ticket_code,
            "link": context["site_url"].rstrip("/") + context["url"],
        }
    if key == "notice_cancelled":
        params.pop("link")
    local = timezone.localtime(starts_at)
    params["date"] = date_format(local, "SHORT_DATE_FORMAT")
    params["time"] = time_format(local, "TIME_FORMAT")
    return key, params


def _send_sms(reminder: Reminder, *, phone: str, language: str, connection=None) -> None:
    from reminders.sms import TextMessage

    if reminder.letter_id:
        message = reminder.letter.message
        TextMessage(
            template=message["template"],
            params=message["params"],
            language=language,
            recipients=message["to"],
            connection=connection,
        ).send()
        return
    with translation.override(language):
        context = _context(reminder, language=language, user=None)
        template, params = _sms_params(reminder, context)
    TextMessage(
        template=template,
        params=params,
        language=language,
        recipients=[phone],
        connection=connection,
    ).send()


def _notify_in_site(reminder: Reminder, *, user: AbstractBaseUser) -> None:
    """Consultation and lab-visit reminders also appear in the person's in-site inbox: once
    per person, from the e-mail row (or the text-message row when there is no e-mail)."""
    if reminder.channel == Reminder.Channel.SMS and user.email:
        return
    from inbox.services import notify, user_language

    language = user_language(user)
    with translation.override(language):
        context = _context(reminder, language=language, user=user)
    url = context.pop("url")
    for name in ("site_url", "user"):
        context.pop(name)
    notify(user=user, template=_template_name(reminder), context=context, url=url, email=False)
