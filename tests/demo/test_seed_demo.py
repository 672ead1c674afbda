"""The demo-data command builds a complete bilingual site (the open day, enterprise services,
the needs board, shared instruments) and is safe to run again."""

from __future__ import annotations

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from stdnum.cn import uscc
from wagtail.models import Locale, Page, Revision, Site

from cms.models import (
    ConsumerWarningIndexPage,
    ConsumerWarningPage,
    HomePage,
    NewsPage,
    SiteSettings,
    StandardPage,
)
from consultations.models import Availability, Consultation, Mode, Slot
from consultations.selectors import expert_next_free_slots
from demo.builder import campaign_window, demo_counts, seed_demo
from demo.content_instruments import APPROVED_REQUEST, INSTRUMENTS
from enterprises.models import Enterprise, Membership
from events.models import ActivityPage, ActivityType, OpenDayIndexPage, Registration, Session
from experts.models import Expert, HostKind, InstitutionPage, Lab
from labvisits.models import InstitutionContact, Instrument, LabVisit, VisitSlot
from needs.models import Need, Offer
from needs.selectors import need_board, need_counts
from portal.choices import Service

# Building the whole demo site is slow, and it writes through the same services and
# constraints the rest of the suite runs on PostgreSQL: .ci/run's PostgreSQL + Redis pass
# leaves these tests to the SQLite pass.
pytestmark = [pytest.mark.django_db, pytest.mark.embedded_only]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _current_campaign() -> OpenDayIndexPage:
    return OpenDayIndexPage.objects.live().filter(locale=Locale.get_default()).order_by("-year")[0]


def _check_activities_have_future_sessions() -> None:
    zh = Locale.get_default()
    activities = ActivityPage.objects.live().child_of(_current_campaign())
    assert activities.count() >= 8
    assert set(activities.values_list("activity_type", flat=True)) == set(ActivityType.values)
    assert len(set(activities.values_list("district", flat=True))) >= 4
    now = timezone.now()
    for activity in activities:
        sessions = list(Session.objects.filter(activity=activity))
        assert 1 <= len(sessions) <= 4
        for session in sessions:
            assert session.starts_at > now
            if session.format == "online":  # the cloud classroom: no limit
                assert session.capacity is None and session.meeting_url
            else:
                assert 10 <= session.capacity <= 60
            assert 1 <= session.max_party_size <= 4
            assert session.registration_opens_at < now < session.registration_closes_at
            assert session.registration_closes_at < session.starts_at
            held = Registration.objects.filter(
                session=session, status=Registration.Status.CONFIRMED
            ).aggregate(total=Sum("party_size"))["total"]
            assert session.count_places_taken() == (held or 0)
    assert any(s.places_left == 0 for s in Session.objects.filter(starts_at__gt=now))
    assert zh == _current_campaign().locale
    assert _current_campaign().year == timezone.localdate().year


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
    assert settings_.public_security_number.startswith("渝公网安备")
    assert len(settings_.site_code) == 10


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


def _check_history() -> None:
    """Last year's campaign with its attendance, past consultations and lab visits, so the
    dashboard and the public figures show history."""
    zh = Locale.get_default()
    past = OpenDayIndexPage.objects.live().get(locale=zh, year=2025)
    assert past.theme == "向新而行，智检未来"
    assert past.get_translation(Locale.objects.get(language_code="en")).live
    sessions = Session.objects.filter(activity__in=ActivityPage.objects.child_of(past))
    assert sessions.count() == 7
    assert all(s.ends_at < timezone.now() for s in sessions)
    registrations = Registration.objects.filter(session__in=sessions)
    people = {
        status: registrations.filter(status=status).aggregate(n=Sum("party_size"))["n"]
        for status in Registration.Status.values
    }
    # About 200 guests on the opening day, and the labs' smaller groups.
    assert people["checked_in"] == 168 + 22 + 19 + 26 + 23 + 47 + 9
    assert people["no_show"] == 14 + 3 + 4 + 2 + 5 + 6 + 1
    assert registrations.filter(source=Registration.Source.WALK_IN).count() > 0
    assert not registrations.filter(status="checked_in", checked_in_at__isnull=True).exists()
    assert not registrations.filter(status="confirmed").exists()

    completed = Consultation.objects.filter(state="completed")
    assert completed.count() == 7
    assert all(c.summary and c.starts_at < timezone.now() for c in completed)
    assert completed.filter(expert__slug="lin-chunjing").exists()  # on the "expert" desk
    assert Consultation.objects.filter(state="no_show").count() == 1
    attended = LabVisit.objects.filter(checked_in_at__isnull=False)
    assert attended.count() == 6
    assert LabVisit.objects.filter(state="no_show").count() == 2
    assert {e.size for e in Enterprise.objects.filter(consultations__state="completed")} >= {
        "micro",
        "small",
        "medium",
    }

    # The statistics show it.
    from stats import selectors
    from stats.selectors import StatsFilters
    from stats.services import stats_refresh

    stats_refresh()
    headline = selectors.open_day_headline(filters=StatsFilters(campaign_id=past.pk))
    assert headline["checked_in"] == people["checked_in"]
    assert headline["turnout_rate"] > 0.8
    assert selectors.enterprise_summary(filters=StatsFilters())["small_micro"] >= 3
    # The plan's regional figures, with their dates, so the targets show progress.
    plan = selectors.plan_progress()
    assert plan["institutions_regional"] == 689 and plan["regional_progress"] == 689 / 800
    assert plan["centres_regional_as_of"] == datetime.date(2024, 12, 31)
    counts = demo_counts()
    assert counts["campaigns"] == 2
    assert counts["consultations completed"] == 7 and counts["lab visits attended"] == 6


