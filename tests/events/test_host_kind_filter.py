"""The open-day list filters activities by the kind of their host, in both languages."""

from __future__ import annotations

import pytest

from experts.models import HostKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def activities(site_tree):
    lab = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    factories.translate(lab, "en", title="Accredited lab")
    university = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions,
        kind=HostKind.UNIVERSITY,
        accreditation_number="",
        title="某大学",
    )
    factories.translate(university, "en", title="A university")
    campaign = site_tree.zh.campaign
    tour = factories.ActivityPageFactory(parent=campaign, title="检测院参观", institution=lab)
    factories.translate(tour, "en", title="Testing institute tour")
    talk = factories.ActivityPageFactory(
        parent=campaign, title="高校开放课", institution=university
    )
    factories.translate(talk, "en", title="University taster class")
    return site_tree


@pytest.mark.parametrize(
    ("language", "kind", "shown", "hidden"),
    [
        ("zh", "university", ["高校开放课"], ["检测院参观"]),
        ("zh", "accredited", ["检测院参观"], ["高校开放课"]),
        ("en", "university", ["University taster class"], ["Testing institute tour"]),
        ("en", "training_base", [], ["University taster class", "Testing institute tour"]),
        ("en", "bogus", ["University taster class", "Testing institute tour"], []),
    ],
)
def test_open_day_list_filters_by_kind_of_host(client, activities, language, kind, shown, hidden):
    html = client.get(getattr(activities, language).campaign.url, {"host_kind": kind})
    html = html.content.decode()
    assert 'id="filter-host-kind"' in html
    for title in shown:
        assert title in html
    for title in hidden:
        assert title not in html
