"""Cursor pagination over the ordered lists the selectors return.

A cursor is the opaque, URL-safe base64 of the ordering key of the last item a page
showed; the next page starts after that key. Every key ends with the row's id, so keys are
unique and a walk through the pages shows each item once, with no gaps, while the data
does not change. ninja's own ``CursorPagination`` orders a queryset by one field; the
activity list is ordered by its next session, then title, computed by its selector, so the
lists are paged here, after the selectors, before the items are put in their language.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from portal.errors import DomainError

SortKey = tuple[Any, ...]

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class InvalidCursor(DomainError):
    def __init__(self) -> None:
        super().__init__(
            _("The cursor is not valid: use the next link of the previous page."),
            code="invalid_cursor",
        )


def cursor_encode(key: SortKey) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def cursor_decode(cursor: str) -> SortKey:
    """The key in ``cursor``; ``InvalidCursor`` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(value, list) or not all(
        isinstance(part, (int, float, str, bool)) for part in value
    ):
        raise InvalidCursor()
    return tuple(value)


def page_after(
    items: Iterable[Any], *, key: Callable[[Any], SortKey], cursor: str | None, limit: int
) -> tuple[list[Any], SortKey | None]:
    """The ``limit`` items after ``cursor`` in ``key`` order, and the key of the last one
    when more follow (else None)."""
    ordered = sorted(items, key=key)
    if cursor:
        after = cursor_decode(cursor)
        try:
            ordered = [item for item in ordered if key(item) > after]
        except TypeError as exc:  # a key of another shape
            raise InvalidCursor() from exc
    page = ordered[:limit]
    more = len(ordered) > limit
    return page, (key(page[-1]) if more and page else None)


def next_link(request: HttpRequest, key: SortKey | None) -> str | None:
    if key is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor_encode(key)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def queryset_page_after(
    queryset: QuerySet, *, field: str, descending: bool, cursor: str | None, limit: int
) -> tuple[list[Any], SortKey | None]:
    """The ``limit`` rows of ``queryset`` after ``cursor``, ordered by the datetime
    ``field`` then the id (both descending or both ascending), and the key of the last row
    when more follow. Keyset paging in the database: a deep page costs what the first does,
    where ``page_after`` sorts every item in Python (fine for the short public lists, not
    for every consultation the portal ever had)."""
    sign = "-" if descending else ""
    queryset = queryset.order_by(f"{sign}{field}", f"{sign}pk")
    if cursor:
        after = cursor_decode(cursor)
        if len(after) != 2 or not isinstance(after[0], str) or type(after[1]) is not int:
            raise InvalidCursor()
        try:
            moment = datetime.datetime.fromisoformat(after[0])
        except ValueError as exc:
            raise InvalidCursor() from exc
        if moment.tzinfo is None:
            raise InvalidCursor()
        beyond = "lt" if descending else "gt"
        queryset = queryset.filter(
            Q(**{f"{field}__{beyond}": moment}) | Q(**{field: moment, f"pk__{beyond}": after[1]})
        )
    rows = list(queryset[: limit + 1])
    page = rows[:limit]
    if len(rows) <= limit or not page:
        return page, None
    last = page[-1]
    return page, (getattr(last, field).isoformat(), last.pk)
