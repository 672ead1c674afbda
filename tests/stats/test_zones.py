"""Statistics filter by a district or by a functional zone: a zone keeps the sessions,
consultations and lab visits of the activities, enterprises and institutions in it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from portal.choices import District, Zone
from stats.selectors import (
    StatsFilters,
    consultation_summary,
    lab_visit_summary,
    open_day_headline,
    stats_filters_from_query,
)
from stats.services import stats_refresh
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoned(site_tree):
    campaign = site_tree.zh.campaign
    starts = timezone.now() + datetime.timedelta(days=3)
    in_zone = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, district=District.YUBEI, zone=Zone.LIANGJIANG
    )
    outside = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, district=District.YUBEI
    )
    for institution, capacity in ((in_zone, 20), (outside, 7)):
        activity = factories.ActivityPageFactory(
            parent=campaign,
            district=institution.district,
            zone=institution.zone,
            institution=institution,
        )
        factories.SessionFactory(
            activity=activity,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            capacity=capacity,
            sync_revision=False,
        )
        lab = factories.LabFactory(institution=institution, accepts_visits=True)
        slot = factories.VisitSlotFactory(lab=lab, capacity=capacity)
        for _ in range(capacity // 7):  # 2 requests in the zone, 1 outside
            factories.LabVisitFactory(slot=slot)
    enterprise = factories.EnterpriseFactory(district=District.YUBEI, zone=Zone.LIANGJIANG)
    factories.ConsultationFactory(enterprise=enterprise)
    factories.ConsultationFactory(enterprise=factories.EnterpriseFactory(district=District.BANAN))
    stats_refresh()


def test_a_zone_keeps_only_what_lies_in_it(zoned):
    zone = StatsFilters(district=Zone.LIANGJIANG)
    district = StatsFilters(district=District.YUBEI)
    assert open_day_headline(filters=zone)["capacity"] == 20
    assert open_day_headline(filters=district)["capacity"] == 27
    assert lab_visit_summary(filters=zone)["requests"] == 2
    assert lab_visit_summary(filters=district)["requests"] == 3
    assert consultation_summary(filters=zone)["requests"] == 1
    assert consultation_summary(filters=StatsFilters())["requests"] == 2


def test_the_dashboard_query_accepts_a_zone_and_names_it(db):
    filters, errors = stats_filters_from_query({"district": "gaoxin"})
    assert errors == {}
    assert filters.district == "gaoxin"
    with translation.override("zh-hans"):
        assert filters.as_rows() == [("区县", "西部科学城重庆高新区")]
    _, errors = stats_filters_from_query({"district": "atlantis"})
    assert "district" in errors
