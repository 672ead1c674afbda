"""A fast, approximate view of each session's places, kept in the shared cache.

When registration for a popular session opens, most requests come from people who will be
told "this session is full". The database answers that correctly, but only inside a locked
transaction; this view lets the registration page answer it at once instead.

- **Only to refuse.** The view may say a session is full; it never confirms a place. A
  success is always decided by ``registration_create`` under the session's lock.
- **Written on commit** by the services that change places: ``registration_create`` stores
  the figures it counted under the lock when they say "full" (also when it refused a
  registration: the count was true then); the others (cancellations, promotions, changes
  of party size, moves, session cancellations, edits of the session in the page editor)
  forget the entry, so the next registration counts again.
- **Self-correcting.** Every entry expires after ``AVAILABILITY_SECONDS`` (3 by default):
  a "full" that a late write made stale is gone within seconds, even if nothing else
  changes.
- **Fails open.** If the cache cannot be reached, nothing is known and the database
  decides, as without this view.

With the embedded default's per-process memory cache every process has its own view, which
is still only ever used to refuse.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def _key(session_id: int) -> str:
    return f"events:availability:{session_id}"


@dataclass(frozen=True)
class Availability:
    """Places of one session as last counted under its lock."""

    capacity: int | None  # None: no limit
    places_taken: int

    @property
    def places_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.places_taken, 0)

    def refuses(self, party_size: int) -> bool:
        """Whether a party of ``party_size`` certainly finds no places (as last counted)."""
        left = self.places_left
        return left is not None and party_size > left


def availability_get(session_id: int) -> Availability | None:
    """The session's last counted places, or None when unknown (or the cache is down)."""
    if settings.AVAILABILITY_SECONDS <= 0:
        return None
    try:
        value = cache.get(_key(session_id))
    except Exception as exc:  # noqa: BLE001 - fail open: the database decides
        logger.warning("availability: lookup failed: %s", type(exc).__name__)
        return None
    if not isinstance(value, tuple) or len(value) != 2:
        return None
    return Availability(capacity=value[0], places_taken=value[1])


def availability_store(*, session_id: int, capacity: int | None, places_taken: int) -> None:
    """Remember places counted under the session's lock (call after the commit), when they
    say the session is full: the view is only ever used to refuse, so places left need no
    entry (and a registration that leaves some costs no round trip to the cache)."""
    # A session without a limit is never full: nothing to remember.
    if settings.AVAILABILITY_SECONDS <= 0 or capacity is None or places_taken < capacity:
        return
    try:
        cache.set(_key(session_id), (capacity, places_taken), settings.AVAILABILITY_SECONDS)
    except Exception as exc:  # noqa: BLE001 - the database stays the authority
        logger.warning("availability: store failed: %s", type(exc).__name__)


def availability_store_on_commit(
    *, session_id: int, capacity: int | None, places_taken: int
) -> None:
    transaction.on_commit(
        lambda: availability_store(
            session_id=session_id, capacity=capacity, places_taken=places_taken
        )
    )


def availability_forget(session_ids: Iterable[int]) -> None:
    """Drop what is known of these sessions' places (the next registration counts again)."""
    keys = [_key(pk) for pk in session_ids]
    if not keys or settings.AVAILABILITY_SECONDS <= 0:
        return
    try:
        cache.delete_many(keys)
    except Exception as exc:  # noqa: BLE001 - the entries expire on their own
        logger.warning("availability: forget failed: %s", type(exc).__name__)


def availability_forget_on_commit(session_ids: Iterable[int]) -> None:
    """After the current transaction commits, drop what is known of these sessions."""
    ids = list(session_ids)
    transaction.on_commit(lambda: availability_forget(ids))
