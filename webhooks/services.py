"""Plan, send and retry webhook deliveries, each at most once per endpoint and event.

Planning: ``portal.history`` and ``events.services.session`` send ``portal.signals``
hooks in the transaction of each change; the receivers (connected in
``WebhooksConfig.ready``) write one ``Delivery`` per endpoint that wants the event, in that
same transaction, and hand the rows to a worker once it commits. A rolled-back change
leaves no delivery; a broker that is down loses none (the sweep finds the rows). Which
endpoints want what is cached (``endpoints_active``), so a change nobody subscribed to
costs no query.

Sending mirrors the reminders' outbox (``reminders.services``): ``delivery_send`` claims a
due pending row with one conditional ``UPDATE ... WHERE state = 'pending'`` (two workers,
a duplicated task or a second sweep get 0 rows and skip it), POSTs it signed
(``webhooks.signing``), and records the answer. A 2xx answer delivers it; anything else
(another status, a timeout, a refused connection or address) is retried after
``WEBHOOK_RETRY_BACKOFF`` x 1, 5, 25, ... seconds, ``WEBHOOK_MAX_ATTEMPTS`` attempts in
all, then the row is failed and staff may retry it from the admin.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.models import StateChange
from portal.queueing import task_queue
from webhooks import transport
from webhooks.models import Delivery, Endpoint
from webhooks.payloads import (
    Planned,
    changes_planned,
    changes_wanted,
    session_event,
    session_planned,
)
from webhooks.signing import signature_make

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from events.models import Session

logger = logging.getLogger(__name__)

ENDPOINTS_CACHE_KEY = "webhooks:endpoints:1"
# Each process re-reads the endpoints at least this often, even should a cache purge be
# lost (a cache per process, without Redis).
ENDPOINTS_CACHE_SECONDS = 60
USER_AGENT = "portal-webhooks/1"


class Outcome:
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    # Not claimed: another worker has it, it is not due, it is done, or its endpoint is off.
    BUSY = "busy"


# --- Who wants what -----------------------------------------------------------------------


@dataclass(frozen=True)
class Subscriber:
    endpoint_id: int
    events: frozenset[str]
    personal: bool
    institution_key: str | None

    def wants(self, planned: Planned) -> bool:
        return planned.event in self.events and (
            self.institution_key is None or self.institution_key == planned.institution_key
        )


def _endpoints_read() -> list[tuple]:
    return [
        (pk, list(events), scope, str(key) if key else None)
        for pk, events, scope, key in Endpoint.objects.filter(active=True).values_list(
            "pk", "events", "scope", "institution__translation_key"
        )
    ]


def endpoints_active() -> list[Subscriber]:
    """The active endpoints and what each wants, from the cache (one query when it is cold
    or unreachable)."""
    try:
        rows = cache.get(ENDPOINTS_CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache is down: the database answers
        logger.warning("The cache is unreachable; reading the webhook endpoints")
        rows = None
    if rows is None:
        rows = _endpoints_read()
        # A cache that is down is tried again next time.
        with contextlib.suppress(Exception):
            cache.set(ENDPOINTS_CACHE_KEY, rows, ENDPOINTS_CACHE_SECONDS)
    return [
        Subscriber(
            endpoint_id=pk,
            events=frozenset(events),
            personal=scope == Endpoint.Scope.MASKED,
            institution_key=key,
        )
        for pk, events, scope, key in rows
    ]


def endpoints_forget() -> None:
    """Forget the cached endpoints, now and once the transaction commits (a change read
    in between must not cache the old list again for a minute)."""

    def forget() -> None:
        try:
            cache.delete(ENDPOINTS_CACHE_KEY)
        except Exception:  # noqa: BLE001 - entries expire within a minute anyway
            logger.warning("Could not purge the cached webhook endpoints")

    forget()
    transaction.on_commit(forget)


# --- Planning -----------------------------------------------------------------------------


def _endpoints_hold(endpoint_ids: set[int]) -> set[int]:
    """Which of the (cached) endpoints still exist and are active, held until the
    transaction ends so that none is deleted under the deliveries about to point at it.

    The foreign key is checked when the transaction commits: an endpoint deleted meanwhile
    would fail the commit, and with it the person's registration. On PostgreSQL the rows
    are locked ``FOR KEY SHARE`` (what a foreign key check takes): concurrent changes share
    it, only a deletion waits. SQLite lets one transaction write at a time, so a deletion
    has either committed before (and the endpoint is not found) or waits.
    """
    if not endpoint_ids:
        return set()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Endpoint._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE id = ANY(%s) AND active FOR KEY SHARE",
                [sorted(endpoint_ids)],
            )
            return {row[0] for row in cursor.fetchall()}
    return set(
        Endpoint.objects.filter(pk__in=endpoint_ids, active=True).values_list("pk", flat=True)
    )


def _write(planned: list[Planned], subscribers: list[Subscriber]) -> list[int]:
    now = timezone.now()
    rows = [
        Delivery(
            endpoint_id=subscriber.endpoint_id,
            event=str(event.event),
            event_id=event.event_id,
            occurred_at=event.occurred_at,
            payload=event.payload(personal=subscriber.personal),
            next_attempt_at=now,
            queued_at=now,
        )
        for event in planned
        for subscriber in subscribers
        if subscriber.wants(event)
    ]
    live = _endpoints_hold({row.endpoint_id for row in rows})
    rows = [row for row in rows if row.endpoint_id in live]
    if not rows:
        return []
    ids = [row.pk for row in Delivery.objects.bulk_create(rows)]
    deliveries_enqueue_on_commit(delivery_ids=ids)
    return ids


def _wanted(subscribers: list[Subscriber]) -> set[str]:
    return set().union(*(s.events for s in subscribers))


def _plan(build: Callable[[], list[Planned]], subscribers: list[Subscriber]) -> list[int]:
    """Write the deliveries of the events ``build()`` returns, in a savepoint: a fault here
    (a bug, a payload that cannot be built) is logged and costs the deliveries, never the
    person's registration or booking that caused them."""
    try:
        with transaction.atomic():
            return _write(build(), subscribers)
    except Exception:
        logger.exception("Webhook deliveries could not be planned")
        return []


