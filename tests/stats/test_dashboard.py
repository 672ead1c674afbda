"""The statistics dashboard in the Wagtail admin: who may see it, filters, charts, refresh."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import Consultation
from events.models import ActivityType, Registration
from portal.choices import District, Service
from stats.models import StatsRefresh
from stats.services import stats_refresh
from tests import factories

DASHBOARD = "/cms-admin/statistics/"
Status = Registration.Status


@dataclass
class DashboardData:
    campaign: object
    banan_session: object
    yuzhong_session: object
    institution: object


def build_dashboard_data(site_tree) -> DashboardData:
    """Two activities of the current campaign:

    - Banan lab tour (institution "机构甲"), 20 places: confirmed 2 + 3, checked in 4
      -> registered 9, checked in 4, fill rate 45 %;
    - Yuzhong lecture, 10 places: confirmed 1, no-show 2 -> registered 3;
    and one completed certification consultation of a Banan enterprise.
    Registrants have names, phones and e-mail addresses (which must never show).
    """
    institution = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, title="机构甲", district=District.BANAN
    )
    banan = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign,
        title="参观甲",
        activity_type=ActivityType.LAB_TOUR,
        district=District.BANAN,
        institution=institution,
    )
    factories.translate(banan, "en", title="Visit A")
    yuzhong = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign,
        title="讲座乙",
        activity_type=ActivityType.LECTURE,
        district=District.YUZHONG,
    )
    banan_session = factories.SessionFactory(activity=banan, capacity=20, max_party_size=5)
    yuzhong_session = factories.SessionFactory(activity=yuzhong, capacity=10, max_party_size=5)
    for status, party_size in (
        (Status.CONFIRMED, 2),
        (Status.CONFIRMED, 3),
        (Status.CHECKED_IN, 4),
    ):
        factories.RegistrationFactory(session=banan_session, status=status, party_size=party_size)
    for status, party_size in ((Status.CONFIRMED, 1), (Status.NO_SHOW, 2)):
        factories.RegistrationFactory(session=yuzhong_session, status=status, party_size=party_size)
    user = factories.UserFactory()
    factories.ConsultationFactory(
        requested_by=user,
        enterprise=factories.EnterpriseFactory(owner=user, district=District.BANAN),
        service=Service.CERTIFICATION,
        state=Consultation.State.COMPLETED,
        rating=4,
    )
    return DashboardData(
        campaign=site_tree.zh.campaign,
        banan_session=banan_session,
        yuzhong_session=yuzhong_session,
        institution=institution,
    )


@pytest.fixture
def data(site_tree) -> DashboardData:
    built = build_dashboard_data(site_tree)
    stats_refresh()
    return built


@pytest.fixture
def checkin_staff(db):
    return factories.UserFactory(username="door", groups=["Check-in staff"])


def test_dashboard_renders_for_editor_with_figures(client, staff_editor, data):
    client.force_login(staff_editor)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2" in html and "Headline figures" in html
    # Registered people of the campaign: 9 (Banan) + 3 (Yuzhong).
    assert response.context["headline"][0]["figures"][2][1] == "12"
    # Each chart is an accessible SVG with a title, a description and a table beside it.
    assert html.count('role="img"') == 4
    assert 'aria-labelledby="chart-attendance-title chart-attendance-desc"' in html
    assert '<title id="chart-attendance-title">Attendance by day</title>' in html
    assert "Fill rate by activity type" in html
    assert "45.0%" in html  # the lab tour's fill rate, in the chart and its table
    assert "Figures as of" in html
    for session in (data.banan_session, data.yuzhong_session):
        for registration in session.registrations.all():
            assert registration.name not in html
            assert registration.phone.removeprefix("+86") not in html


def test_dashboard_renders_for_approver(client, staff_approver, data):
    client.force_login(staff_approver)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert b"Open day by activity" in response.content


def test_menu_item_shown_only_with_statistics_permission(client, staff_editor, checkin_staff):
    client.force_login(staff_editor)
    assert DASHBOARD.encode() in client.get("/cms-admin/").content
    client.force_login(checkin_staff)
    assert DASHBOARD.encode() not in client.get("/cms-admin/").content


def assert_refused_by_admin(response) -> None:
    """Wagtail turns a refused admin view into a redirect to the dashboard with an error."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


