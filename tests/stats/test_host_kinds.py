"""Open-day attendance by the kind of host (accredited institution, university, ...),
beside the breakdown by institution; activities without a host count as not specified."""

from __future__ import annotations

import pytest
from django.utils import translation

from events.models import Registration
from experts.models import HostKind
from stats.models import SessionStat
from stats.reports import OPEN_DAY_BY
from stats.selectors import StatsFilters, open_day_breakdown, plan_progress
from stats.services import stats_refresh
from tests import factories
from tests.stats.test_selectors import DAY1, add_registrations, at

pytestmark = pytest.mark.django_db

Status = Registration.Status
Source = Registration.Source


@pytest.fixture
def attendance(site_tree):
    campaign = site_tree.zh.campaign
    lab = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    university = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, kind=HostKind.UNIVERSITY, accreditation_number=""
    )
    hosts = [lab, university, None]
    for n, host in enumerate(hosts):
        activity = factories.ActivityPageFactory(parent=campaign, institution=host)
        session = factories.SessionFactory(
            activity=activity,
            starts_at=at(DAY1, 9 + n),
            ends_at=at(DAY1, 10 + n),
            capacity=20,
            max_party_size=5,
            sync_revision=False,
        )
        add_registrations(
            session,
            [(Status.CHECKED_IN, n + 1, Source.ONLINE), (Status.NO_SHOW, 2, Source.ONLINE)],
        )
    stats_refresh()
    return campaign


def test_the_refresh_records_the_host_kind(attendance):
    assert sorted(SessionStat.objects.values_list("host_kind", flat=True)) == [
        "",
        "accredited",
        "university",
    ]


def test_open_day_attendance_by_kind_of_host(attendance):
    filters = StatsFilters(campaign_id=attendance.pk)
    with translation.override("en"):
        rows = open_day_breakdown(filters=filters, by="host_kind")
    assert {r["label"]: (r["checked_in"], r["no_shows"]) for r in rows} == {
        "Accredited testing institution": (1, 2),
        "University or research institute": (2, 2),
        "Not specified": (3, 2),
    }
    with translation.override("zh-hans"):
        zh_rows = open_day_breakdown(filters=filters, by="host_kind")
    assert "高校或科研院所" in {r["label"] for r in zh_rows}


def test_the_report_has_a_sheet_by_kind_of_host():
    assert "host_kind" in OPEN_DAY_BY


def test_only_accredited_institutions_count_against_the_plan_target(attendance):
    assert plan_progress()["institutions_on_portal"] == 1