def _check_real_experts_neutral_and_one_service_location() -> None:
    for name in ("聂宗凤", "林春景"):
        expert = Expert.objects.get(name=name)
        assert expert.title == "“巴心助检”专家服务团成员"
        assert expert.organisation == "“巴心助检”专家服务团"
        assert "巴心助检" in expert.bio and "年" not in expert.bio
        assert "教授" not in expert.title + expert.bio
        assert not expert.fields.exists()
        assert set(expert.services.values_list("code", flat=True)) == set(Service.values)
    notes = list(Availability.objects.filter(mode=Mode.AT_CENTRE).values_list("note", flat=True))
    assert notes and all(note.startswith("巴实智联质量港") for note in notes)
    venues = ActivityPage.objects.filter(locale=Locale.get_default()).values_list(
        "venue", flat=True
    )
    assert any(v.startswith("巴实智联质量港") for v in venues)
    assert not any("服务中心 3 楼" in v or "一站式服务中心" in v for v in [*venues, *notes])
    settings_ = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    assert "巴实智联质量港" in settings_.address


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


def _check_consumer_warnings(client) -> None:
    """Warnings in both languages, their index in the main menu, and the consumer-advice
    activity linking its warning in each language."""
    zh, en = Locale.get_default(), Locale.objects.get(language_code="en")
    for locale in (zh, en):
        index = ConsumerWarningIndexPage.objects.live().get(locale=locale)
        warnings = ConsumerWarningPage.objects.live().child_of(index)
        assert warnings.count() == 3
        assert {w.risk_level for w in warnings} == {"low", "medium", "high"}
        home_html = client.get(HomePage.objects.live().get(locale=locale).url).content.decode()
        assert f'href="{index.url}"' in home_html
    activity = ActivityPage.objects.get(locale=zh, slug="choosing-safe-toys-and-stationery")
    activity_en = activity.get_translation(en)
    zh_html = client.get(activity.url).content.decode()
    en_html = client.get(activity_en.url).content.decode()
    assert "儿童玩具和学生文具选购提示" in zh_html
    assert "Choosing children&#x27;s toys and school stationery" in en_html
    assert "儿童玩具和学生文具选购提示" not in en_html
    with translation.override("zh-hans"):
        from cms.search import site_search

        assert any("电动自行车" in hit.title for hit in site_search(query="充电器"))


def _check_hosts_beyond_accredited_institutions(client) -> None:
    """An enterprise R&D centre, a university and a training base host activities: last
    year's lab visits and training-base opening, and a taster class this year."""
    zh, en = Locale.get_default(), Locale.objects.get(language_code="en")
    hosts = InstitutionPage.objects.live().filter(locale=zh)
    kinds = dict(hosts.values_list("slug", "kind"))
    assert kinds["zongshen-technical-research-centre"] == HostKind.ENTERPRISE_RD
    assert kinds["banan-university-of-technology"] == HostKind.UNIVERSITY
    assert kinds["zongshen-testing-training-base"] == HostKind.TRAINING_BASE
    assert not hosts.exclude(kind=HostKind.ACCREDITED).exclude(accreditation_number="").exists()
    assert not hosts.filter(kind=HostKind.ACCREDITED, accreditation_number="").exists()
    hosted = dict(ActivityPage.objects.filter(locale=zh).values_list("slug", "institution__kind"))
    assert hosted["2025-airway-lab-visit"] == HostKind.ENTERPRISE_RD
    assert hosted["2025-training-bases-opening"] == HostKind.TRAINING_BASE
    assert hosted["university-measurement-taster"] == HostKind.UNIVERSITY
    taster = ActivityPage.objects.get(locale=en, slug="university-measurement-taster")
    html = client.get(taster.url).content.decode()
    assert "Run by" in html and "(University or research institute)" in html
    index = hosts.first().get_parent()
    listed = client.get(index.url, {"kind": HostKind.TRAINING_BASE}).content.decode()
    assert "宗申工业园检验检测实训基地" in listed and "重庆巴南智联汽车检测中心" not in listed


