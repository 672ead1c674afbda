"""On a phone the main navigation collapses into a menu button; on a desktop it shows
every link and no button. With JavaScript the button is a <button> with aria-expanded and
aria-controls; without it, a <details> summary does the same job."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def site(transactional_site_tree):
    """The test site with the English home page's sections in the main menu."""
    from wagtail.models import Page

    Page.objects.child_of(transactional_site_tree.en.home).update(show_in_menus=True)
    return transactional_site_tree


def _open(chromium, url: str, viewport: dict, *, javascript: bool = True):
    context = chromium.new_context(
        viewport=viewport, locale="en-GB", java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    return context, page


def _nav_links(page):
    return page.locator("nav.main-nav #main-nav-list a")


def _axe_violations(page) -> list[str]:
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    results = Axe().run(page, options=options)
    return [
        f"{rule['id']}: {node['target']} {node['html'][:160]}"
        for rule in results.response["violations"]
        for node in rule["nodes"]
    ]


def test_phone_menu_button_shows_and_hides_the_navigation(live_server, site, chromium):
    context, page = _open(chromium, f"{live_server.url}/en/", PHONE)
    try:
        nav = page.get_by_role("navigation", name="Main navigation")
        button = nav.get_by_role("button", name="Menu")
        links = _nav_links(page)
        assert links.count() >= 3
        assert button.is_visible()
        assert button.get_attribute("aria-expanded") == "false"
        assert button.get_attribute("aria-controls") == "main-nav-list"
        assert not links.first.is_visible()
        # The <details> fallback is replaced by the button: one menu control only.
        assert not page.locator(".main-nav__fallback summary").is_visible()

        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        for index in range(links.count()):
            assert links.nth(index).is_visible()
        assert _axe_violations(page) == []

        # Escape closes it and puts the focus back on the button; the keyboard opens it.
        links.first.focus()
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false"
        assert not links.first.is_visible()
        assert page.evaluate("document.activeElement.classList.contains('main-nav__button')")
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true" and links.first.is_visible()
    finally:
        context.close()


def test_desktop_shows_the_navigation_without_a_button(live_server, site, chromium):
    context, page = _open(chromium, f"{live_server.url}/en/", DESKTOP)
    try:
        links = _nav_links(page)
        for index in range(links.count()):
            assert links.nth(index).is_visible()
        assert page.locator(".main-nav__toggle:visible").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize(("viewport", "collapsed"), [(PHONE, True), (DESKTOP, False)])
def test_navigation_works_without_javascript(live_server, site, chromium, viewport, collapsed):
    context, page = _open(chromium, f"{live_server.url}/en/", viewport, javascript=False)
    try:
        summary = page.locator(".main-nav__fallback summary")
        links = _nav_links(page)
        assert not page.locator(".main-nav__button").is_visible()
        if not collapsed:
            assert not summary.is_visible() and links.first.is_visible()
            return
        assert summary.is_visible() and summary.inner_text().strip() == "Menu"
        assert not links.first.is_visible()
        summary.focus()
        page.keyboard.press("Enter")
        for index in range(links.count()):
            assert links.nth(index).is_visible()
        page.keyboard.press("Enter")
        assert not links.first.is_visible()
    finally:
        context.close()
