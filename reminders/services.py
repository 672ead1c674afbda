"""Plan, send and retry reminders and notices, exactly once.

Planning writes one ``Reminder`` row per (target, purpose, offset or broadcast, audience,
channel); the row's unique ``key`` makes planning idempotent. What differs by the kind of
appointment comes from the target its app registers (``reminders.targets``): this module
knows no feature app. Sending happens in two steps:

1. ``reminders_send_due`` (beat, every minute) lets each target finish work whose wake-up
   was lost (``ReminderTarget.sweep``), releases rows stuck in "sending" after a
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

import contextlib
import datetime
import functools
import hashlib
import logging
import re
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format

from inbox.services import notify, user_language
from portal.mail import email_render, greeting_name
from portal.queueing import task_queue
from reminders.letters import letter_message
from reminders.models import Broadcast, Letter, Reminder
from reminders.targets import ReminderTarget, UnknownTargetError, target_for, target_of, targets

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# One sweep hands over at most this many rows, and starts no new batch after this many
# seconds (half the beat interval): a backlog is cleared over a few sweeps, never by two
# long sweeps running side by side.
SWEEP_LIMIT = 200_000
SWEEP_BUDGET = 30.0


class Outcome:
    SENT = "sent"
    SKIPPED = "skipped"
    RETRY = "retry"
    FAILED = "failed"
    # Not claimed: someone else has it, it is not due (yet), or it is no longer pending.
    BUSY = "busy"


# --- Planning -------------------------------------------------------------------------------


def _one_target(given: dict[str, models.Model | None]) -> tuple[ReminderTarget, models.Model]:
    """The registered target and the appointment of ``kind=appointment`` keyword arguments
    (exactly one given)."""
    present = {kind: obj for kind, obj in given.items() if obj is not None}
    if len(present) != 1:
        raise ValueError("pass exactly one target, as <kind>=<appointment>")
    ((kind, obj),) = present.items()
    return target_for(kind), obj


def _target_filter(target: ReminderTarget, obj: models.Model) -> dict:
    return {f"{target.field}_id": obj.pk}


def _reminder_key(
    target: ReminderTarget, obj: models.Model, offset: int, audience: str, channel: str
) -> str:
    return f"{target.kind}:{obj.pk}:r{offset}:{audience}:{channel}"


def reminders_plan(*, fresh: bool = False, **appointment: models.Model | None) -> int:
    """Create the pending reminders of one appointment, given as ``<kind>=<appointment>``
    with the kind of a registered target (``reminders.targets``); returns how many rows were
    created.

    One row per offset of ``REMINDER_OFFSETS[kind]`` whose due time is still ahead, per
    audience and channel the target has an address for. Safe to call again: rows that
    exist are left alone (unique ``key``, ``ignore_conflicts``). ``fresh``: the target
    was created in the caller's transaction, so it has no reminders yet; the rows are
    inserted without looking for existing ones (a clash would be an error).
    """
    target, obj = _one_target(appointment)
    return _plan(target, obj, fresh=fresh)


def _plan(target: ReminderTarget, obj: models.Model, *, fresh: bool) -> int:
    """``reminders_plan`` of ``obj``, an appointment of ``target``'s kind."""
    if not target.is_plannable(obj):
        return 0
    starts_at = target.starts_at(obj)
    assert starts_at is not None  # a plannable appointment has a start time
    now = timezone.now()
    rows = []
    for offset in settings.REMINDER_OFFSETS.get(target.kind, ()):
        due_at = starts_at - datetime.timedelta(minutes=offset)
        if due_at <= now:
            continue
        for audience, channel in target.audiences(obj):
            rows.append(
                Reminder(
                    key=_reminder_key(target, obj, offset, audience, channel),
                    purpose=Reminder.Purpose.REMINDER,
                    offset_minutes=offset,
                    audience=audience,
                    channel=channel,
                    starts_at=starts_at,
                    due_at=due_at,
                    **_target_filter(target, obj),
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
    reminders_enqueue_on_commit(reminder_ids=[row.pk for row in rows])
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
    reminders_enqueue_on_commit(reminder_ids=[row.pk])
    return row


def reminders_cancel(**appointment: models.Model | None) -> int:
    """The appointment (``<kind>=<appointment>``, as for ``reminders_plan``) was cancelled:
    its pending reminders, change notices and ticket e-mail become cancelled. Cancellation
    notices stay: they tell the person about the cancellation."""
    target, obj = _one_target(appointment)
    return Reminder.objects.filter(
        state=Reminder.State.PENDING,
        purpose__in=(
            Reminder.Purpose.REMINDER,
            Reminder.Purpose.TICKET,
            Reminder.Purpose.CHANGED,
        ),
        **_target_filter(target, obj),
    ).update(state=Reminder.State.CANCELLED, queued_at=None, retry_at=None)


def reminders_replan(**appointment: models.Model | None) -> int:
    """The appointment's (``<kind>=<appointment>``) start time changed: its reminders move
    with it.

    A reminder whose new due time is still ahead becomes pending at that time (also one
    already sent for the old time: the person is reminded of the new time); a pending one
    whose new due time has passed is skipped. Missing reminders are then planned. Rows
    being sent right now are left to their worker. Returns rows moved plus rows created.
    """
    target, obj = _one_target(appointment)
    if not target.is_plannable(obj):
        return 0
    starts_at = target.starts_at(obj)
    assert starts_at is not None  # a plannable appointment has a start time
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
                **_target_filter(target, obj),
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
        created = _plan(target, obj, fresh=False)
    return moved + created


def broadcasts_finish(*, broadcast_id: int | None = None) -> int:
    """Broadcasts whose notices are all planned and none pending or being sent are done."""
    broadcasts = Broadcast.objects.filter(state=Broadcast.State.SENDING)
    if broadcast_id is not None:
        broadcasts = broadcasts.filter(pk=broadcast_id)
    return broadcasts.exclude(
        reminders__state__in=(Reminder.State.PENDING, Reminder.State.SENDING)
    ).update(state=Broadcast.State.DONE, finished_at=timezone.now())


# --- Sending --------------------------------------------------------------------------------


def reminders_enqueue_on_commit(*, reminder_ids: list[int]) -> None:
    """Once the transaction commits, hand the rows to the mail queue in batches of
    ``REMINDER_BATCH_SIZE`` (one ``reminder_send_batch_task`` message per batch). For rows
    due now, written in the caller's transaction; with the broker down they wait for the
    sweep."""

    size = max(settings.REMINDER_BATCH_SIZE, 1)
    for start in range(0, len(reminder_ids), size):
        chunk = list(reminder_ids[start : start + size])
        transaction.on_commit(functools.partial(_hand_over, chunk))


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
    # Work of each kind whose wake-up was lost (the broker was down), such as rows planned
    # after a commit, is done now; the rows it writes are handed over below.
    for target in targets():
        target.sweep(now=now, budget=budget / 2)
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
                    reminders_enqueue_on_commit(reminder_ids=ids)
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
        self._email: BaseEmailBackend | None = None
        self._sms = None

    def email(self) -> BaseEmailBackend:
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


def _related() -> tuple[str, ...]:
    """The ``select_related`` paths sending a row reads: its letter or its target's."""
    return ("letter", *(path for target in targets() for path in target.related))


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
    reminder = Reminder.objects.select_related(*_related()).get(pk=reminder_id)
    connections = _Connections()
    try:
        outcome = _send_claimed(reminder, connections=connections, batch=None)
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
    work: the rows and their targets are read in one query, what each kind of target needs
    for the batch (``ReminderTarget.sending``) once, and one e-mail and one text-message
    connection serve the whole batch.
    """
    ids = list(dict.fromkeys(reminder_ids))
    # Only pending rows are worth a claim: a batch handed over twice (the sweep re-hands
    # rows still pending after REMINDER_REQUEUE_AFTER, e.g. behind a long backlog) finds
    # its rows sent already and costs one query.
    rows = (
        Reminder.objects.filter(state=Reminder.State.PENDING)
        .select_related(*_related())
        .in_bulk(ids)
    )
    outcomes: dict[str, int] = {}
    broadcast_ids: set[int] = set()
    connections = _Connections()
    try:
        with contextlib.ExitStack() as stack:
            batches = {
                target.kind: stack.enter_context(
                    target.sending([r for r in rows.values() if target_of(r) is target])
                )
                for target in targets()
            }
            for reminder_id in ids:
                reminder = rows.get(reminder_id)
                if reminder is None or not _claim(reminder_id):
                    outcome = Outcome.BUSY
                else:
                    # Loaded before the claim: what the claim changed is taken over; the
                    # target was read a moment ago (a cancelled appointment cancels its
                    # pending reminders, which makes the claim fail).
                    reminder.state = Reminder.State.SENDING
                    reminder.attempts += 1
                    target = target_of(reminder)
                    outcome = _send_claimed(
                        reminder,
                        connections=connections,
                        batch=batches[target.kind] if target is not None else None,
                    )
                    if reminder.broadcast_id and outcome in (Outcome.SENT, Outcome.SKIPPED):
                        broadcast_ids.add(reminder.broadcast_id)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        connections.close()
        for broadcast_id in sorted(broadcast_ids):
            broadcasts_finish(broadcast_id=broadcast_id)
    return outcomes


def _send_claimed(reminder: Reminder, *, connections: _Connections, batch: object) -> str:
    """Send a row this caller claimed and record the outcome on it. ``batch``: what its
    target read for the batch (``ReminderTarget.sending``), None for a row sent alone."""
    address = ""
    user = None
    try:
        recipient = _recipient(reminder, batch=batch)
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


def reminder_retry(*, reminder_id: int, by: User) -> Reminder:
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


def _target(reminder: Reminder) -> ReminderTarget:
    """The target of a reminder that is not a composed message (``letter_id`` unset)."""
    target = target_of(reminder)
    if target is None:
        raise UnknownTargetError(f"reminder {reminder.pk} is a composed message")
    return target


def _letter_message(reminder: Reminder) -> dict:
    """The stored message of a composed reminder (``letter_id`` set); {} once sent."""
    letter = reminder.letter
    if letter is None:
        raise ValueError(f"reminder {reminder.pk} is not a composed message")
    return letter.message


def _still_wanted(reminder: Reminder, *, batch: object = None) -> bool:
    """A composed message is sent until it expires; any other row as long as its target
    says it still stands (``ReminderTarget.still_wanted``)."""
    if reminder.letter_id:
        expires_at = (_letter_message(reminder) or {}).get("expires_at")
        return not expires_at or datetime.datetime.fromisoformat(expires_at) > timezone.now()
    return _target(reminder).still_wanted(reminder, batch=batch)


def _recipient(reminder: Reminder, *, batch: object = None) -> tuple[str, str, User | None] | None:
    """(address, language, user or None) to send to; None when the reminder is not wanted
    any more or there is nobody to send it to over its channel."""
    if not _still_wanted(reminder, batch=batch):
        return None
    if reminder.letter_id:
        message = _letter_message(reminder)
        if not message:  # sent already (emptied)
            return None
        addresses = [*message["to"], *message["cc"], *message["bcc"]]
        language = message.get("language") or settings.LANGUAGE_CODE
        return (", ".join(addresses), language, None)
    return _target(reminder).recipient(reminder)


def _message_id(reminder: Reminder) -> str:
    """Stable per row: a second copy of the same reminder carries the same Message-ID, so a
    mail server or client can recognise and drop it."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{reminder.key}".encode()).hexdigest()[:32]
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<reminder-{digest}@{host}>"


def _context(reminder: Reminder, *, language: str, user: User | None) -> dict:
    """What the reminder's templates show, and the URL of the appointment (site path)."""
    context: dict = {
        "reminder": reminder,
        "site_url": settings.SITE_URL,
        "user": user,
        # The target's context may name the person instead (a booking's contact person).
        "greeting_name": greeting_name(user),
        "hours": round((reminder.offset_minutes or 0) / 60),
    }
    context.update(_target(reminder).context(reminder, language=language, user=user))
    return context


def _send_email(
    reminder: Reminder,
    *,
    address: str,
    language: str,
    user: User | None,
    connection=None,
) -> None:
    if reminder.letter_id:
        # Composed by its sender; its own Message-ID, if it set one, is kept.
        composed = letter_message(_letter_message(reminder))
        composed.extra_headers.setdefault("Message-ID", _message_id(reminder))
        if connection is not None:
            composed.connection = connection
        composed.send()
        return
    target = _target(reminder)
    # A kind may compose the whole e-mail itself (the registrant's reminder or notice is the
    # ticket e-mail with its own lead text); else it is rendered from the target's template.
    message = target.email_message(reminder, language=language, user=user)
    if message is not None:
        message.to = [address]
    else:
        with translation.override(language):
            context = _context(reminder, language=language, user=user)
            subject, body, html = email_render(template=target.template, context=context)
            message = EmailMultiAlternatives(subject, body, to=[address])
            if html:
                message.attach_alternative(html, "text/html")
            filename, ics = target.ics(reminder, language=language, context=context)
        if ics:
            message.attach(filename, ics, "text/calendar; method=PUBLISH; charset=utf-8")
    message.extra_headers["Message-ID"] = _message_id(reminder)
    if connection is not None:
        message.connection = connection
    message.send()


def _sms_params(reminder: Reminder, context: dict) -> tuple[str, dict]:
    """(template key, parameters) of the text message ``reminder`` sends (``reminders.sms``):
    the target's template for a reminder, ``notice_<purpose>`` for a notice. Call with the
    recipient's language active."""
    target = _target(reminder)
    if reminder.purpose == Reminder.Purpose.REMINDER:
        key = target.sms_template(reminder, context=context)
    else:
        key = f"notice_{reminder.purpose}"
    starts_at, params = target.sms_params(reminder, template=key, context=context)
    local = timezone.localtime(starts_at)
    params["date"] = date_format(local, "SHORT_DATE_FORMAT")
    params["time"] = time_format(local, "TIME_FORMAT")
    return key, params


def _send_sms(reminder: Reminder, *, phone: str, language: str, connection=None) -> None:
    from reminders.sms import TextMessage

    if reminder.letter_id:
        message = _letter_message(reminder)
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


def _notify_in_site(reminder: Reminder, *, user: User) -> None:
    """A reminder to a person with an account (a target whose recipient has a user) also
    appears in the person's in-site inbox: once per person, from the e-mail row (or the
    text-message row when there is no e-mail)."""
    if reminder.channel == Reminder.Channel.SMS and user.email:
        return
    language = user_language(user)
    target = _target(reminder)
    with translation.override(language):
        context = _context(reminder, language=language, user=user)
    template = target.notice_template(reminder, context=context)
    url = context.pop("url")
    for name in ("site_url", "user"):
        context.pop(name)
    notify(
        user=user,
        template=template,
        context=context,
        url=url,
        email=False,
    )
