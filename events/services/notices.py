"""The registrant's messages that go through the reminders outbox (``reminders.Reminder``
rows): notices of a change of their registration, and the follow-up of registrations
confirmed in a request (ticket e-mail and reminders, planned by a worker after the
commit). ``events.reminder_targets`` tells the reminder sender how to build and address
them.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.models import Registration
from events.selectors import session_is_cancelled
from events.tickets import ticket_qr_prepare
from portal.queueing import task_queue
from reminders.models import Reminder
from reminders.services import reminders_enqueue_on_commit, reminders_plan

logger = logging.getLogger(__name__)


def registration_audiences(registration: Registration) -> list[tuple[str, str]]:
    """(audience, channel) pairs of the registrant's reminders and session notices, by the
    addresses known now."""
    Audience, Channel = Reminder.Audience, Reminder.Channel
    pairs: list[tuple[str, str]] = []
    if registration.email:
        pairs.append((Audience.REGISTRANT, Channel.EMAIL))
    if registration.phone:
        pairs.append((Audience.REGISTRANT, Channel.SMS))
    return pairs


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
# The other way round, with the reminders and the session notices: the ``kind`` of
# ``registration_message`` each row's e-mail is.
MESSAGE_KINDS = {
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
    reminders_enqueue_on_commit(reminder_ids=[row.pk])
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
    from events.tasks import registration_followups_task  # the tasks module imports this one

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
            reminders_enqueue_on_commit(
                reminder_ids=list(
                    Reminder.objects.filter(key__in=keys, state=Reminder.State.PENDING)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
            )
        done += len(ids)
        for registration in registrations:
            # An anonymised registration has no ticket code, hence no QR code to draw.
            if (
                registration.status == Registration.Status.CONFIRMED
                and registration.ticket_code is not None
            ):
                ticket_qr_prepare(
                    ticket_code=registration.ticket_code, language=registration.language
                )
    return done