def deliveries_plan_for_changes(
    *, model: type[StateChange], changes: list[StateChange]
) -> list[int]:
    """One delivery per endpoint that wants each of ``changes`` (saved history steps of
    ``model``), in the caller's transaction; returns their ids. A change nobody wants
    costs no query (once the endpoints are cached)."""
    subscribers = endpoints_active()
    chosen = changes_wanted(model, changes, wanted=_wanted(subscribers)) if subscribers else []
    if not chosen:
        return []
    return _plan(lambda: changes_planned(model, chosen), subscribers)


def deliveries_plan_for_session(
    *, session: Session, kind: str, key: str, at: datetime.datetime, reason: str = ""
) -> list[int]:
    """``session.changed`` or ``session.cancelled`` for every endpoint that wants it."""
    subscribers = endpoints_active()
    if session_event(kind) not in _wanted(subscribers):
        return []
    return _plan(
        lambda: [session_planned(session=session, kind=kind, key=key, at=at, reason=reason)],
        subscribers,
    )


# --- Handing over -------------------------------------------------------------------------


def deliveries_enqueue_on_commit(*, delivery_ids: list[int]) -> None:
    """Once the transaction commits, hand the rows to the worker queue in batches of
    ``WEBHOOK_BATCH_SIZE``. With the broker down they wait for the sweep."""
    size = max(settings.WEBHOOK_BATCH_SIZE, 1)
    for start in range(0, len(delivery_ids), size):
        chunk = list(delivery_ids[start : start + size])
        transaction.on_commit(functools.partial(_hand_over, chunk))


def _hand_over(delivery_ids: list[int]) -> None:
    from webhooks.tasks import deliveries_send_task  # the tasks module imports this one

    if not task_queue(deliveries_send_task, delivery_ids=delivery_ids):
        Delivery.objects.filter(pk__in=delivery_ids, state=Delivery.State.PENDING).update(
            queued_at=None
        )


def _due(now: datetime.datetime) -> Q:
    return Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)


def deliveries_release_stale(*, now: datetime.datetime | None = None) -> int:
    """Rows claimed longer than ``WEBHOOK_CLAIM_TIMEOUT`` seconds ago belong to a worker
    that died: back to pending, or failed when no attempt is left."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(
        state=Delivery.State.SENDING,
        claimed_at__lt=now - datetime.timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT),
    )
    failed = stale.filter(attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS).update(
        state=Delivery.State.FAILED, last_error="The worker sending it stopped responding."
    )
    released = stale.update(
        state=Delivery.State.PENDING, queued_at=None, claimed_at=None, next_attempt_at=now
    )
    if failed or released:
        logger.warning("Released %d stale webhook claim(s), %d failed", released, failed)
    return released + failed


def deliveries_send_due(*, now: datetime.datetime | None = None, limit: int = 5000) -> int:
    """The sweep (beat, every minute): release stale claims, then hand the due pending
    deliveries of active endpoints to the worker queue; returns how many. A row handed over
    less than ``WEBHOOK_REQUEUE_AFTER`` seconds ago is left to the message already sent."""
    now = now or timezone.now()
    deliveries_release_stale(now=now)
    requeue_before = now - datetime.timedelta(seconds=settings.WEBHOOK_REQUEUE_AFTER)
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(_due(now), endpoint__active=True)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=requeue_before))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids, state=Delivery.State.PENDING).update(queued_at=now)
            deliveries_enqueue_on_commit(delivery_ids=ids)
    return len(ids)


# --- Sending ------------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime.datetime) -> bool:
    """Pending and due → sending; True for exactly one of concurrent callers (one
    conditional UPDATE). The attempt is counted in the same statement, so a worker killed
    mid-send still used it up."""
    return bool(
        Delivery.objects.filter(_due(now), pk=delivery_id).update(
            state=Delivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def body_encode(payload: dict) -> bytes:
    """The request body: the same bytes for every attempt of a delivery."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _without_person(payload: dict) -> dict:
    data = {key: value for key, value in payload.get("data", {}).items() if key != "person"}
    return {**payload, "data": data}


