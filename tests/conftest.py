"""Fixtures shared by the whole suite: the bilingual page tree and staff users."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from wagtail.models import Locale, Page, Site
from wagtail.users.models import UserProfile

from cms.models import HomePage, NewsIndexPage, StandardPage
from events.models import OpenDayIndexPage
from experts.models import ExpertRosterPage, InstitutionIndexPage
from tests import factories


@dataclass
class LanguageTree:
    """The pages of one language."""

    home: HomePage
    news: NewsIndexPage
    campaign: OpenDayIndexPage
    institutions: InstitutionIndexPage
    roster: ExpertRosterPage
    about: StandardPage


@dataclass
class SiteTree:
    zh: LanguageTree
    en: LanguageTree
    site: Site


def build_site_tree() -> SiteTree:
    """A zh-hans home page replacing Wagtail's welcome page, its sections and their
    English translations. Usable from transactional (live server) tests too."""
    zh_locale = Locale.get_default()
    en_locale, _ = Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node()
    # Wagtail's initial migration creates a "Welcome" page and a default site serving it.
    Site.objects.all().delete()
    for page in root.get_children():
        page.delete()
    root = Page.get_first_root_node()

    home = factories.HomePageFactory(parent=root, locale=zh_locale)
    site = Site.objects.create(
        hostname="localhost",
        port=80,
        root_page=home,
        is_default_site=True,
        site_name="检验检测公共服务平台",
    )
    zh = LanguageTree(
        home=home,
        news=factories.NewsIndexPageFactory(parent=home),
        campaign=factories.OpenDayIndexPageFactory(parent=home),
        institutions=factories.InstitutionIndexPageFactory(parent=home),
        roster=factories.ExpertRosterPageFactory(parent=home),
        about=factories.StandardPageFactory(parent=home, title="关于平台", slug="about"),
    )
    en = LanguageTree(
        home=factories.translate(
            zh.home,
            "en",
            title="Testing and Inspection Portal",
            hero_title="Testing and inspection services near you",
        ),
        news=factories.translate(zh.news, "en", title="News"),
        campaign=factories.translate(
            zh.campaign,
            "en",
            title=f"{zh.campaign.year} Testing and Inspection Open Day",
            theme="Towards the new, smart inspection",
        ),
        institutions=factories.translate(zh.institutions, "en", title="Institutions"),
        roster=factories.translate(zh.roster, "en", title="Baxin volunteer expert team"),
        about=factories.translate(zh.about, "en", title="About the portal"),
    )
    assert en.home.locale == en_locale
    return SiteTree(zh=zh, en=en, site=site)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With --reuse-db, a run interrupted during a transactional test leaves the test
    database flushed: schema present, rows from data migrations (root page, locales,
    groups, workflow) gone. Rebuild it then instead of failing every test."""
    with django_db_blocker.unblock():
        if not Locale.objects.exists():
            connection.close()
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


@pytest.fixture
def site_tree(db) -> SiteTree:
    return build_site_tree()


def english(user):
    """The admin speaks English to this user whatever catalogues exist, so tests can
    assert on the (source) English messages."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def superuser(db):
    return english(
        get_user_model().objects.create_superuser(
            username="admin", email="admin@example.com", password="correct horse battery staple"
        )
    )


@pytest.fixture
def editor(db):
    return factories.UserFactory(username="editor", groups=["Regulator editors"])


@pytest.fixture
def approver(db):
    return factories.UserFactory(username="approver", groups=["Regulator approvers"])


@pytest.fixture
def staff_editor(db):
    """A regulator editor whose admin speaks English."""
    return english(factories.UserFactory(username="editor", groups=["Regulator editors"]))


@pytest.fixture
def staff_approver(db):
    """A regulator approver whose admin speaks English."""
    return english(factories.UserFactory(username="approver", groups=["Regulator approvers"]))


@pytest.fixture
def admin_only_user(db):
    """May use the admin but holds no permission on open-day or enterprise services data."""
    user = english(factories.UserFactory(username="outsider"))
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


@pytest.fixture
def transactional_site_tree(transactional_db, django_db_serialized_rollback) -> SiteTree:
    """The site tree for tests whose threads or live server need committed data.

    Serialized rollback puts the data-migration rows (root page, locales, groups) back
    after the flush that ends a transactional test.
    """
    return build_site_tree()


@pytest.fixture(autouse=True)
def _celery_runs_tasks_inline(settings):
    """Tasks run in the test's own process and raise their errors. The suite's real-worker
    tests start a worker themselves and switch this off."""
    from portal.celery_app import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Attempt counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made by the dozen; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request through the test client
    leaves its URL's language active in the thread, which would leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    """Text messages are kept in memory (``sms.outbox``), empty at the start of each test."""
    import sms

    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    sms.outbox = []
    yield sms.outbox


@pytest.fixture
def celery_worker_all_queues():
    """A real Celery worker in a thread, consuming every queue the portal routes tasks to,
    from the configured broker (file system by default, Redis in CI's second run)."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery_app import app

    app.conf.task_always_eager = False
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=30,
        queues=["default", "mail", "reports"],
    ) as worker:
        yield worker
