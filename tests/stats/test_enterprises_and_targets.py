"""Enterprises helped by size (small and micro enterprises, which the regulator reports on)
and the plan's 2027 targets on the statistics dashboard."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from enterprises.models import Enterprise
from experts.models import InstitutionPage
from portal.choices import District, Zone
from stats import selectors
from stats.models import PlanTargets
from stats.selectors import StatsFilters
from stats.services import stats_refresh
from tests import factories

DASHBOARD = "/cms-admin/statistics/"
Size = Enterprise.Size

pytestmark = pytest.mark.django_db


def consultation(enterprise, state: str = "completed"):
    user = factories.UserFactory()
    return factories.ConsultationFactory(requested_by=user, enterprise=enterprise, state=state)


def visit(slot, enterprise, *, checked_in: bool, state: str = "approved"):
    return factories.LabVisitFactory(
        slot=slot,
        enterprise=enterprise,
        state=state,
        group_size=4,
        checked_in_at=datetime.datetime.now(datetime.UTC) if checked_in else None,
    )


@pytest.fixture
def helped(site_tree):
    """A small Banan enterprise with two completed consultations; a micro Yuzhong one that
    attended a lab visit; a medium one with a completed consultation; a large one whose
    consultation is only requested; a small one that did not come to its visit."""
    institution = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    slot = factories.VisitSlotFactory(lab=factories.LabFactory(institution=institution))
    small = factories.EnterpriseFactory(size=Size.SMALL, district=District.BANAN)
    micro = factories.EnterpriseFactory(
        size=Size.MICRO, district=District.YUZHONG, zone=Zone.LIANGJIANG
    )
    medium = factories.EnterpriseFactory(size=Size.MEDIUM, district=District.BANAN)
    large = factories.EnterpriseFactory(size=Size.LARGE, district=District.BANAN)
    absent = factories.EnterpriseFactory(size=Size.SMALL, district=District.BANAN)
    consultation(small)
    consultation(small)
    visit(slot, micro, checked_in=True)
    consultation(medium)
    consultation(large, state="requested")
    visit(slot, absent, checked_in=False, state="no_show")
    stats_refresh()


def test_enterprises_helped_by_size(helped):
    rows = {r["key"]: r for r in selectors.enterprise_size_breakdown(filters=StatsFilters())}
    assert list(rows) == ["large", "medium", "small", "micro"]
    assert rows["small"]["enterprises"] == 1 and rows["small"]["consultations"] == 2
    assert rows["micro"]["enterprises"] == 1 and rows["micro"]["lab_visits"] == 1
    assert rows["micro"]["visitors"] == 4
    assert rows["medium"]["enterprises"] == 1
    assert rows["large"]["enterprises"] == 0  # only requested: not helped yet
    summary = selectors.enterprise_summary(filters=StatsFilters())
    assert summary == {"enterprises": 3, "small_micro": 2, "small_micro_share": 2 / 3}


def test_enterprises_helped_follow_the_district_filter(helped):
    summary = selectors.enterprise_summary(filters=StatsFilters(district=District.YUZHONG))
    assert summary["enterprises"] == 1 and summary["small_micro"] == 1


def test_enterprises_helped_follow_a_functional_zone_filter(helped):
    summary = selectors.enterprise_summary(filters=StatsFilters(district=Zone.LIANGJIANG))
    assert summary["enterprises"] == 1 and summary["small_micro"] == 1


@pytest.mark.parametrize(
    ("user_fixture", "texts"),
    [
        ("staff_editor", ["Small and micro enterprises helped", "Enterprises helped by size"]),
        ("editor", ["小微企业", "按企业规模"]),
    ],
)
def test_dashboard_shows_enterprises_by_size(client, request, helped, user_fixture, texts):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    for text in texts:
        assert text in html
    # The group's title, in the language the page was shown in.
    (group,) = [
        g["figures"]
        for g in response.context["headline"]
        if g["title"] in ("Enterprises helped", "服务企业数")
    ]
    assert group[1][1] == "2"  # small and micro enterprises helped
    assert group[2][1] == "66.7%"
    assert 'id="table-enterprise_size"' in html


def test_workbook_has_the_enterprise_size_sheet(client, staff_editor, helped):
    client.force_login(staff_editor)
    response = client.get(DASHBOARD, {"export": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Enterprises helped by size"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=3, values_only=True)}
    # enterprises, consultations, lab visits, machine time, visitors
    assert rows["Small"] == (1, 2, 0, 0, 0)
    assert rows["Micro"] == (1, 0, 1, 0, 4)


def test_plan_progress_defaults_to_the_plan_and_counts_the_portal(site_tree):
    on_portal = InstitutionPage.objects.live().filter(locale__language_code="zh-hans").count()
    plan = selectors.plan_progress()
    assert plan["institutions_target"] == 800 and plan["target_year"] == 2027
    assert plan["institutions_baseline"] == 689 and plan["baseline_year"] == 2022
    assert plan["institutions_on_portal"] == on_portal
    assert plan["portal_progress"] == on_portal / 800
    assert plan["institutions_regional"] is None and plan["regional_progress"] is None


def test_plan_progress_uses_the_figures_staff_entered(site_tree):
    targets = PlanTargets.load()
    targets.institutions_target = 1000
    targets.institutions_regional = 750
    targets.institutions_regional_as_of = datetime.date(2026, 6, 30)
    targets.centres_regional = 20
    targets.save()
    plan = selectors.plan_progress()
    assert plan["regional_progress"] == 0.75
    assert plan["institutions_regional_as_of"] == datetime.date(2026, 6, 30)
    assert plan["centres_progress"] == 1.0


@pytest.mark.parametrize(
    ("user_fixture", "heading", "as_of"),
    [
        ("staff_approver", "Against the plan's 2027 targets", "as of 2026-06-30"),
        ("approver", "对照规划 2027 年目标", "截至 2026-06-30"),
    ],
)
def test_dashboard_shows_progress_against_the_target(
    client, request, site_tree, user_fixture, heading, as_of
):
    targets = PlanTargets.load()
    targets.institutions_regional = 720
    targets.institutions_regional_as_of = datetime.date(2026, 6, 30)
    targets.save()
    client.force_login(request.getfixturevalue(user_fixture))
    html = client.get(DASHBOARD).content.decode()
    assert heading in html
    assert "720 / 800" in html
    assert '<progress max="100" value="90"' in html
    assert "90.0%" in html
    assert as_of in html
    # Approvers may update the figures in the settings.
    assert "/cms-admin/settings/stats/plantargets/" in html


def test_editors_see_the_targets_but_not_the_settings_link(client, staff_editor, site_tree):
    client.force_login(staff_editor)
    html = client.get(DASHBOARD).content.decode()
    assert "/ 800" in html
    assert "/cms-admin/settings/stats/plantargets/" not in html


def test_approver_updates_the_regional_figure_in_the_settings(client, staff_approver, site_tree):
    client.force_login(staff_approver)
    url = "/cms-admin/settings/stats/plantargets/"
    page = client.get(url, follow=True)
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(institutions_regional="733", institutions_regional_as_of="2026-11-30")
    response = client.post(page.redirect_chain[-1][0] if page.redirect_chain else url, data)
    assert response.status_code in (200, 302)
    assert PlanTargets.load().institutions_regional == 733
