"""Expert availability: rules, exceptions and the slots generated from them.

An expert (or staff with ``consultations.change_availability``) publishes ``Availability``
rules. ``slots_generate`` turns the rules of one expert into ``Slot`` rows for the coming
weeks, in the local time zone (``settings.TIME_ZONE``), skipping ``AvailabilityException``
days and time ranges. It runs after every change of a rule or an exception, and
periodically (``slots_generate_all``) so the horizon moves forward day by day.

Generation is idempotent: ``(expert, starts_at)`` is unique in the database, so two runs
at once (a change and the periodic job) cannot create the same slot twice; the expert row
is locked for the run so they do not interleave their deletions either. A slot that any
consultation points at (booked, proposed, or kept for the record) is never deleted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import Availability, AvailabilityException, Consultation, Mode, Slot
from experts.models import Expert
from portal.errors import DomainError

MIN_SLOT_MINUTES = 15
MAX_SLOT_MINUTES = 480


class AvailabilityError(DomainError):
    """An availability rule refused the request. ``code`` is machine-readable."""


def horizon_days() -> int:
    return int(getattr(settings, "CONSULTATION_SLOT_HORIZON_DAYS", 56))


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def availability_can_manage(*, user, expert: Expert) -> bool:
    """The expert's own linked account, or staff allowed to change availability."""
    if user is None or not user.is_authenticated:
        return False
    if expert.user_id is not None and expert.user_id == user.pk:
        return True
    return user.has_perm("consultations.change_availability")


def _check_can_manage(*, by, expert: Expert) -> None:
    if by is not None and not availability_can_manage(user=by, expert=expert):
        raise AvailabilityError(
            _("You may not change this expert's availability."), code="forbidden"
        )


def _dates_of(rule: Availability, first: datetime.date, last: datetime.date) -> Iterator:
    """The dates between ``first`` and ``last`` (inclusive) on which ``rule`` applies."""
    start = max(rule.start_date, first)
    if rule.kind == Availability.Kind.SINGLE:
        if first <= rule.start_date <= last:
            yield rule.start_date
        return
    end = min(rule.end_date or last, last)
    if start > end:
        return
    assert rule.weekday is not None  # a weekly rule has one (availability_weekly_has_weekday)
    day = start + datetime.timedelta(days=(rule.weekday - start.weekday()) % 7)
    while day <= end:
        yield day
        day += datetime.timedelta(days=7)


