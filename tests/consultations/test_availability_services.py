"""Availability rules, exceptions and the slots generated from them."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from consultations.models import Availability, Slot
from consultations.services.availability import (
    AvailabilityError,
    availability_create,
    availability_delete,
    exception_create,
    exception_delete,
    slots_generate,
    slots_generate_all,
)
from portal.models import ServiceType
from tests.factories import ConsultationFactory, ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_weekday(weekday: int, *, at_least_days: int = 2) -> datetime.date:
    """The first date with ``weekday`` at least ``at_least_days`` from today (local)."""
    day = timezone.localdate() + datetime.timedelta(days=at_least_days)
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


@pytest.fixture
def expert_user():
    return UserFactory()


@pytest.fixture
def expert(expert_user):
    return ExpertFactory(services=("consulting", "certification"), user=expert_user)


def weekly(expert, by, **overrides):
    monday = next_weekday(0)
    values = {
        "expert": expert,
        "by": by,
        "kind": Availability.Kind.WEEKLY,
        "weekday": 0,
        "start_date": monday,
        "end_date": monday + datetime.timedelta(days=14),
        "start_time": datetime.time(9, 0),
        "end_time": datetime.time(11, 30),
        "slot_minutes": 60,
        "mode": "centre",
        "services": ServiceType.objects.filter(code="certification"),
    }
    values.update(overrides)
    return availability_create(**values)


def local_starts(expert) -> list[datetime.datetime]:
    return [
        timezone.localtime(s.starts_at)
        for s in Slot.objects.filter(expert=expert).order_by("starts_at")
    ]


def test_weekly_rule_spanning_three_weeks_gives_slots_each_week(expert, expert_user):
    rule = weekly(expert, expert_user)

    starts = local_starts(expert)
    monday = rule.start_date
    # 09:00-11:30 in 60-minute pieces: 09:00 and 10:00; the last half hour is dropped.
    expected = [
        datetime.datetime.combine(monday + datetime.timedelta(weeks=w), t, tzinfo=SHANGHAI)
        for w in range(3)
        for t in (datetime.time(9), datetime.time(10))
    ]
    assert starts == expected
    slot = Slot.objects.filter(expert=expert).first()
    assert slot.ends_at - slot.starts_at == datetime.timedelta(hours=1)
    assert slot.mode == "centre"
    assert slot.availability == rule
    assert [s.code for s in slot.services.all()] == ["certification"]


def test_slots_are_aware_and_in_shanghai_time(expert, expert_user, settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    weekly(expert, expert_user)
    slot = Slot.objects.filter(expert=expert).first()
    assert timezone.is_aware(slot.starts_at)
    # Shanghai has no daylight saving time: 09:00 local is always 01:00 UTC.
    assert slot.starts_at.astimezone(datetime.UTC).time() == datetime.time(1, 0)


def test_end_date_and_future_start_date_are_respected(expert, expert_user):
    first = next_weekday(2, at_least_days=9)  # a Wednesday at least 9 days ahead
    weekly(
        expert,
        expert_user,
        weekday=2,
        start_date=first,
        end_date=first + datetime.timedelta(days=13),
        end_time=datetime.time(10, 0),
    )
    days = [s.date() for s in local_starts(expert)]
    assert days == [first, first + datetime.timedelta(days=7)]


def test_weekly_rule_without_end_stops_at_the_horizon(expert, expert_user, settings):
    settings.CONSULTATION_SLOT_HORIZON_DAYS = 20
    weekly(expert, expert_user, end_date=None, end_time=datetime.time(10, 0))
    horizon = timezone.localdate() + datetime.timedelta(days=20)
    days = [s.date() for s in local_starts(expert)]
    assert days and all(day <= horizon for day in days)
    assert len(days) == len(set(days)) <= 3


def test_single_block_gives_its_pieces(expert, expert_user):
    day = timezone.localdate() + datetime.timedelta(days=3)
    availability_create(
        expert=expert,
        by=expert_user,
        kind=Availability.Kind.SINGLE,
        weekday=None,
        start_date=day,
        end_date=None,
        start_time=datetime.time(14, 0),
        end_time=datetime.time(15, 30),
        slot_minutes=45,
        mode="online",
        services=ServiceType.objects.filter(code="consulting"),
    )
    starts = local_starts(expert)
    assert [s.time() for s in starts] == [datetime.time(14, 0), datetime.time(14, 45)]
    assert {s.date() for s in starts} == {day}


def test_whole_day_exception_removes_that_day_and_coming_back_when_deleted(expert, expert_user):
    rule = weekly(expert, expert_user)
    second_monday = rule.start_date + datetime.timedelta(weeks=1)

    exception = exception_create(expert=expert, date=second_monday, reason="出差", by=expert_user)

    days = {s.date() for s in local_starts(expert)}
    assert second_monday not in days
    assert len(local_starts(expert)) == 4

    exception_delete(exception=exception, by=expert_user)
    assert len(local_starts(expert)) == 6


def test_time_range_exception_removes_only_overlapping_slots(expert, expert_user):
    rule = weekly(expert, expert_user)
    monday = rule.start_date

    exception_create(
        expert=expert,
        date=monday,
        start_time=datetime.time(10, 15),
        end_time=datetime.time(10, 45),
    )

    starts = local_starts(expert)
    assert datetime.datetime.combine(monday, datetime.time(9), tzinfo=SHANGHAI) in starts
    assert datetime.datetime.combine(monday, datetime.time(10), tzinfo=SHANGHAI) not in starts
    assert len(starts) == 5


def test_generation_is_idempotent(expert, expert_user):
    weekly(expert, expert_user)
    ids = set(Slot.objects.values_list("pk", flat=True))

    assert slots_generate(expert=expert) == 0
    assert slots_generate_all() == 0
    assert set(Slot.objects.values_list("pk", flat=True)) == ids


def test_generation_skips_past_times(expert, expert_user):
    # A rule starting today: slots earlier today than now are never made.
    today = timezone.localdate()
    availability_create(
        expert=expert,
        by=expert_user,
        kind=Availability.Kind.SINGLE,
        weekday=None,
        start_date=today,
        end_date=None,
        start_time=datetime.time(0, 0),
        end_time=datetime.time(23, 45),
        slot_minutes=15,
        mode="online",
        services=ServiceType.objects.filter(code="consulting"),
    )
    now = timezone.now()
    assert Slot.objects.filter(expert=expert).exists() or timezone.localtime().hour == 23
    assert not Slot.objects.filter(expert=expert, starts_at__lte=now).exists()


def test_deleting_a_rule_keeps_booked_and_proposed_slots(expert, expert_user):
    rule = weekly(expert, expert_user)
    booked, proposed, *_ = Slot.objects.filter(expert=expert).order_by("starts_at")
    ConsultationFactory(slot=booked)
    ConsultationFactory(slot=None, expert=expert, proposed_slot=proposed)

    availability_delete(availability=rule, by=expert_user)

    assert set(Slot.objects.filter(expert=expert)) == {booked, proposed}


def test_cancelled_consultation_still_keeps_its_slot(expert, expert_user):
    rule = weekly(expert, expert_user)
    slot = Slot.objects.filter(expert=expert).first()
    ConsultationFactory(slot=slot, state="cancelled")

    availability_delete(availability=rule, by=expert_user)

    assert list(Slot.objects.filter(expert=expert)) == [slot]


def test_slots_generate_respects_until(expert, expert_user):
    rule = weekly(expert, expert_user)
    Slot.objects.all().delete()
    created = slots_generate(expert=expert, until=rule.start_date)
    assert created == 2
    assert {s.date() for s in local_starts(expert)} == {rule.start_date}


def test_generate_slots_command_fills_in_missing_slots(expert, expert_user, capsys):
    weekly(expert, expert_user)
    Slot.objects.all().delete()
    call_command("generate_slots")
    assert Slot.objects.filter(expert=expert).count() == 6
    assert "Created 6" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"end_time": datetime.time(9, 0)}, "time_order"),
        ({"end_time": datetime.time(9, 30)}, "slot_too_long"),
        ({"slot_minutes": 5}, "slot_length"),
        ({"weekday": None}, "weekday_required"),
        ({"mode": "moon"}, "invalid_mode"),
        ({"services": []}, "no_services"),
        ({"services": ServiceType.objects.filter(code="diagnosis")}, "service_not_offered"),
        (
            {"start_date": datetime.date(2020, 1, 6), "end_date": datetime.date(2020, 2, 3)},
            "in_past",
        ),
        ({"end_date": datetime.date(2000, 1, 1)}, "date_order"),
    ],
)
def test_availability_create_refuses_invalid_rules(expert, expert_user, overrides, code):
    with pytest.raises(AvailabilityError) as error:
        weekly(expert, expert_user, **overrides)
    assert error.value.code == code
    assert not Availability.objects.exists()


def test_overlapping_rules_are_refused(expert, expert_user):
    weekly(expert, expert_user)
    with pytest.raises(AvailabilityError) as error:
        weekly(expert, expert_user, start_time=datetime.time(11), end_time=datetime.time(12))
    assert error.value.code == "overlap"
    # The same hours on another weekday are fine.
    weekly(expert, expert_user, weekday=1, start_date=next_weekday(1))


def test_only_the_expert_or_allowed_staff_may_change_availability(expert):
    stranger = UserFactory()
    with pytest.raises(AvailabilityError) as error:
        weekly(expert, stranger)
    assert error.value.code == "forbidden"

    from django.contrib.auth.models import Permission

    staff = UserFactory()
    staff.user_permissions.add(Permission.objects.get(codename="change_availability"))
    weekly(expert, staff)
    assert Slot.objects.filter(expert=expert).count() == 6


def test_exception_needs_both_times_or_none(expert):
    with pytest.raises(AvailabilityError) as error:
        exception_create(
            expert=expert,
            date=timezone.localdate() + datetime.timedelta(days=1),
            start_time=datetime.time(9),
        )
    assert error.value.code == "time_pair"