def _check_cloud_classroom(client) -> None:
    """The online testing cloud classroom: one online session without a limit, its meeting
    link never on the public page, and a recording in both languages."""
    zh = ActivityPage.objects.live().get(
        slug="testing-cloud-classroom", locale=Locale.get_default()
    )
    en = zh.get_translation(Locale.objects.get(language_code="en"))
    (session,) = Session.objects.filter(activity=zh)
    assert session.format == "online" and session.capacity is None
    assert session.meeting_url.startswith("https://meeting.example.com/")
    for page, recording_title in ((zh, "检测云课堂"), (en, "cloud classroom")):
        html = client.get(page.url).content.decode()
        assert session.meeting_url not in html
        assert recording_title in html and "https://video.example.com/" in html
    assert "线上" in client.get(zh.url).content.decode()


def _check_enterprise_services() -> None:
    """The demo accounts of enterprise services: an enterprise, an expert with hours, an
    institution contact with visit slots."""
    users = get_user_model().objects
    owner = users.get(username="enterprise")
    assert owner.email == "enterprise@example.com"
    membership = Membership.objects.get(user=owner)
    assert membership.role == Membership.Role.OWNER
    assert membership.status == Membership.Status.APPROVED
    enterprise = membership.enterprise
    assert enterprise.name == "重庆示例汽车零部件有限公司"
    assert enterprise.is_verified and enterprise.district == "banan"
    assert enterprise.industry == "automotive"
    assert uscc.is_valid(enterprise.credit_code)

    expert = Expert.objects.get(user__username="expert")
    assert "certification" in set(expert.services.values_list("code", flat=True))
    # A real member of the team: no invented field of expertise (services only).
    assert not expert.fields.exists()
    rules = Availability.objects.filter(expert=expert)
    assert sorted(rules.values_list("weekday", flat=True)) == [1, 3]
    assert Slot.objects.filter(expert=expert, starts_at__gt=timezone.now()).exists()
    slot = Slot.objects.filter(expert=expert).first()
    assert {"certification", "consulting"} <= set(slot.services.values_list("code", flat=True))

    contact = InstitutionContact.objects.get(user__username="institution")
    assert contact.user.groups.filter(name="Institution contacts").exists()
    lab = contact.institution.labs.filter(accepts_visits=True).first()
    assert VisitSlot.objects.filter(lab=lab, starts_at__gt=timezone.now()).count() >= 3


def _check_needs_board(client) -> None:
    """Needs of three enterprises, offers, one accepted, one expired; the board hides who
    posted them."""
    assert Need.objects.count() == 4
    assert Need.objects.values("enterprise").distinct().count() == 3
    matched = Need.objects.get(state=Need.State.MATCHED)
    assert "制动" in matched.title
    accepted = matched.offers.get(state=Offer.State.ACCEPTED)
    assert accepted.institution is not None
    assert accepted.institution.contacts.filter(user__username="institution").exists()
    assert matched.offers.filter(state=Offer.State.NOT_CHOSEN, expert__isnull=False).exists()
    assert need_board().count() == 2
    counts = need_counts(today=timezone.localdate())["total"]
    assert counts == {"posted": 4, "matched": 1, "open": 2, "expired": 1}
    board = client.get("/zh-hans/needs/").content.decode()
    assert "火锅底料" in board and "重庆示例火锅食品有限公司" not in board


def _check_shared_instruments(client) -> None:
    """The demo keeps its promise: the materials centre's shared instruments are in the
    catalogue with machine time ahead, and the demo enterprise holds one approved request."""
    assert Instrument.objects.filter(active=True).count() == len(INSTRUMENTS)
    materials = InstitutionPage.objects.get(
        slug="western-materials-testing-centre", locale__language_code="zh-hans"
    )
    names = set(materials.instruments.values_list("name_en", flat=True))
    assert {"X-ray diffractometer", "Field-emission scanning electron microscope"} <= names
    assert VisitSlot.objects.filter(
        instrument__institution=materials, starts_at__gt=timezone.now()
    ).exists()

    visit = LabVisit.objects.get(slot__instrument__name=APPROVED_REQUEST["instrument"])
    assert visit.state == LabVisit.State.APPROVED and visit.requested_by.username
    assert visit.enterprise.memberships.filter(user__username="enterprise").exists()

    with translation.override("en"):
        catalogue = client.get(reverse("labvisits:instrument_list")).content.decode()
    assert "X-ray diffractometer" in catalogue and "scanning electron microscope" in catalogue
    page = client.get(materials.url).content.decode()
    assert "大型仪器共享" in page and "X 射线衍射仪" in page


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
    _check_history()
    _check_real_experts_neutral_and_one_service_location()
    _check_pages_found_by_search()
    _check_home_page_shows_each_service_tile_once(client)
    _check_consumer_warnings(client)
    _check_hosts_beyond_accredited_institutions(client)
    _check_cloud_classroom(client)
    _check_enterprise_services()
    _check_needs_board(client)
    _check_shared_instruments(client)


def _service_rows() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Enterprise, Need, Offer, Instrument, VisitSlot, LabVisit, Slot)
    }


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
    rows = _service_rows()

    second = seed_demo()
    assert demo_counts() == counts
    assert Revision.objects.count() == revisions
    assert _service_rows() == rows
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
