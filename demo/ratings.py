"""Ratings of the demo's finished services: whatever open-day visits were checked in,
consultations completed and lab visits attended when the build ends (this year's demo and
any past history built before) gets its one rating, as a visitor would give it through the
link of the request to rate. Run at the end of ``seed_demo``; re-running rates nothing
twice (one rating per service) and never changes a rating already given."""

from __future__ import annotations

import datetime

from django.utils import timezone

from demo.pages import Tally
from portal.errors import DomainError
from ratings.kinds import kinds
from ratings.models import Level, Rating
from ratings.services import rating_submit

# Since when finished services are rated: the demo's history goes back a year or two.
HISTORY_DAYS = 3 * 366
# About one person in seven does not answer the request to rate.
SILENT_EVERY = 7
COMMENTS = {
    Level.VERY_SATISFIED: ["讲解清楚，收获很大。", "工作人员很专业，安排周到。", ""],
    Level.SATISFIED: ["整体不错，希望时间再长一些。", "", "流程顺畅。"],
    Level.NEUTRAL: ["内容偏基础。", ""],
    Level.DISSATISFIED: ["现场等候时间较长，引导不够清楚。"],
    Level.VERY_DISSATISFIED: ["预约时间被临时调整，没有提前通知。"],
}


def _level(object_id: int) -> int:
    """A level that does not change between runs: mostly satisfied, a few low ones."""
    n = (object_id * 7919) % 20
    if n < 10:
        return Level.VERY_SATISFIED
    if n < 16:
        return Level.SATISFIED
    if n < 18:
        return Level.NEUTRAL
    return Level.DISSATISFIED if n == 18 else Level.VERY_DISSATISFIED


def ratings_seed(*, tally: Tally, now: datetime.datetime | None = None) -> int:
    """Rate every finished service of every kind that has no rating yet; returns how many."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=HISTORY_DAYS)
    given = 0
    for kind in kinds():
        things = list(kind.ended(since=since, until=now))
        rated = set(
            Rating.objects.filter(kind=kind.kind, object_id__in=[t.pk for t in things]).values_list(
                "object_id", flat=True
            )
        )
        for thing in things:
            if thing.pk in rated:
                tally.record("rating", "unchanged")
                continue
            if thing.pk % SILENT_EVERY == 0:
                continue
            level = _level(thing.pk)
            comments = COMMENTS[Level(level)]
            try:
                rating_submit(
                    kind=kind.kind,
                    object_id=thing.pk,
                    level=level,
                    comment=comments[thing.pk % len(comments)],
                    by_link=True,
                    now=now,
                )
            except DomainError:  # not rateable after all (e.g. its session still runs)
                continue
            tally.record("rating", "created")
            given += 1
    return given
