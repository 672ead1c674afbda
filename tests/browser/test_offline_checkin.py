"""The door screen without a network: two phones download the session's ticket list, the
network drops (Playwright's offline mode), tickets typed in are checked against the list and
queued, and when the network returns the queues sync: every party counted once, the ticket
checked in on both phones reported as presented twice."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from events.models import CheckinConflict, Registration, RegistrationChange
from events.services.checkin import checkin_counts
from tests import factories
from tests.browser.test_checkin import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
CODES = ["K7M2P9QX", "H4N8R2TW", "Q5V3X7YZ"]


@pytest.fixture
def door(transactional_site_tree):
    """A session starting soon with three confirmed parties, and two check-in staff."""
    activity = factories.ActivityPageFactory(
        parent=transactional_site_tree.zh.campaign, title="食品实验室开放", slug="food-lab"
    )
    factories.translate(activity, "en", title="Food lab open day")
    starts = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=30)
    session = factories.SessionFactory(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=20,
        max_party_size=4,
    )
    registrations = [
        factories.RegistrationFactory(session=session, party_size=size, ticket_code=code)
        for size, code in zip((3, 2, 1), CODES, strict=True)
    ]
    staff = [
        factories.UserFactory(username=name, groups=["Check-in staff"])
        for name in ("door-a", "door-b")
    ]
    return session, registrations, staff


def open_screen(browser, live_server, user, session):
    """A phone (its own browser context: its own storage) on the session's screen, with the
    ticket list downloaded and the service worker installed."""
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    sign_in(context, live_server, user)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/en/open-day/checkin/{session.pk}/")
    page.locator("[data-offline-list]").filter(has_text="3 tickets").wait_for()
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    # The worker keeps this screen for opening it again offline. (Reloading it offline is not
    # driven here: Playwright's offline mode does not reach a service worker's own requests.)
    page.wait_for_function(
        """async (path) => {
            for (const name of await caches.keys()) {
                if (await (await caches.open(name)).match(path)) return true;
            }
            return false;
        }""",
        arg=f"/en/open-day/checkin/{session.pk}/",
    )
    return context, page


def type_ticket(page, code: str) -> None:
    page.get_by_label("Ticket code").fill(code)
    page.get_by_role("button", name="Check in", exact=True).click()


def test_offline_check_ins_sync_once_and_a_double_scan_is_a_conflict(
    live_server, browser_page, door
):
    session, registrations, (staff_a, staff_b) = door
    browser = browser_page.context.browser
    context_a, page_a = open_screen(browser, live_server, staff_a, session)
    context_b, page_b = open_screen(browser, live_server, staff_b, session)
    result_a = page_a.locator("#checkin-result")
    queue_a = page_a.locator("[data-offline-queue]")
    status_a = page_a.locator("[data-offline-status]")
    try:
        assert "Online" in status_a.inner_text()
        context_a.set_offline(True)
        context_b.set_offline(True)
        status_a.filter(has_text="OFFLINE").wait_for()
        assert status_a.get_attribute("aria-live") == "polite"

        for code, size in zip(("k7m2 p9qx", "H4N8-R2TW", CODES[2]), (3, 2, 1), strict=True):
            type_ticket(page_a, code)
            result_a.filter(has_text=f"Checked in offline, party of {size}").wait_for()
            # The field is emptied for the next visitor.
            assert page_a.get_by_label("Ticket code").input_value() == ""
        queue_a.filter(has_text="3 check-ins waiting to sync").wait_for()

        # A ticket already queued, and one not on the list, are refused offline.
        type_ticket(page_a, CODES[0])
        result_a.filter(has_text="Already checked in").wait_for()
        type_ticket(page_a, "ZZZZZZZZ")
        result_a.filter(has_text="Not on this session’s ticket list").wait_for()
        assert queue_a.get_attribute("data-count") == "3"

        # The second phone, offline too, checks the first ticket in as well.
        type_ticket(page_b, CODES[0])
        page_b.locator("#checkin-result").filter(
            has_text="Checked in offline, party of 3"
        ).wait_for()
        page_b.locator("[data-offline-queue]").filter(has_text="1 check-in waiting").wait_for()

        # Nothing reached the server while offline.
        assert Registration.objects.filter(status=Registration.Status.CHECKED_IN).count() == 0

        # The list and the queue are kept under the member of staff who scanned: another
        # member signing in on this phone neither syncs nor is credited with them.
        stored = page_a.evaluate("Object.keys(localStorage)")
        assert sorted(stored) == [
            f"portal.checkin.{staff_a.pk}.{session.pk}.{name}" for name in ("list", "queue")
        ]
        queue_key = f"portal.checkin.{staff_a.pk}.{session.pk}.queue"
        sent_queue = page_a.evaluate(f"localStorage.getItem('{queue_key}')")
        context_a.set_offline(False)
        queue_a.filter(has_text="No check-ins waiting to sync").wait_for()
        result_a.filter(has_text="Synced: 3 checked in").wait_for()
        status_a.filter(has_text="Online").wait_for()
        page_a.locator('[data-count="arrived"]').filter(has_text="6").wait_for()

        context_b.set_offline(False)
        page_b.locator("[data-offline-queue]").filter(
            has_text="No check-ins waiting to sync"
        ).wait_for()
        page_b.locator("#checkin-result").filter(has_text="1 presented twice").wait_for()

        # The same queue sent again (an answer lost on the way back) changes nothing.
        page_a.evaluate(
            "([key, queue]) => localStorage.setItem(key, queue)", [queue_key, sent_queue]
        )
        answers = page_a.evaluate("window.PortalOfflineDoor.sync()")
        assert answers == {"checked_in": 0, "already_applied": 3, "conflict": 0, "refused": 0}
    finally:
        context_a.close()
        context_b.close()

    for registration in registrations:
        registration.refresh_from_db()
        assert registration.status == Registration.Status.CHECKED_IN
        assert registration.checked_in_by == staff_a
        assert registration.checkin_nonce
        changes = RegistrationChange.objects.filter(
            registration=registration, to_state=Registration.Status.CHECKED_IN
        )
        assert changes.count() == 1
    conflict = CheckinConflict.objects.get()
    assert conflict.registration == registrations[0]
    assert conflict.scanned_by == staff_b
    assert conflict.nonce != registrations[0].checkin_nonce
    assert checkin_counts(session_id=session.pk)["arrived"] == 6


def test_a_check_in_whose_answer_was_lost_is_queued_with_its_nonce_and_counted_once(
    live_server, browser_page, door
):
    """The server is unreachable for one ticket and, for another, checks it in but its
    answer never arrives: both are queued, and the sync counts each party once, with no
    conflict (the lost one carries the nonce the server already applied)."""
    session, (lost, unreachable, _), (staff, _) = door
    # Service workers blocked: Playwright's routes below must see the page's own requests.
    context = browser_page.context.browser.new_context(
        viewport=PHONE, locale="en-GB", service_workers="block"
    )
    try:
        sign_in(context, live_server, staff)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/en/open-day/checkin/{session.pk}/")
        page.locator("[data-offline-list]").filter(has_text="3 tickets").wait_for()
        result = page.locator("#checkin-result")

        def answer_lost(route):
            route.fetch()  # the server checks the ticket in...
            route.abort()  # ...and the answer is lost on the way back

        page.route("**/ticket/", answer_lost)
        type_ticket(page, lost.ticket_code)
        result.filter(has_text="Checked in offline, party of 3").wait_for()
        page.unroute("**/ticket/")
        lost.refresh_from_db()
        assert lost.status == Registration.Status.CHECKED_IN

        page.route("**/ticket/", lambda route: route.abort())
        type_ticket(page, unreachable.ticket_code)
        result.filter(has_text="Checked in offline, party of 2").wait_for()
        page.locator("[data-offline-status]").filter(has_text="OFFLINE").wait_for()
        page.unroute("**/ticket/")

        page.get_by_role("button", name="Sync now").click()
        page.locator("[data-offline-queue]").filter(
            has_text="No check-ins waiting to sync"
        ).wait_for()
        result.filter(has_text="Synced: 2 checked in, 0 presented twice").wait_for()
    finally:
        context.close()

    unreachable.refresh_from_db()
    assert unreachable.status == Registration.Status.CHECKED_IN
    assert not CheckinConflict.objects.exists()
    for registration in (lost, unreachable):
        changes = RegistrationChange.objects.filter(
            registration=registration, to_state=Registration.Status.CHECKED_IN
        )
        assert changes.count() == 1
    assert checkin_counts(session_id=session.pk)["arrived"] == 5
