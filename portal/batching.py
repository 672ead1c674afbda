"""Change many rows in small locked batches, so a long job never holds locks for long."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet


def in_locked_batches(queryset: QuerySet, *, size: int, apply: Callable[[list[int]], None]) -> int:
    """Call ``apply(ids)`` on the rows of ``queryset``, ``size`` at a time, each batch in its
    own transaction with its rows locked (``SELECT ... FOR UPDATE``) before they change.

    ``apply`` must change the rows so that they leave ``queryset`` (or the loop would find
    them again). A concurrent writer that locked a row first either commits before the
    batch reads it (and PostgreSQL re-checks the filter on the locked rows) or waits for the
    batch and then sees its result. Returns how many rows were handed to ``apply``.
    """
    done = 0
    while True:
        with transaction.atomic():
            ids = list(
                queryset.select_for_update(of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)[:size]
            )
            if not ids:
                return done
            apply(ids)
            done += len(ids)
