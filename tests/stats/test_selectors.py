"""Statistics figures checked against values computed by hand on a small data set.

The data set (``stats_data``):

Campaign A (this year): activity 1 (lab tour, Banan, institution 1) with sessions s1 (day
1, 20 places) and s2 (day 2 at 07:00 local, i.e. 23:00 UTC on day 1; 10 places);
activity 2 (lecture, Yuzhong, institution 2) with s3 (day 1, 30 places).
Campaign B (last year): activity 3 (lab tour, Banan, institution 1) with s4 (5 places).

People per session (party sizes):
    s1: confirmed 2 + 1, checked in 3, no-show 2, waiting 4, cancelled 1, walk-in 2
        -> registered 8, waitlisted 4, cancelled 1, checked in 5, walk-ins 2, no-shows 2
    s2: checked in 1, cancelled 2, waiting 1, walk-in 1
        -> registered 1, waitlisted 1, cancelled 2, checked in 2, walk-ins 1, no-shows 0
    s3: confirmed 5, no-show 1, checked in 4
        -> registered 10, checked in 4, no-shows 1
    s4: confirmed 3 -> registered 3
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from consultations.models import Consultation, ConsultationChange
from events.models import ActivityType, Registration
from labvisits.models import LabVisit
from portal.choices import District, Field, Service
from stats.selectors import (
    StatsFilters,
    campaign_choices,
    campaign_current,
    consultation_breakdown,
    consultation_summary,
    lab_visit_breakdown,
    lab_visit_summary,
    open_day_breakdown,
    open_day_headline,
    stats_filters_from_query,
    stats_last_refresh,
)
from stats.services import stats_refresh
from tests import factories

TZ = timezone.get_fixed_timezone(8 * 60)  # Asia/Shanghai has no daylight saving time
DAY1 = datetime.date(2026, 5, 20)
DAY2 = datetime.date(2026, 5, 21)
REQUESTED_ON = datetime.datetime(2026, 5, 10, 10, 0, tzinfo=TZ)
Status = Registration.Status
Source = Registration.Source


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@dataclass
class Data:
    campaign_a: object
    campaign_b: object
    institution_1: object
    institution_2: object
    activities: list
    sessions: list
    experts: list


def add_registrations(session, rows: list[tuple[str, int, str]]) -> None:
    for status, party_size, source in rows:
        factories.RegistrationFactory(
            session=session, status=status, party_size=party_size, source=source
        )


def add_consultation(
    *,
    service: str,
    field: str,
    district: str,
    expert,
    state: str,
    confirm_hours: list[int] = (),
    rating: int | None = None,
    past: bool = False,
    requested_at: datetime.datetime = REQUESTED_ON,
) -> Consultation:
    slot = None
    if expert is not None:
        kwargs = {"expert": expert}
        if past:
            kwargs["starts_at"] = timezone.now() - datetime.timedelta(days=3)
        slot = factories.SlotFactory(**kwargs)
    user = factories.UserFactory()
    consultation = factories.ConsultationFactory(
        requested_by=user,
        enterprise=factories.EnterpriseFactory(owner=user, district=district),
        slot=slot,
        expert=expert,
        service=service,
        field=field,
        state=state,
        rating=rating,
    )
    Consultation.objects.filter(pk=consultation.pk).update(created_at=requested_at)
    for hours in confirm_hours:
        change = ConsultationChange.objects.create(
            consultation=consultation, event="confirm", from_state="requested", to_state="confirmed"
        )
        ConsultationChange.objects.filter(pk=change.pk).update(
            created_at=requested_at + datetime.timedelta(hours=hours)
        )
    # A change to another state never counts as a confirmation.
    change = ConsultationChange.objects.create(
        consultation=consultation, event="request", from_state="", to_state="requested"
    )
    ConsultationChange.objects.filter(pk=change.pk).update(created_at=requested_at)
    return consultation


def add_visit(slot, *, state: str, group_size: int, checked_in: bool = False) -> None:
    factories.LabVisitFactory(
        slot=slot,
        state=state,
        group_size=group_size,
        checked_in_at=timezone.now() if checked_in else None,
    )


def build_stats_data(site_tree) -> Data:
    home = site_tree.zh.home
    campaign_a = site_tree.zh.campaign
    campaign_b = factories.OpenDayIndexPageFactory(
        parent=home, year=campaign_a.year - 1, title="去年的开放日", slug="open-day-last-year"
    )
    institution_1 = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, title="机构一", district=District.BANAN
    )
    factories.translate(institution_1, "en", title="Institution one")
    institution_2 = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, title="机构二", district=District.YUZHONG
    )
    activity_1 = factories.ActivityPageFactory(
        parent=campaign_a,
        title="参观甲",
        activity_type=ActivityType.LAB_TOUR,
        district=District.BANAN,
        institution=institution_1,
    )
    factories.translate(activity_1, "en", title="Visit A")
    activity_2 = factories.ActivityPageFactory(
        parent=campaign_a,
        title="讲座乙",
        activity_type=ActivityType.LECTURE,
        district=District.YUZHONG,
        institution=institution_2,
    )
    activity_3 = factories.ActivityPageFactory(
        parent=campaign_b,
        title="去年参观",
        activity_type=ActivityType.LAB_TOUR,
        district=District.BANAN,
        institution=institution_1,
    )

    def session(activity, starts_at, capacity):
        return factories.SessionFactory(
            activity=activity,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            capacity=capacity,
            max_party_size=5,
            sync_revision=False,
        )

    s1 = session(activity_1, at(DAY1, 9), 20)
    s2 = session(activity_1, at(DAY2, 7), 10)  # 23:00 UTC on day 1
    s3 = session(activity_2, at(DAY1, 14), 30)
    s4 = session(activity_3, at(DAY1, 9), 5)
    add_registrations(
        s1,
        [
            (Status.CONFIRMED, 2, Source.ONLINE),
            (Status.CONFIRMED, 1, Source.STAFF),
            (Status.CHECKED_IN, 3, Source.ONLINE),
            (Status.NO_SHOW, 2, Source.ONLINE),
            (Status.WAITLISTED, 4, Source.ONLINE),
            (Status.CANCELLED, 1, Source.ONLINE),
            (Status.CHECKED_IN, 2, Source.WALK_IN),
        ],
    )
    add_registrations(
        s2,
        [
            (Status.CHECKED_IN, 1, Source.ONLINE),
            (Status.CANCELLED, 2, Source.ONLINE),
            (Status.WAITLISTED, 1, Source.ONLINE),
            (Status.CHECKED_IN, 1, Source.WALK_IN),
        ],
    )
    add_registrations(
        s3,
        [
            (Status.CONFIRMED, 5, Source.ONLINE),
            (Status.NO_SHOW, 1, Source.ONLINE),
            (Status.CHECKED_IN, 4, Source.ONLINE),
        ],
    )
    add_registrations(s4, [(Status.CONFIRMED, 3, Source.ONLINE)])

    # Consultations: time to the first confirmation 2, 10, 4, 1 and 30 hours.
    e1 = factories.ExpertFactory(name="专家一", name_en="Expert One")
    e2 = factories.ExpertFactory(name="专家二", name_en="Expert Two")
    State = Consultation.State
    add_consultation(
        service=Service.CERTIFICATION, field=Field.AUTOMOTIVE, district=District.BANAN,
        expert=e1, state=State.COMPLETED, confirm_hours=[2, 50], rating=5,
    )  # fmt: skip
    add_consultation(
        service=Service.CERTIFICATION, field=Field.FOOD, district=District.BANAN,
        expert=e1, state=State.COMPLETED, confirm_hours=[10], rating=3,
    )  # fmt: skip
    add_consultation(
        service=Service.CONSULTING, field=Field.AUTOMOTIVE, district=District.YUZHONG,
        expert=e2, state=State.NO_SHOW, confirm_hours=[4],
    )  # fmt: skip
    add_consultation(
        service=Service.CONSULTING, field=Field.AUTOMOTIVE, district=District.YUZHONG,
        expert=e2, state=State.CONFIRMED, confirm_hours=[1], past=True,
    )  # fmt: skip
    add_consultation(
        service=Service.DIAGNOSIS, field=Field.AUTOMOTIVE, district=District.BANAN,
        expert=e1, state=State.CONFIRMED, confirm_hours=[30],
    )  # fmt: skip
    add_consultation(
        service=Service.CONSULTING, field="", district=District.YUZHONG,
        expert=None, state=State.REQUESTED,
        requested_at=datetime.datetime(2026, 5, 12, 10, 0, tzinfo=TZ),
    )  # fmt: skip
    add_consultation(
        service=Service.CERTIFICATION, field=Field.AUTOMOTIVE, district=District.BANAN,
        expert=e1, state=State.DECLINED,
    )  # fmt: skip

    # Lab visits: institution 1's lab has slots on day 1 and day 2, institution 2's on day 1.
    lab_1 = factories.LabFactory(institution=institution_1)
    lab_2 = factories.LabFactory(institution=institution_2)
    vs1 = factories.VisitSlotFactory(lab=lab_1, starts_at=at(DAY1, 10), ends_at=at(DAY1, 12))
    vs2 = factories.VisitSlotFactory(lab=lab_1, starts_at=at(DAY2, 10), ends_at=at(DAY2, 12))
    vs3 = factories.VisitSlotFactory(lab=lab_2, starts_at=at(DAY1, 10), ends_at=at(DAY1, 12))
    VS = LabVisit.State
    add_visit(vs1, state=VS.APPROVED, group_size=3, checked_in=True)
    add_visit(vs1, state=VS.APPROVED, group_size=4)
    add_visit(vs1, state=VS.NO_SHOW, group_size=2)
    add_visit(vs1, state=VS.REQUESTED, group_size=5)
    add_visit(vs1, state=VS.DECLINED, group_size=1)
    add_visit(vs1, state=VS.CANCELLED, group_size=2)
    add_visit(vs2, state=VS.APPROVED, group_size=2, checked_in=True)
    add_visit(vs3, state=VS.REQUESTED, group_size=3)

    return Data(
        campaign_a=campaign_a,
        campaign_b=campaign_b,
        institution_1=institution_1,
        institution_2=institution_2,
        activities=[activity_1, activity_2, activity_3],
        sessions=[s1, s2, s3, s4],
        experts=[e1, e2],
    )


@pytest.fixture
def stats_data(site_tree) -> Data:
    data = build_stats_data(site_tree)
    stats_refresh()
    return data


def figures(row: dict, *names: str) -> dict:
    return {name: row[name] for name in names}


PEOPLE = ("capacity", "registered", "waitlisted", "cancelled", "checked_in", "walk_ins", "no_shows")


def test_open_day_headline_of_a_campaign(stats_data):
    row = open_day_headline(filters=StatsFilters(campaign_id=stats_data.campaign_a.pk))

    assert row == {
        "sessions": 3,
        "activities": 2,
        "institutions": 2,
        "capacity": 60,
        "registered": 19,
        "waitlisted": 5,
        "cancelled": 3,
        "checked_in": 11,
        "walk_ins": 3,
        "no_shows": 3,
        "unlimited_sessions": 0,
        "unlimited_registered": 0,
        "fill_rate": pytest.approx(22 / 60),
        "turnout_rate": pytest.approx(8 / 19),
    }


def test_open_day_headline_of_every_campaign(stats_data):
    row = open_day_headline(filters=StatsFilters())

    assert figures(row, "sessions", "activities", "institutions", *PEOPLE) == {
        "sessions": 4,
        "activities": 3,
        "institutions": 2,
        "capacity": 65,
        "registered": 22,
        "waitlisted": 5,
        "cancelled": 3,
        "checked_in": 11,
        "walk_ins": 3,
        "no_shows": 3,
    }
    assert row["fill_rate"] == pytest.approx(25 / 65)
    assert row["turnout_rate"] == pytest.approx(8 / 22)


@pytest.mark.parametrize(
    ("filter_kwargs", "expected"),
    [
        # Yuzhong: session s3 only.
        (
            {"district": District.YUZHONG},
            {"sessions": 1, "capacity": 30, "registered": 10, "checked_in": 4, "walk_ins": 0,
             "fill_rate": 10 / 30, "turnout_rate": 4 / 10},
        ),
        # Day 2 (local): s2 only, although it starts on day 1 in UTC.
        (
            {"date_from": DAY2, "date_to": DAY2},
            {"sessions": 1, "capacity": 10, "registered": 1, "checked_in": 2, "walk_ins": 1,
             "fill_rate": 2 / 10, "turnout_rate": 1.0},
        ),
        # Day 1: s1 and s3.
        (
            {"date_to": DAY1},
            {"sessions": 2, "capacity": 50, "registered": 18, "checked_in": 9, "walk_ins": 2,
             "fill_rate": 20 / 50, "turnout_rate": 7 / 18},
        ),
        (
            {"activity_type": ActivityType.LECTURE},
            {"sessions": 1, "capacity": 30, "registered": 10, "checked_in": 4, "walk_ins": 0,
             "fill_rate": 10 / 30, "turnout_rate": 4 / 10},
        ),
        (
            {"activity_type": ActivityType.CONSUMER},
            {"sessions": 0, "capacity": 0, "registered": 0, "checked_in": 0, "walk_ins": 0,
             "fill_rate": None, "turnout_rate": None},
        ),
    ],
)  # fmt: skip
def test_open_day_filters_change_the_figures(stats_data, filter_kwargs, expected):
    filters = StatsFilters(campaign_id=stats_data.campaign_a.pk, **filter_kwargs)

    row = open_day_headline(filters=filters)

    assert figures(row, *expected) == pytest.approx(expected)


def test_open_day_institution_filter_spans_campaigns(stats_data):
    row = open_day_headline(filters=StatsFilters(institution_id=stats_data.institution_1.pk))

    # s1, s2 (campaign A) and s4 (campaign B).
    assert figures(row, "sessions", "capacity", "registered", "checked_in") == {
        "sessions": 3,
        "capacity": 35,
        "registered": 12,
        "checked_in": 7,
    }
    row = open_day_headline(
        filters=StatsFilters(
            campaign_id=stats_data.campaign_b.pk, institution_id=stats_data.institution_1.pk
        )
    )
    assert figures(row, "sessions", "registered") == {"sessions": 1, "registered": 3}


def test_open_day_breakdown_by_day(stats_data):
    rows = open_day_breakdown(filters=StatsFilters(campaign_id=stats_data.campaign_a.pk), by="day")

    assert [(r["key"], r["label"]) for r in rows] == [(DAY1, "2026-05-20"), (DAY2, "2026-05-21")]
    assert figures(rows[0], "sessions", *PEOPLE) == {
        "sessions": 2,
        "capacity": 50,
        "registered": 18,
        "waitlisted": 4,
        "cancelled": 1,
        "checked_in": 9,
        "walk_ins": 2,
        "no_shows": 3,
    }
    assert rows[1]["fill_rate"] == pytest.approx(0.2)
    assert rows[1]["turnout_rate"] == pytest.approx(1.0)


def test_open_day_breakdown_labels_follow_the_language(stats_data):
    filters = StatsFilters(campaign_id=stats_data.campaign_a.pk)
    activity_1, activity_2, _ = stats_data.activities

    with translation.override("en"):
        by_activity = open_day_breakdown(filters=filters, by="activity")
        by_type = open_day_breakdown(filters=filters, by="activity_type")
        by_district = open_day_breakdown(filters=filters, by="district")
        by_institution = open_day_breakdown(filters=filters, by="institution")
    with translation.override("zh-hans"):
        zh_activity = open_day_breakdown(filters=filters, by="activity")

    # Activity 2 has no English translation: its Chinese title is shown.
    assert {r["key"]: (r["label"], r["registered"]) for r in by_activity} == {
        activity_1.pk: ("Visit A", 9),
        activity_2.pk: ("讲座乙", 10),
    }
    assert {r["label"] for r in zh_activity} == {"参观甲", "讲座乙"}
    assert [(r["key"], r["label"], r["sessions"]) for r in by_type] == [
        (ActivityType.LAB_TOUR, "Lab tour", 2),
        (ActivityType.LECTURE, "Lecture", 1),
    ]
    assert [(r["label"], r["capacity"]) for r in by_district] == [
        ("Banan District", 30),
        ("Yuzhong District", 30),
    ]
    assert {r["label"]: r["checked_in"] for r in by_institution} == {
        "Institution one": 7,
        "机构二": 4,
    }


def test_open_day_breakdown_rejects_unknown_dimension(stats_data):
    with pytest.raises(ValueError):
        open_day_breakdown(filters=StatsFilters(), by="phone")


def test_consultation_summary(stats_data):
    row = consultation_summary(filters=StatsFilters())

    # Confirmation times 1, 2, 4, 10, 30 h: nearest rank 3 of 5 and 5 of 5. The second
    # confirmation of the first consultation (after 50 h) does not count.
    assert row == {
        "requests": 7,
        "confirmed": 5,
        "completed": 2,
        # completed 2 / (completed 2 + no-show 1 + confirmed with the time passed 1)
        "completion_rate": pytest.approx(0.5),
        "average_rating": pytest.approx(4.0),
        "confirm_median_hours": pytest.approx(4.0),
        "confirm_p90_hours": pytest.approx(30.0),
    }


def test_consultation_summary_filtered_by_district_and_date(stats_data):
    row = consultation_summary(filters=StatsFilters(district=District.YUZHONG))

    assert row == {
        "requests": 3,
        "confirmed": 2,
        "completed": 0,
        "completion_rate": pytest.approx(0.0),
        "average_rating": None,
        "confirm_median_hours": pytest.approx(1.0),  # times 1 and 4 h: rank 1 of 2
        "confirm_p90_hours": pytest.approx(4.0),  # rank 2 of 2
    }
    row = consultation_summary(filters=StatsFilters(date_from=datetime.date(2026, 5, 11)))
    assert row["requests"] == 1
    assert row["completion_rate"] is None
    assert row["confirm_median_hours"] is None
    # Campaign, institution and activity type do not apply to consultations.
    unfiltered = consultation_summary(
        filters=StatsFilters(campaign_id=stats_data.campaign_b.pk, activity_type="lecture")
    )
    assert unfiltered["requests"] == 7


def test_consultation_breakdowns(stats_data):
    filters = StatsFilters()
    e1, e2 = stats_data.experts

    with translation.override("en"):
        by_service = consultation_breakdown(filters=filters, by="service")
        by_expert = consultation_breakdown(filters=filters, by="expert")
        by_state = consultation_breakdown(filters=filters, by="state")
        by_field = consultation_breakdown(filters=filters, by="field")
        by_district = consultation_breakdown(filters=filters, by="district")

    assert {
        r["key"]: (r["label"], r["requests"], r["completed"], r["completion_rate"])
        for r in by_service
    } == {
        Service.CERTIFICATION: ("Certification support", 3, 2, 1.0),
        Service.CONSULTING: ("Technical consulting", 3, 0, 0.0),
        Service.DIAGNOSIS: ("Quality diagnosis", 1, 0, None),
    }
    assert {r["label"]: r["average_rating"] for r in by_service} == {
        "Certification support": pytest.approx(4.0),
        "Technical consulting": None,
        "Quality diagnosis": None,
    }
    assert {r["key"]: (r["label"], r["requests"]) for r in by_expert} == {
        e1.pk: ("Expert One", 4),
        e2.pk: ("Expert Two", 2),
        None: ("No expert assigned", 1),
    }
    assert [(r["label"], r["requests"]) for r in by_state] == [
        ("Requested", 1),
        ("Confirmed", 2),
        ("Declined", 1),
        ("Completed", 2),
        ("No-show", 1),
    ]
    assert {r["label"]: r["requests"] for r in by_field} == {
        "Automotive (motorcycle) testing": 5,
        "Food safety testing": 1,
        "Not specified": 1,
    }
    assert {r["label"]: r["requests"] for r in by_district} == {
        "Banan District": 4,
        "Yuzhong District": 3,
    }


def test_lab_visit_figures(stats_data):
    assert lab_visit_summary(filters=StatsFilters()) == {
        "requests": 8,
        "approved": 4,
        "visitors": 11,
        "checked_in": 5,
        "turnout_rate": pytest.approx(5 / 11),
    }
    only_2 = lab_visit_summary(filters=StatsFilters(institution_id=stats_data.institution_2.pk))
    assert only_2 == {
        "requests": 1,
        "approved": 0,
        "visitors": 0,
        "checked_in": 0,
        "turnout_rate": None,
    }
    banan = lab_visit_summary(filters=StatsFilters(district=District.BANAN))
    assert figures(banan, "requests", "visitors", "checked_in") == {
        "requests": 7,
        "visitors": 11,
        "checked_in": 5,
    }
    day_2 = lab_visit_summary(filters=StatsFilters(date_from=DAY2))
    assert figures(day_2, "requests", "turnout_rate") == {"requests": 1, "turnout_rate": 1.0}

    with translation.override("en"):
        by_institution = lab_visit_breakdown(filters=StatsFilters(), by="institution")
    assert [(r["label"], r["requests"], r["visitors"]) for r in by_institution] == [
        ("Institution one", 7, 11),
        ("机构二", 1, 0),
    ]
    by_day = lab_visit_breakdown(filters=StatsFilters(), by="day")
    assert [(r["label"], r["requests"], r["checked_in"]) for r in by_day] == [
        ("2026-05-20", 7, 3),
        ("2026-05-21", 1, 2),
    ]


def test_selectors_read_only_the_summary_tables(stats_data):
    filters = StatsFilters(campaign_id=stats_data.campaign_a.pk, district=District.BANAN)

    with CaptureQueriesContext(connection) as queries:
        open_day_headline(filters=filters)
        for by in ("activity", "institution", "activity_type", "district", "day"):
            open_day_breakdown(filters=filters, by=by)
        consultation_summary(filters=filters)
        for by in ("service", "field", "district", "expert", "state"):
            consultation_breakdown(filters=filters, by=by)
        lab_visit_summary(filters=filters)
        for by in ("institution", "day"):
            lab_visit_breakdown(filters=filters, by=by)

    sql = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("events_registration", "events_session", "consultations_consultation"):
        assert table not in sql
    assert "labvisits_labvisit" not in sql
    assert len(queries.captured_queries) <= 30


def test_filters_from_query(stats_data):
    query = {
        "campaign": str(stats_data.campaign_a.pk),
        "date_from": "2026-05-20",
        "date_to": "2026-05-21",
        "district": "yuzhong",
        "institution": str(stats_data.institution_1.pk),
        "activity_type": "lecture",
    }

    filters, errors = stats_filters_from_query(query)

    assert errors == {}
    assert filters == StatsFilters(
        campaign_id=stats_data.campaign_a.pk,
        date_from=DAY1,
        date_to=DAY2,
        district="yuzhong",
        institution_id=stats_data.institution_1.pk,
        activity_type="lecture",
    )
    with translation.override("en"):
        rows = dict(filters.as_rows())
    assert rows["Institution"] == "Institution one"
    assert rows["District"] == "Yuzhong District"
    assert rows["Activity type"] == "Lecture"
    assert rows["From"] == "2026-05-20"


def test_filters_from_query_reports_invalid_values(stats_data):
    query = {
        "campaign": "999999",
        "date_from": "2026-05-22",
        "date_to": "2026-05-21",
        "district": "atlantis",
        "institution": "abc",
        "activity_type": "party",
    }

    with translation.override("en"):
        filters, errors = stats_filters_from_query(query)

    assert filters == StatsFilters(date_from=datetime.date(2026, 5, 22))
    assert set(errors) == {"campaign", "date_to", "district", "institution", "activity_type"}
    assert errors["date_to"] == "The end date must not be before the start date."
    _, errors = stats_filters_from_query({"date_from": "20.5.2026"})
    assert set(errors) == {"date_from"}
    assert stats_filters_from_query(SimpleNamespace(get=lambda name: None)) == (StatsFilters(), {})


def test_campaign_current_and_choices(stats_data):
    assert campaign_current() == stats_data.campaign_a
    with translation.override("en"):
        choices = campaign_choices()
    assert choices == [
        (stats_data.campaign_a.pk, f"{stats_data.campaign_a.year} Testing and Inspection Open Day"),
        (stats_data.campaign_b.pk, "去年的开放日"),
    ]
    assert stats_last_refresh() is not None
