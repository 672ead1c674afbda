"""The demo-data command builds a complete bilingual site and is safe to run again."""

from __future__ import annotations

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone, translation
from wagtail.models import Locale, Page, Revision, Site

from cms.models import HomePage, NewsPage, SiteSettings, StandardPage
from consultations.selectors import expert_next_free_slots
from demo.builder import campaign_window, demo_counts, seed_demo
from events.models import ActivityPage, ActivityType, OpenDayIndexPage, Registration, Session
from experts.models import Expert, InstitutionPage, Lab
from portal.choices import Service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _check_activities_have_future_sessions() -> None:
    zh = Locale.get_default()
    activities = ActivityPage.objects.live().filter(locale=zh)
    assert activities.count() >= 8
    assert set(activities.values_list("activity_type", flat=True)) == set(ActivityType.values)
    assert len(set(activities.values_list("district", flat=True))) >= 4
    now = timezone.now()
    for activity in activities:
        sessions = list(Session.objects.filter(activity=activity))
        assert 1 <= len(sessions) <= 4
        for session in sessions:
            assert session.starts_at > now
            assert 10 <= session.capacity <= 60
            assert 1 <= session.max_party_size <= 4
            assert session.registration_opens_at < now < session.registration_closes_at
            assert session.registration_closes_at < session.starts_at
            held = Registration.objects.filter(
                session=session, status=Registration.Status.CONFIRMED
            ).aggregate(total=Sum("party_size"))["total"]
            assert session.count_places_taken() == (held or 0)
    assert any(s.places_left == 0 for s in Session.objects.all())
    campaign = OpenDayIndexPage.objects.live().get(locale=zh)
    assert campaign.year == timezone.localdate().year


def _check_every_page_translated_without_sessions_or_labs() -> None:
    zh, en = Locale.get_default(), Locale.objects.get(language_code="en")
    zh_pages = Page.objects.live().filter(locale=zh, depth__gt=1)
    assert zh_pages.count() == Page.objects.live().filter(locale=en, depth__gt=1).count()
    for page in zh_pages:
        english = page.get_translation(en)
        assert english.live
        assert english.title != page.title
    assert InstitutionPage.objects.live().filter(locale=zh).count() >= 6
    assert NewsPage.objects.live().filter(locale=zh).count() >= 6
    assert Session.objects.filter(activity__locale=en).count() == 0
    assert Lab.objects.filter(institution__locale=en).count() == 0
    assert Lab.objects.filter(institution__locale=zh).count() >= 6
    privacy = StandardPage.objects.get(locale=zh, slug="privacy")
    assert "手机" in str(privacy.body)


def _check_welcome_page_replaced_and_settings_filled() -> None:
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert not Page.objects.filter(depth=2, title__startswith="Welcome").exists()
    settings_ = SiteSettings.for_site(site)
    assert settings_.organisation == "巴南区市场监督管理局"
    assert settings_.phone and settings_.icp_number


def _check_experts_published_for_every_service() -> None:
    experts = Expert.objects.filter(live=True)
    assert experts.count() >= 8
    assert {"聂宗凤", "林春景"} <= set(experts.values_list("name", flat=True))
    assert set(experts.values_list("services__code", flat=True)) == set(Service.values)
    assert all(e.live_revision_id for e in experts)
    assert Expert.objects.get(user__username="expert").name == "林春景"


def _check_every_expert_bookable_for_each_service() -> None:
    # Find-an-expert and the profiles link to free slots: an expert without one for a
    # service they offer could only be asked through the team.
    experts = list(Expert.objects.filter(live=True, is_active=True).prefetch_related("services"))
    missing = []
    for code in Service.values:
        offering = [e for e in experts if code in {s.code for s in e.services.all()}]
        free = expert_next_free_slots(experts=offering, limit=1, service=code)
        missing += [(e.name, code) for e in offering if not free[e.pk]]
    assert missing == []
    assert len(experts) == 10


def _check_an_account_for_each_role() -> None:
    users = get_user_model().objects
    expected_groups = {
        "editor": "Regulator editors",
        "approver": "Regulator approvers",
        "checkin": "Check-in staff",
        "expert": "Experts",
        "institution": "Institution contacts",
    }
    for username, group in expected_groups.items():
        user = users.get(username=username)
        assert user.groups.filter(name=group).exists()
        assert user.check_password("demo-pass-2026")
    assert users.get(username="admin").is_superuser
    assert users.get(username="editor").has_perm("wagtailadmin.access_admin")
    visitor = users.get(email="visitor@example.com")
    assert not visitor.is_staff
    assert EmailAddress.objects.filter(user=visitor, verified=True, primary=True).exists()
    assert Registration.objects.filter(user=visitor).exists()


def _check_pages_found_by_search() -> None:
    from cms.search import site_search

    with translation.override("zh-hans"):
        titles = [hit.title for hit in site_search(query="开放日")]
    assert any("开放日" in title for title in titles)


def _check_home_page_shows_each_service_tile_once(client) -> None:
    """The demo's quick links include the campaign and the expert roster, which the home
    page already shows as its featured tiles: each service appears once, in both
    languages."""
    import re

    zh, en = Locale.get_default(), Locale.objects.get(language_code="en")
    for locale in (zh, en):
        home = HomePage.objects.live().get(locale=locale)
        html = client.get(home.url).content.decode()
        section = html.split('id="quick-links-heading"', 1)[1].split("</section>", 1)[0]
        hrefs = re.findall(r'class="quick-link[^"]*" href="([^"]+)"', section)
        assert len(hrefs) >= 4, section
        assert len(hrefs) == len(set(hrefs)), hrefs
        labels = re.findall(r'<span class="quick-link__label">([^<]+)</span>', section)
        assert len(labels) == len(set(labels)), labels


def test_seed_demo_builds_a_complete_bilingual_site(client, django_capture_on_commit_callbacks):
    # Seeding takes seconds, so one run serves all the checks of what it builds.
    # The search index is updated by tasks enqueued on commit.
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo()
    _check_activities_have_future_sessions()
    _check_every_page_translated_without_sessions_or_labs()
    _check_welcome_page_replaced_and_settings_filled()
    _check_experts_published_for_every_service()
    _check_every_expert_bookable_for_each_service()
    _check_an_account_for_each_role()
    _check_pages_found_by_search()
    _check_home_page_shows_each_service_tile_once(client)


def test_seed_demo_run_twice_duplicates_nothing_and_if_empty_skips():
    out = io.StringIO()
    call_command("seed_demo", "--skip-index", stdout=out)
    assert "demo-pass-2026" in out.getvalue()
    assert "visitor@example.com" in out.getvalue()
    # The statistics are computed at once: the dashboard has figures from the start.
    from stats.models import SessionStat, StatsRefresh

    assert StatsRefresh.objects.exists()
    assert SessionStat.objects.count() == Session.objects.count()
    counts = demo_counts()
    revisions = Revision.objects.count()

    second = seed_demo()
    assert demo_counts() == counts
    assert Revision.objects.count() == revisions
    assert not second.tally.created
    assert not second.tally.updated

    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert demo_counts() == counts


def test_campaign_window_moves_ahead_once_september_is_close():
    assert campaign_window(datetime.date(2026, 3, 1)) == (
        datetime.date(2026, 9, 10),
        datetime.date(2026, 9, 30),
    )
    start, end = campaign_window(datetime.date(2026, 11, 21))
    assert start == datetime.date(2026, 11, 24)
    assert end - start == datetime.timedelta(days=20)
