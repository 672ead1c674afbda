"""The API's docs page (Swagger UI from the portal's own static files) works in Chromium
under the portal's Content-Security-Policy, and "Try it out" calls the API."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.browser


def test_docs_page_renders_under_the_csp_and_calls_the_api(
    live_server, browser_page, transactional_site_tree
):
    factories.ExpertFactory(name_en="Expert Nie")
    page = browser_page
    violations: list[str] = []
    failed: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("requestfailed", lambda request: failed.append(request.url))

    page.goto(f"{live_server.url}/api/v1/docs")
    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for()
    paths = {text.strip().replace("\u200b", "") for text in operations.all_inner_texts()}
    assert "/api/v1/experts" in paths
    assert "/api/v1/activities/{activity_id}/sessions" in paths

    # Open the roster operation and run it from the page.
    roster = page.locator(".opblock").filter(
        has=page.locator('.opblock-summary-path[data-path="/api/v1/experts"]')
    )
    roster.locator(".opblock-summary").click()
    roster.get_by_role("button", name="Try it out").click()
    roster.get_by_role("button", name="Execute").click()
    body = roster.locator(".live-responses-table .microlight").first
    body.wait_for()
    assert "Expert" in body.inner_text() or "李专家" in body.inner_text()
    assert violations == []
    assert failed == []
