"""The bilingual page tree most tests start from, and how it is built only once.

Building the tree (12 pages, their revisions, search and reference index rows) takes
about a second; a hundred tests ask for it. Like Django's ``TestCase.setUpTestData``, the
tree is built once inside an outer transaction that stays open while the tests that use
it run, each in its own savepoint (pytest-django's ``db``), so whatever a test changes
is rolled back and the next one sees the tree as built:

- ``pytest_collection_modifyitems`` puts the database tests that use the tree first (a
  stable sort inside pytest-django's order: database tests, then transactional ones);
- before each test, ``SharedTree.prepare_for`` opens the outer transaction and builds the
  tree for a database test that uses it, and rolls it back before any other database test
  or any transactional test, so those see the database exactly as migrations left it;
- ``site_tree`` hands each test fresh instances of the shared pages (a test may change
  them in memory), or builds the tree itself when none is shared (the first such test of
  a run, before the test database exists).

Transactional tests (threads, live servers) commit what they write and use
``transactional_site_tree``, which builds its own tree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pytest
from django.db import connection, transaction
from wagtail.models import Locale, Page, Site

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


def _reload(tree: SiteTree) -> SiteTree:
    """Fresh instances of the same rows: nothing a test did in memory carries over."""

    def language(pages: LanguageTree) -> LanguageTree:
        return LanguageTree(
            **{
                field.name: type(page).objects.get(pk=page.pk)
                for field in fields(pages)
                for page in [getattr(pages, field.name)]
            }
        )

    return SiteTree(
        zh=language(tree.zh), en=language(tree.en), site=Site.objects.get(pk=tree.site.pk)
    )


def database_use(item: pytest.Item) -> str | None:
    """'transactional', 'db' or None, as pytest-django decides for ``item``."""
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    )
    if transactional or "transactional_db" in names or "live_server" in names:
        return "transactional"
    if marker or "db" in names:
        return "db"
    return None


def uses_shared_tree(item: pytest.Item) -> bool:
    return database_use(item) == "db" and "site_tree" in getattr(item, "fixturenames", ())


class SharedTree:
    """The outer transaction holding the shared tree (see the module docstring)."""

    def __init__(self) -> None:
        self.database_ready = False
        self._atomic: transaction.Atomic | None = None
        self._tree: SiteTree | None = None

    def prepare_for(self, item: pytest.Item, blocker) -> None:
        use = database_use(item)
        if use is None:
            return  # touches no database: whatever is open stays open
        wanted = uses_shared_tree(item)
        if wanted and self._atomic is None and self.database_ready:
            with blocker.unblock():
                self._open()
        elif not wanted and self._atomic is not None:
            with blocker.unblock():
                self.close()

    def get(self) -> SiteTree | None:
        """Fresh instances of the shared tree, or None if there is none to share."""
        if self._tree is None:
            return None
        # The test's own atomic block (pytest-django) sits right inside ours.
        assert connection.atomic_blocks[0] is self._atomic, "the shared tree was rolled back"
        return _reload(self._tree)

    def _open(self) -> None:
        atomic = transaction.atomic()
        # As Django's TestCase marks its own blocks: a durable atomic block inside a test
        # checks only the blocks the code under test opened.
        atomic._from_testcase = True
        atomic.__enter__()
        self._atomic = atomic
        try:
            self._tree = build_site_tree()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        atomic, self._atomic, self._tree = self._atomic, None, None
        if atomic is not None:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