def test_dashboard_forbidden_for_checkin_staff(
    client, checkin_staff, data, django_capture_on_commit_callbacks
):
    client.force_login(checkin_staff)
    refreshes = StatsRefresh.objects.count()
    for response in (
        client.get(DASHBOARD),
        client.get(DASHBOARD + "?export=xlsx"),
        client.get(DASHBOARD + "?export=csv&table=summary"),
    ):
        assert_refused_by_admin(response)
        assert b"Headline figures" not in response.content
    with django_capture_on_commit_callbacks(execute=True):
        assert_refused_by_admin(client.post(DASHBOARD + "refresh/"))
    assert StatsRefresh.objects.count() == refreshes
    followed = client.get(DASHBOARD, follow=True)
    levels = {m.level_tag for m in followed.context["messages"]}
    assert levels == {"error"}  # Wagtail's "you do not have permission" message


def test_dashboard_redirects_public_user_to_login(client, data):
    public = factories.UserFactory()
    client.force_login(public)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    client.logout()
    assert client.get(DASHBOARD).status_code == 302


def test_filter_by_district_changes_figures(client, staff_editor, data):
    client.force_login(staff_editor)
    everything = client.get(DASHBOARD).context["headline"][0]["figures"]
    banan = client.get(DASHBOARD, {"district": District.BANAN}).context
    yuzhong = client.get(DASHBOARD, {"district": District.YUZHONG}).context
    assert everything[2][1] == "12"
    assert banan["headline"][0]["figures"][2][1] == "9"
    assert yuzhong["headline"][0]["figures"][2][1] == "3"
    # The filter stays selected and is named above the figures.
    html = client.get(DASHBOARD, {"district": District.BANAN}).content.decode()
    assert '<option value="banan" selected>' in html
    assert "Filtered by" in html


def test_invalid_filter_shows_error_not_server_error(client, staff_editor, data):
    client.force_login(staff_editor)
    response = client.get(
        DASHBOARD, {"date_from": "2026-13-45", "district": "atlantis", "export": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Enter a valid date (YYYY-MM-DD)." in html
    assert 'aria-invalid="true"' in html
    assert "headline" not in response.context


def test_invalid_filter_error_in_chinese(client, editor, data):
    client.force_login(editor)  # admin in the default language
    response = client.get(DASHBOARD, {"date_to": "not a date"})
    assert response.status_code == 200
    assert 'aria-describedby="id_date_to-error"' in response.content.decode()


def test_refresh_now_rebuilds_the_figures(
    client, staff_editor, data, django_capture_on_commit_callbacks
):
    factories.RegistrationFactory(session=data.yuzhong_session, party_size=5)
    client.force_login(staff_editor)
    before = StatsRefresh.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DASHBOARD + "refresh/", {"district": District.YUZHONG})
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD + "?district=yuzhong"
    assert StatsRefresh.objects.count() == before + 1
    figures = client.get(response["Location"]).context["headline"][0]["figures"]
    assert figures[2][1] == "8"


def test_refresh_needs_post(client, staff_editor, data):
    client.force_login(staff_editor)
    assert client.get(reverse("stats_admin:refresh")).status_code == 405


def test_dashboard_says_when_never_computed(client, staff_editor, site_tree):
    client.force_login(staff_editor)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert b"The figures have not been computed yet." in response.content


def test_date_filter_excludes_other_days(client, staff_editor, data):
    client.force_login(staff_editor)
    day = timezone.localdate(data.banan_session.starts_at) + datetime.timedelta(days=1)
    context = client.get(DASHBOARD, {"date_from": day.isoformat()}).context
    assert context["headline"][0]["figures"][2][1] == "0"


def test_charts_are_well_formed_svg_with_text_values(client, staff_editor, data):
    import re
    import xml.etree.ElementTree as ET

    client.force_login(staff_editor)
    html = client.get(DASHBOARD).content.decode()
    svgs = re.findall(r"<svg class=\"stats-chart__svg\".*?</svg>", html, flags=re.S)
    assert len(svgs) == 4
    ns = {"svg": "http://www.w3.org/2000/svg"}
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        title_id, desc_id = root.get("aria-labelledby").split()
        assert root.find("svg:title", ns).get("id") == title_id
        assert root.find("svg:desc", ns).get("id") == desc_id
        # Series are told apart by pattern, not only colour; values are written as text.
        assert root.findall(".//svg:pattern", ns)
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert any(t and t[0].isdigit() for t in texts)
    attendance = svgs[0]
    # Both sessions are on the same day: 12 registered, 4 checked in.
    assert ">12</text>" in attendance and ">4</text>" in attendance


def test_with_the_broker_down_refresh_says_it_cannot_run_now(client, staff_editor, data):
    from unittest import mock

    from kombu.exceptions import OperationalError

    client.force_login(staff_editor)
    refused = mock.patch("stats.tasks.stats_refresh_task.delay", side_effect=OperationalError("x"))
    with refused:
        response = client.post(DASHBOARD + "refresh/", follow=True)
    assert response.status_code == 200
    assert "cannot be refreshed right now" in response.content.decode()
