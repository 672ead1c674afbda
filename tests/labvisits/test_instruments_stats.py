"""Statistics keep machine time apart from lab visits: the lab-visit figures count slots
without an instrument, the dashboard shows machine time per institution and field, and
machine time used counts among the services enterprises received, as its own kind."""

from __future__ import annotations

import pytest

from labvisits.services import lab_visit_checkin, lab_visit_decide
from stats.models import EnterpriseServiceStat, LabVisitStat
from stats.selectors import StatsFilters, enterprise_size_breakdown, enterprise_summary
from stats.services import stats_refresh
from tests import factories
from tests.labvisits.conftest import open_door, request_visit

pytestmark = pytest.mark.django_db
DASHBOARD = "/cms-admin/statistics/"


@pytest.fixture
def attended_machine_time(inst_a, member_a):
    sem = factories.InstrumentFactory(lab=inst_a.lab, name_en="SEM")
    slot = factories.VisitSlotFactory(lab=inst_a.lab, instrument=sem, capacity=2)
    visit = request_visit(member_a, slot, group_size=1)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    open_door(slot)
    return lab_visit_checkin(visit=visit, by=inst_a.contact)


def test_lab_visit_figures_leave_machine_time_out(inst_a, member_b, attended_machine_time):
    request_visit(member_b, inst_a.slot, group_size=2)
    stats_refresh()
    assert list(LabVisitStat.objects.values_list("slot_id", "requests")) == [(inst_a.slot.pk, 1)]
    service = EnterpriseServiceStat.objects.get(source_id=attended_machine_time.pk)
    assert service.kind == EnterpriseServiceStat.Kind.MACHINE_TIME


def test_machine_time_used_counts_among_the_enterprises_helped(attended_machine_time):
    stats_refresh()
    filters = StatsFilters()
    size = attended_machine_time.enterprise.size
    row = next(r for r in enterprise_size_breakdown(filters=filters) if r["key"] == size)
    assert (row["enterprises"], row["machine_time"], row["lab_visits"], row["visitors"]) == (
        1,
        1,
        0,
        0,
    )
    assert enterprise_summary(filters=filters)["enterprises"] == 1


def test_dashboard_shows_machine_time_apart(client, staff_editor, inst_a, attended_machine_time):
    stats_refresh()
    client.force_login(staff_editor)
    response = client.get(DASHBOARD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Machine time on shared instruments" in html
    table = response.context["machine_time"]
    assert table["totals"] == {"requests": 1, "approved": 1, "attended": 1}
    assert table["rows"][0]["institution"] == inst_a.page_en.title
    assert "Advanced materials testing" in html
