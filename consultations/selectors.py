"""Reads about expert availability: free slots for enterprises, an expert's own schedule."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from consultations.models import (
    ACTIVE_STATES,
    Availability,
    AvailabilityException,
    Consultation,
    Slot,
)
from experts.models import Expert
from portal.choices import Service


def slot_list_free(
    *,
    expert: Expert | None = None,
    service: str = "",
    start: datetime.datetime | None = None,
    limit: int | None = None,
) -> QuerySet[Slot]:
    """Future slots of published, active experts that an enterprise may still book: no
    requested or confirmed consultation on the slot, and no confirmed consultation of the
    same expert overlapping it. Optionally of one expert, offering one service, from
    ``start`` on. Ordered by start time."""
    start = max(start or timezone.now(), timezone.now())
    taken = Consultation.objects.filter(slot=OuterRef("pk"), state__in=ACTIVE_STATES)
    clash = Consultation.objects.filter(
        expert=OuterRef("expert"),
        state=Consultation.State.CONFIRMED,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    )
    qs = Slot.objects.filter(
        starts_at__gt=start, expert__live=True, expert__is_active=True
    ).exclude(Exists(taken))
    qs = qs.exclude(Exists(clash))
    if expert is not None:
        qs = qs.filter(expert=expert)
    if service in Service.values:
        offers = Slot.services.through.objects.filter(
            slot=OuterRef("pk"), servicetype__code=service
        )
        qs = qs.filter(Exists(offers))
    qs = qs.select_related("expert").order_by("starts_at", "expert_id", "pk")
    if limit is not None:
        qs = qs[:limit]
    return qs


def expert_next_free_slots(
    *, experts: Iterable[Expert], limit: int = 3, service: str = ""
) -> dict[int, list[Slot]]:
    """The first ``limit`` free slots of each expert, in one query (a window function
    numbers each expert's slots). Every given expert has a key, with an empty list when
    nothing is free."""
    ids = [expert.pk for expert in experts]
    result: dict[int, list[Slot]] = {pk: [] for pk in ids}
    if not ids:
        return result
    qs = (
        slot_list_free(service=service)
        .filter(expert_id__in=ids)
        .select_related(None)
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("expert_id")], order_by=[F("starts_at"), F("pk")]
            )
        )
        .filter(position__lte=limit)
        .order_by("expert_id", "starts_at", "pk")
    )
    for slot in qs:
        result[slot.expert_id].append(slot)
    return result


def slot_list_for_expert(*, expert: Expert, limit: int = 60) -> list[Slot]:
    """The expert's upcoming slots, booked or free; ``slot.booking`` is the active
    consultation on it or None."""
    slots = list(
        Slot.objects.filter(expert=expert, ends_at__gt=timezone.now())
        .prefetch_related("services")
        .order_by("starts_at")[:limit]
    )
    bookings = {
        c.slot_id: c
        for c in Consultation.objects.filter(
            slot__in=[s.pk for s in slots], state__in=ACTIVE_STATES
        ).only("pk", "slot_id", "state", "reference")
    }
    for slot in slots:
        slot.booking = bookings.get(slot.pk)
    return slots


def availability_list_for_expert(*, expert: Expert) -> list[Availability]:
    """The expert's rules still in force (a weekly rule without end, or ending today or
    later), with their services."""
    today = timezone.localdate()
    return list(
        Availability.objects.filter(expert=expert)
        .exclude(end_date__lt=today)
        .prefetch_related("services")
        .order_by("kind", "weekday", "start_date", "start_time")
    )


def exception_list_for_expert(*, expert: Expert) -> list[AvailabilityException]:
    return list(
        AvailabilityException.objects.filter(
            expert=expert, date__gte=timezone.localdate()
        ).order_by("date", "start_time")
    )