def _times_overlap(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def _rules_overlap(a: Availability, b: Availability) -> bool:
    """Whether two rules of one expert ever cover the same moment."""
    if not _times_overlap(a.start_time, a.end_time, b.start_time, b.end_time):
        return False
    first = max(a.start_date, b.start_date)
    a_last = a.end_date or (a.start_date if a.kind == Availability.Kind.SINGLE else None)
    b_last = b.end_date or (b.start_date if b.kind == Availability.Kind.SINGLE else None)
    lasts = [d for d in (a_last, b_last) if d is not None]
    last = min(lasts) if lasts else first + datetime.timedelta(days=7)
    if first > last:
        return False
    # Within a week of the common range every weekday occurs, so a week is enough to look at.
    last = min(last, first + datetime.timedelta(days=6))
    return bool(set(_dates_of(a, first, last)) & set(_dates_of(b, first, last)))


def availability_create(
    *,
    expert: Expert,
    by,
    kind: str,
    weekday: int | None,
    start_date: datetime.date,
    end_date: datetime.date | None,
    start_time: datetime.time,
    end_time: datetime.time,
    slot_minutes: int,
    mode: str,
    services: Iterable,
    note: str = "",
) -> Availability:
    """Adds a weekly rule or a single block and regenerates the expert's slots.

    Error codes: ``forbidden``, ``invalid_kind``, ``weekday_required``, ``invalid_mode``,
    ``time_order``, ``date_order``, ``in_past``, ``slot_length``, ``slot_too_long``,
    ``no_services``, ``service_not_offered``, ``overlap``.
    """
    _check_can_manage(by=by, expert=expert)
    today = timezone.localdate()
    if kind not in Availability.Kind.values:
        raise AvailabilityError(_("Choose how often this time repeats."), code="invalid_kind")
    if kind == Availability.Kind.WEEKLY:
        if weekday is None or not 0 <= int(weekday) <= 6:
            raise AvailabilityError(_("Choose the day of the week."), code="weekday_required")
        weekday = int(weekday)
    else:
        weekday = None
        end_date = start_date
    if mode not in Mode.values:
        raise AvailabilityError(
            _("Choose where the consultations take place."), code="invalid_mode"
        )
    if end_time <= start_time:
        raise AvailabilityError(
            _("The end time must be later than the start time."), code="time_order"
        )
    if end_date is not None and end_date < start_date:
        raise AvailabilityError(
            _("The last date must not be before the first date."), code="date_order"
        )
    if (end_date or today) < today:
        raise AvailabilityError(_("This time lies in the past."), code="in_past")
    if not MIN_SLOT_MINUTES <= int(slot_minutes) <= MAX_SLOT_MINUTES:
        raise AvailabilityError(
            _("A consultation lasts between %(min)d and %(max)d minutes.")
            % {"min": MIN_SLOT_MINUTES, "max": MAX_SLOT_MINUTES},
            code="slot_length",
        )
    block = datetime.datetime.combine(today, end_time) - datetime.datetime.combine(
        today, start_time
    )
    if block < datetime.timedelta(minutes=int(slot_minutes)):
        raise AvailabilityError(
            _("The time from start to end is shorter than one consultation."),
            code="slot_too_long",
        )
    services = list(services)
    if not services:
        raise AvailabilityError(_("Choose at least one service."), code="no_services")
    offered = set(expert.services.values_list("pk", flat=True))
    if any(s.pk not in offered for s in services):
        raise AvailabilityError(
            _("Only services this expert offers can be chosen."), code="service_not_offered"
        )
    rule = Availability(
        expert=expert,
        kind=kind,
        weekday=weekday,
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        slot_minutes=int(slot_minutes),
        mode=mode,
        note=note,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    with transaction.atomic():
        # Lock the expert so two rules added at once are both checked against each other.
        Expert.objects.select_for_update().filter(pk=expert.pk).first()
        for other in Availability.objects.filter(expert=expert):
            if _rules_overlap(rule, other):
                raise AvailabilityError(
                    _("This time overlaps another available time of the expert."),
                    code="overlap",
                )
        rule.save()
        rule.services.set(services)
        slots_generate(expert=expert)
    return rule


def availability_delete(*, availability: Availability, by) -> None:
    """Removes a rule; its free future slots go, booked ones stay. Error: ``forbidden``."""
    expert = availability.expert
    _check_can_manage(by=by, expert=expert)
    with transaction.atomic():
        availability.delete()
        slots_generate(expert=expert)


def exception_create(
    *,
    expert: Expert,
    date: datetime.date,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    reason: str = "",
    by=None,
) -> AvailabilityException:
    """Marks a whole day (no times) or a time range as unavailable and removes the free
    slots in it. Booked slots stay: the booking is cancelled through the booking workflow.

    Error codes: ``forbidden``, ``in_past``, ``time_pair``, ``time_order``.
    """
    _check_can_manage(by=by, expert=expert)
    if date < timezone.localdate():
        raise AvailabilityError(_("This date lies in the past."), code="in_past")
    if (start_time is None) != (end_time is None):
        raise AvailabilityError(
            _("Give both a start and an end time, or neither for the whole day."),
            code="time_pair",
        )
    if start_time is not None and end_time is not None and end_time <= start_time:
        raise AvailabilityError(
            _("The end time must be later than the start time."), code="time_order"
        )
    with transaction.atomic():
        exception = AvailabilityException.objects.create(
            expert=expert, date=date, start_time=start_time, end_time=end_time, reason=reason
        )
        slots_generate(expert=expert)
    return exception


def exception_delete(*, exception: AvailabilityException, by=None) -> None:
    """Removes an exception; the rules' slots on that day come back. Error: ``forbidden``."""
    expert = exception.expert
    _check_can_manage(by=by, expert=expert)
    with transaction.atomic():
        exception.delete()
        slots_generate(expert=expert)


@dataclass
class _Planned:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    rule: Availability


def _excluded(
    exceptions: list[AvailabilityException], start: datetime.datetime, end: datetime.datetime
) -> bool:
    """Whether a slot (local, aware) falls on an exception day or overlaps its range."""
    for exception in exceptions:
        if exception.start_time is None:
            return True
        # Set together with start_time (the model's constraint).
        assert exception.end_time is not None
        zone = start.tzinfo
        ex_start = datetime.datetime.combine(exception.date, exception.start_time, tzinfo=zone)
        ex_end = datetime.datetime.combine(exception.date, exception.end_time, tzinfo=zone)
        if _times_overlap(start, end, ex_start, ex_end):
            return True
    return False


def _plan(
    *,
    rules: list[Availability],
    exceptions: list[AvailabilityException],
    now: datetime.datetime,
    first: datetime.date,
    last: datetime.date,
) -> dict[datetime.datetime, _Planned]:
    zone = _local_zone()
    by_date: dict[datetime.date, list[AvailabilityException]] = {}
    for exception in exceptions:
        by_date.setdefault(exception.date, []).append(exception)
    planned: dict[datetime.datetime, _Planned] = {}
    for rule in rules:  # ordered by pk: of two rules giving the same start, the older wins
        length = datetime.timedelta(minutes=rule.slot_minutes)
        for day in _dates_of(rule, first, last):
            start = datetime.datetime.combine(day, rule.start_time, tzinfo=zone)
            block_end = datetime.datetime.combine(day, rule.end_time, tzinfo=zone)
            # Local wall-clock arithmetic; a remainder shorter than one slot is dropped.
            while start + length <= block_end:
                end = start + length
                start_utc = start.astimezone(datetime.UTC)
                if (
                    start_utc > now
                    and not _excluded(by_date.get(day, []), start, end)
                    and start_utc not in planned
                ):
                    planned[start_utc] = _Planned(start_utc, end.astimezone(datetime.UTC), rule)
                start = end
    return planned


def slots_generate(*, expert: Expert, until: datetime.date | None = None) -> int:
    """Makes the expert's future slots follow the rules up to ``until`` (inclusive; default
    ``CONSULTATION_SLOT_HORIZON_DAYS`` days ahead). Creates missing slots, updates free
    ones whose rule changed, deletes free ones no rule gives any more. Returns how many
    slots were created."""
    now = timezone.now()
    zone = _local_zone()
    today = timezone.localtime(now, zone).date()
    last = until or today + datetime.timedelta(days=horizon_days())
    window_end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
    )
    with transaction.atomic():
        # Serialises runs for one expert (a change and the periodic job at the same time).
        Expert.objects.select_for_update().filter(pk=expert.pk).first()
        rules = list(
            Availability.objects.filter(expert=expert).prefetch_related("services").order_by("pk")
        )
        exceptions = list(
            AvailabilityException.objects.filter(expert=expert, date__gte=today, date__lte=last)
        )
        planned = _plan(rules=rules, exceptions=exceptions, now=now, first=today, last=last)

        used = Consultation.objects.filter(slot=OuterRef("pk"))
        proposed = Consultation.objects.filter(proposed_slot=OuterRef("pk"))
        existing = list(
            Slot.objects.filter(expert=expert, starts_at__gt=now, starts_at__lt=window_end)
            .annotate(booked=Exists(used), proposed=Exists(proposed))
            .prefetch_related("services")
        )
        through = Slot.services.through
        to_delete: list[int] = []
        service_rows = []
        for slot in existing:
            plan = planned.pop(slot.starts_at, None)
            if slot.booked or slot.proposed:
                continue
            if plan is None:
                to_delete.append(slot.pk)
                continue
            rule = plan.rule
            if (slot.ends_at, slot.mode, slot.availability_id) != (
                plan.ends_at,
                rule.mode,
                rule.pk,
            ):
                slot.ends_at, slot.mode, slot.availability_id = plan.ends_at, rule.mode, rule.pk
                slot.save(update_fields=["ends_at", "mode", "availability"])
            wanted = {s.pk for s in rule.services.all()}
            if {s.pk for s in slot.services.all()} != wanted:
                through.objects.filter(slot_id=slot.pk).exclude(servicetype_id__in=wanted).delete()
                service_rows += [through(slot_id=slot.pk, servicetype_id=pk) for pk in wanted]
        if to_delete:
            # Re-checked in the statement: a booking made since the read keeps its slot.
            Slot.objects.filter(pk__in=to_delete).exclude(Exists(used)).exclude(
                Exists(proposed)
            ).delete()
        new = [
            Slot(
                expert=expert,
                availability=plan.rule,
                starts_at=plan.starts_at,
                ends_at=plan.ends_at,
                mode=plan.rule.mode,
            )
            for plan in planned.values()
        ]
        if new:
            Slot.objects.bulk_create(new, ignore_conflicts=True)
            # ignore_conflicts leaves pks unset on some databases: read them back.
            created = Slot.objects.filter(
                expert=expert, starts_at__in=[plan.starts_at for plan in planned.values()]
            ).values_list("pk", "starts_at")
            for pk, starts_at in created:
                rule = planned[starts_at].rule
                service_rows += [
                    through(slot_id=pk, servicetype_id=s.pk) for s in rule.services.all()
                ]
        if service_rows:
            through.objects.bulk_create(service_rows, ignore_conflicts=True)
    return len(new)


def slots_generate_all() -> int:
    """Runs ``slots_generate`` for every active expert with a rule; for the periodic job."""
    total = 0
    experts = Expert.objects.filter(is_active=True, availabilities__isnull=False).distinct()
    for expert in experts:
        total += slots_generate(expert=expert)
    return total