def delivery_send(*, delivery_id: int, now: datetime.datetime | None = None) -> str:
    """Claim one due delivery of an active endpoint and POST it; returns an ``Outcome``."""
    now = now or timezone.now()
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or not delivery.endpoint.active or not _claim(delivery_id, now):
        return Outcome.BUSY
    delivery.attempts += 1
    endpoint = delivery.endpoint
    payload = delivery.payload
    if endpoint.scope != Endpoint.Scope.MASKED:
        # The scope narrowed after the row was written: send what it allows today.
        payload = _without_person(payload)
    body = body_encode(payload)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Portal-Event": delivery.event,
        "X-Portal-Delivery": str(delivery.pk),
        "X-Portal-Timestamp": str(timestamp),
        "X-Portal-Signature": signature_make(
            secret=endpoint.secret, timestamp=timestamp, body=body
        ),
    }
    sending = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENDING)
    try:
        response = transport.post(
            endpoint.url, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT
        )
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        error = f"{type(exc).__name__}: {exc}".replace(endpoint.url, "[url]")[:300]
        return _failed(delivery, sending, now=now, error=error, payload=payload)
    if 200 <= response.status < 300:
        sending.update(
            state=Delivery.State.DELIVERED,
            delivered_at=timezone.now(),
            response_status=response.status,
            response_body=response.body,
            last_error="",
            payload=payload,
        )
        return Outcome.DELIVERED
    return _failed(
        delivery,
        sending,
        now=now,
        error=f"HTTP {response.status}",
        payload=payload,
        response_status=response.status,
        response_body=response.body,
    )


def retry_delay(attempts: int) -> datetime.timedelta:
    """After the n-th failed attempt: 1, 5, 25, ... x ``WEBHOOK_RETRY_BACKOFF`` seconds."""
    return datetime.timedelta(seconds=settings.WEBHOOK_RETRY_BACKOFF * 5 ** (attempts - 1))


def _failed(
    delivery: Delivery,
    sending,
    *,
    now: datetime.datetime,
    error: str,
    payload: dict,
    response_status: int | None = None,
    response_body: str = "",
) -> str:
    answer = {
        "response_status": response_status,
        "response_body": response_body,
        "last_error": error,
        "payload": payload,
    }
    if delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        sending.update(
            state=Delivery.State.PENDING,
            next_attempt_at=now + retry_delay(delivery.attempts),
            queued_at=None,
            **answer,
        )
        logger.warning(
            "Webhook delivery %s failed (attempt %d): %s", delivery.pk, delivery.attempts, error
        )
        return Outcome.RETRY
    sending.update(state=Delivery.State.FAILED, **answer)
    logger.error(
        "Webhook delivery %s failed after %d attempts: %s", delivery.pk, delivery.attempts, error
    )
    return Outcome.FAILED


def deliveries_send(*, delivery_ids: list[int]) -> dict[str, int]:
    """``delivery_send`` for each row, in order; the count of each ``Outcome``."""
    outcomes: dict[str, int] = {}
    for delivery_id in dict.fromkeys(delivery_ids):
        outcome = delivery_send(delivery_id=delivery_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def delivery_retry(*, delivery_id: int, by: User) -> Delivery:
    """Staff send a failed delivery again: pending now, with a fresh set of attempts."""
    with transaction.atomic():
        now = timezone.now()
        updated = Delivery.objects.filter(pk=delivery_id, state=Delivery.State.FAILED).update(
            state=Delivery.State.PENDING,
            attempts=0,
            next_attempt_at=now,
            queued_at=now,
            claimed_at=None,
        )
        if updated:
            deliveries_enqueue_on_commit(delivery_ids=[delivery_id])
            logger.info("Webhook delivery %s put back for sending by user %s", delivery_id, by.pk)
    return Delivery.objects.get(pk=delivery_id)
