"""Menus, breadcrumbs and the privacy link are shared through the cache until a publish."""

from __future__ import annotations

import pytest

from cms.models import SiteSettings
from cms.selectors import privacy_notice_url
from portal import pagecache
from portal.pagecache import pagecache_generation
from tests.factories import StandardPageFactory


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 30


@pytest.fixture
def privacy(site_tree, django_capture_on_commit_callbacks):
    page = StandardPageFactory(parent=site_tree.zh.home, title="隐私政策", slug="privacy")
    site_settings = SiteSettings.for_site(site_tree.site)
    site_settings.privacy_page = page
    with django_capture_on_commit_callbacks(execute=True):
        site_settings.save()
    return page


def test_renaming_a_menu_page_shows_in_the_menu_after_publishing(
    client, site_tree, django_capture_on_commit_callbacks
):
    about = site_tree.zh.about
    about.show_in_menus = True
    with django_capture_on_commit_callbacks(execute=True):
        about.save_revision().publish()
    assert "关于平台" in client.get("/zh-hans/search/").content.decode()

    about.title = "平台简介"
    with django_capture_on_commit_callbacks(execute=True):
        about.save_revision().publish()

    content = client.get("/zh-hans/search/").content.decode()
    assert "平台简介" in content
    assert "关于平台" not in content


def test_the_privacy_link_follows_the_published_page(
    client, site_tree, privacy, django_capture_on_commit_callbacks
):
    site_settings = SiteSettings.for_site(site_tree.site)
    assert privacy_notice_url(site_settings=site_settings) == privacy.url

    privacy.slug = "privacy-notice"
    with django_capture_on_commit_callbacks(execute=True):
        privacy.save_revision().publish()

    privacy.refresh_from_db()
    url = privacy_notice_url(site_settings=SiteSettings.for_site(site_tree.site))
    assert url == privacy.url
    assert url.endswith("/privacy-notice/")


def test_an_unpublished_privacy_page_is_not_linked(
    site_tree, privacy, django_capture_on_commit_callbacks
):
    assert privacy_notice_url(site_settings=SiteSettings.for_site(site_tree.site))
    with django_capture_on_commit_callbacks(execute=True):
        privacy.unpublish()
    assert privacy_notice_url(site_settings=SiteSettings.for_site(site_tree.site)) == ""


def test_without_a_page_cache_the_privacy_link_is_never_stale(
    site_tree, privacy, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 0  # publishing then purges nothing
    assert privacy_notice_url(site_settings=SiteSettings.for_site(site_tree.site)) == privacy.url

    privacy.slug = "privacy-notice"
    with django_capture_on_commit_callbacks(execute=True):
        privacy.save_revision().publish()

    url = privacy_notice_url(site_settings=SiteSettings.for_site(site_tree.site))
    assert url.endswith("/privacy-notice/")


class UnreachableCache:
    def __getattr__(self, name):
        def unreachable(*args, **kwargs):
            raise ConnectionError("cache down")

        return unreachable


def test_a_cache_outage_still_links_the_privacy_notice(site_tree, privacy, monkeypatch):
    monkeypatch.setattr(pagecache, "cache", UnreachableCache())
    monkeypatch.setattr("cms.selectors.cache", UnreachableCache())
    assert pagecache_generation() == 0
    url = privacy_notice_url(site_settings=SiteSettings.for_site(site_tree.site))
    assert url == privacy.url
