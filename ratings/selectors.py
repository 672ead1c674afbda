"""Reads of ratings."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from ratings.kinds import kind_for
from ratings.links import rating_path
from ratings.models import Rating

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def rating_for(*, kind: str, object_id: int) -> Rating | None:
    """The rating of ``kind`` ``object_id``, None when it was not rated."""
    return Rating.objects.filter(kind=kind, object_id=object_id).first()


def ratings_by_id(*, kind: str, object_ids) -> dict[int, Rating]:
    """The ratings of several things of one kind, by id (one query for a list page)."""
    return {r.object_id: r for r in Rating.objects.filter(kind=kind, object_id__in=object_ids)}


def rating_prompt(
    *,
    kind: str,
    object_id: int,
    user: AbstractBaseUser | AnonymousUser | None = None,
    holder: bool = False,
    now: datetime.datetime | None = None,
) -> dict | None:
    """What a kind's own page shows about its rating (``ratings/includes/prompt.html``):
    the rating once given, else the link to the rating page while the thing can be rated
    by this viewer (the holder of the booking's own link, or ``may_rate``); None when
    there is nothing to show."""
    rateable = kind_for(kind)
    rating = rating_for(kind=kind, object_id=object_id)
    if rating is not None:
        return {"rating": rating, "url": ""}
    obj = rateable.get(object_id)
    if obj is None or not rateable.rateable(obj, now=now or timezone.now()):
        return None
    allowed = holder or (
        user is not None and user.is_authenticated and rateable.may_rate(obj, user=user)
    )
    if not allowed:
        return None
    return {"rating": None, "url": rating_path(kind=kind, object_id=object_id)}
