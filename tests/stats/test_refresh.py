"""Rebuilding the summary tables: idempotent, cheap in queries, driven by beat and cron."""

from __future__ import annotations

import datetime
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from events.models import Registration
from stats.models import (
    ConsultationStat,
    EnterpriseServiceStat,
    LabVisitStat,
    SessionStat,
    StatsRefresh,
)
from stats.selectors import StatsFilters, open_day_headline
from stats.services import stats_refresh
from stats.tasks import stats_refresh_task
from tests import factories
from tests.stats.test_selectors import build_stats_data

FIGURES = ("registered", "waitlisted", "cancelled", "checked_in", "walk_ins", "no_shows")


def snapshot() -> tuple[list, list, list]:
    return (
        list(SessionStat.objects.order_by("pk").values()),
        list(ConsultationStat.objects.order_by("pk").values()),
        list(LabVisitStat.objects.order_by("pk").values()),
    )


@pytest.fixture
def data(site_tree):
    return build_stats_data(site_tree)


def test_refresh_builds_one_row_per_session_consultation_and_slot(data):
    refresh = stats_refresh()

    assert SessionStat.objects.count() == 4
    assert ConsultationStat.objects.count() == 7
    assert LabVisitStat.objects.count() == 3
    # Completed consultations and lab visits checked in: the services enterprises received.
    assert EnterpriseServiceStat.objects.count() == 4
    assert refresh.rows == 18
    assert refresh.finished_at >= refresh.started_at
    assert refresh.duration_ms is not None
    s2 = SessionStat.objects.get(pk=data.sessions[1].pk)
    # Starts at 07:00 in Chongqing, 23:00 UTC the day before: the local day counts.
    assert str(s2.day) == "2026-05-21"
    assert s2.campaign_id == data.campaign_a.pk
    assert s2.activity_type == "lab_tour"
    s4 = SessionStat.objects.get(pk=data.sessions[3].pk)
    assert s4.campaign_id == data.campaign_b.pk
    assert s4.institution_id == data.institution_1.pk


def test_refresh_is_idempotent(data):
    stats_refresh()
    first = snapshot()

    stats_refresh()

    assert snapshot() == first
    assert StatsRefresh.objects.count() == 2


def test_refresh_picks_up_changes_and_drops_deleted_rows(data):
    stats_refresh()
    campaign = StatsFilters(campaign_id=data.campaign_a.pk)
    assert open_day_headline(filters=campaign)["cancelled"] == 3

    Registration.objects.filter(
        session=data.sessions[2], status=Registration.Status.CONFIRMED
    ).update(status=Registration.Status.CANCELLED)
    data.sessions[3].registrations.all().delete()
    data.sessions[3].delete()
    stats_refresh()

    row = open_day_headline(filters=campaign)
    assert row["cancelled"] == 3 + 5
    assert row["registered"] == 19 - 5
    assert not SessionStat.objects.filter(pk=data.sessions[3].pk).exists()


def test_refresh_query_count_does_not_grow_with_registrations(data, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as before:
        stats_refresh()
    for session in data.sessions:
        for _ in range(15):
            factories.RegistrationFactory(session=session, party_size=2)

    with django_assert_max_num_queries(len(before.captured_queries)):
        stats_refresh()

    assert len(before.captured_queries) <= 20
    assert SessionStat.objects.get(pk=data.sessions[3].pk).registered == 3 + 30


def test_refresh_task_and_command(data):
    stats_refresh_task.delay()
    assert SessionStat.objects.count() == 4

    out = StringIO()
    call_command("refresh_stats", stdout=out)

    assert "18 summary row(s)" in out.getvalue()
    assert StatsRefresh.objects.count() == 2


def test_refresh_of_an_empty_portal(db):
    refresh = stats_refresh()

    assert refresh.rows == 0
    assert open_day_headline(filters=StatsFilters())["fill_rate"] is None


def figures(session_id: int) -> dict[str, int]:
    return SessionStat.objects.filter(pk=session_id).values(*FIGURES, "capacity").get()


def test_refresh_counts_people_by_status_and_source(data):
    """Session 1 holds every status and a walk-in; a new session has no registrations."""
    empty = factories.SessionFactory(
        activity=data.sessions[2].activity,
        starts_at=data.sessions[2].starts_at + datetime.timedelta(days=1),
        ends_at=data.sessions[2].ends_at + datetime.timedelta(days=1),
        capacity=12,
        sync_revision=False,
    )

    stats_refresh()

    # Confirmed 2 + 1, checked in 3, no-show 2; the walk-in (2) is not registered.
    assert figures(data.sessions[0].pk) == {
        "registered": 8,
        "waitlisted": 4,
        "cancelled": 1,
        "checked_in": 3 + 2,
        "walk_ins": 2,
        "no_shows": 2,
        "capacity": 20,
    }
    assert figures(empty.pk) == dict.fromkeys(FIGURES, 0) | {"capacity": 12}
    assert SessionStat.objects.get(pk=empty.pk).campaign_id == data.campaign_a.pk


def test_refresh_aggregates_registrations_inside_the_database(data):
    """No statement of the refresh returns registrations (or their per-session sums) to
    Python: the only statement reading them writes its result into a table."""
    with CaptureQueriesContext(connection) as queries:
        stats_refresh()

    reading = [q["sql"] for q in queries if '"events_registration"' in q["sql"]]
    assert len(reading) == 1
    assert reading[0].startswith(("INSERT INTO", "CREATE TEMPORARY TABLE"))
    assert "GROUP BY" in reading[0]
    assert SessionStat.objects.get(pk=data.sessions[0].pk).registered == 8


@pytest.mark.postgres
def test_readers_keep_the_old_figures_while_a_refresh_runs(transactional_site_tree):
    """A refresh in progress neither hides the summary rows from nor blocks a reader (the
    dashboard): it deletes them in its transaction instead of truncating the table."""
    data = build_stats_data(transactional_site_tree)
    stats_refresh()
    seen = {}

    def read() -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SET statement_timeout = 5000")
            seen["registered"] = figures(data.sessions[0].pk)["registered"]
        finally:
            connections["default"].close()

    with transaction.atomic():
        Registration.objects.filter(session=data.sessions[0]).update(
            status=Registration.Status.CANCELLED
        )
        stats_refresh()  # not committed yet
        assert figures(data.sessions[0].pk)["registered"] == 0
        reader = threading.Thread(target=read)
        reader.start()
        reader.join()

    assert seen == {"registered": 8}
    assert figures(data.sessions[0].pk)["registered"] == 0
