"""Reads of ratings."""

from __future__ import annotations

from ratings.models import Rating


def rating_for(*, kind: str, object_id: int) -> Rating | None:
    """The rating of ``kind`` ``object_id``, None when it was not rated."""
    return Rating.objects.filter(kind=kind, object_id=object_id).first()


def ratings_by_id(*, kind: str, object_ids) -> dict[int, Rating]:
    """The ratings of several things of one kind, by id (one query for a list page)."""
    return {r.object_id: r for r in Rating.objects.filter(kind=kind, object_id__in=object_ids)}
