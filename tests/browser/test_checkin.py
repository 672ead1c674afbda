"""Check-in staff at the door, in a phone-sized browser: typed ticket codes, the camera
scanner (Chromium's fake camera showing a ticket's QR code) and the page without JavaScript."""

from __future__ import annotations

import datetime

import pytest
import segno
from django.conf import settings
from django.test import Client
from django.utils import timezone
from PIL import Image

from events.models import Registration
from portal.tickets import qr_token_make
from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def door(transactional_site_tree):
    """A session starting soon with a confirmed party of 3, and a check-in staff member."""
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
    registration = factories.RegistrationFactory(
        session=session, name="张三丰", party_size=3, ticket_code="K7M2P9QX"
    )
    staff = factories.UserFactory(username="door", groups=["Check-in staff"])
    return session, registration, staff


def sign_in(context, live_server, user) -> None:
    """Signs ``user`` in by handing the browser a session cookie made by the test client."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_staff_checks_a_typed_code_in_on_a_phone(live_server, browser_page, door):
    session, registration, staff = door
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page.context, live_server, staff)

    page.goto(f"{live_server.url}/en/open-day/checkin/")
    page.get_by_role("link", name="Food lab open day").click()
    page.wait_for_url(f"{live_server.url}/en/open-day/checkin/{session.pk}/")
    arrived = page.locator('[data-count="arrived"]')
    assert arrived.inner_text() == "0"
    assert page.locator('[data-count="expected"]').inner_text() == "3"

    page.get_by_label("Ticket code").fill("k7m2 p9qx")
    page.get_by_role("button", name="Check in", exact=True).click()

    result = page.locator("#checkin-result")
    result.filter(has_text="Party of 3 — welcome").wait_for()
    assert arrived.inner_text() == "3"
    assert page.locator('[data-count="expected"]').inner_text() == "0"
    # The field is emptied and focused for the next visitor.
    assert page.get_by_label("Ticket code").input_value() == ""
    assert page.evaluate("document.activeElement.name") == "ticket"

    page.get_by_label("Ticket code").fill("K7M2P9QX")
    page.keyboard.press("Enter")
    result.filter(has_text="Already checked in at").wait_for()
    assert "checkin-result--refused" in result.get_attribute("class")
    assert arrived.inner_text() == "3"

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CHECKED_IN
    assert registration.checked_in_by == staff
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_check_in_works_without_javascript(live_server, browser_page, door):
    session, registration, staff = door
    context = browser_page.context.browser.new_context(
        java_script_enabled=False, viewport=PHONE, locale="en-GB"
    )
    try:
        sign_in(context, live_server, staff)
        page = context.new_page()
        page.goto(f"{live_server.url}/en/open-day/checkin/{session.pk}/")
        page.get_by_label("Name or last 4 digits of the phone number").fill("张")
        page.get_by_role("button", name="Find", exact=True).click()
        page.get_by_text("Party of 3").wait_for()
        page.get_by_role("button", name="Check in 张**").click()
        page.locator(".messages").filter(has_text="Party of 3 — welcome").wait_for()
        assert page.locator('[data-count="arrived"]').inner_text() == "3"
        assert "q=" in page.url
    finally:
        context.close()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CHECKED_IN


def fake_camera_video(path, data: str) -> None:
    """A few seconds of Y4M video showing the QR code of ``data`` on white, for Chromium's
    fake camera (grey-scale: Y plane from the picture, neutral chroma)."""
    width, height = 640, 480
    qr = segno.make(data, error="m")
    scale = 7
    size = (qr.symbol_size(scale=scale, border=4))[0]
    picture = Image.new("L", (width, height), 255)
    matrix = Image.new("L", (size, size), 255)
    pixels = matrix.load()
    for y, row in enumerate(qr.matrix_iter(scale=scale, border=4)):
        for x, dark in enumerate(row):
            if dark:
                pixels[x, y] = 0
    picture.paste(matrix, ((width - size) // 2, (height - size) // 2))
    luma = picture.tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(30):
            video.write(b"FRAME\n" + luma + chroma + chroma)


def test_staff_scans_a_ticket_with_the_camera(live_server, door, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    session, registration, staff = door
    video = tmp_path / "ticket.y4m"
    fake_camera_video(video, qr_token_make(registration.ticket_code))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        try:
            context = browser.new_context(viewport=PHONE, locale="en-GB")
            context.grant_permissions(["camera"], origin=live_server.url)
            sign_in(context, live_server, staff)
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{live_server.url}/en/open-day/checkin/{session.pk}/")

            page.get_by_role("button", name="Scan the QR code with the camera").click()
            page.locator("#checkin-result").filter(has_text="Party of 3 — welcome").wait_for()
            assert page.locator('[data-count="arrived"]').inner_text() == "3"
            page.get_by_role("button", name="Stop the camera").click()
            assert page.get_by_role("button", name="Scan the QR code with the camera").is_visible()
        finally:
            browser.close()

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CHECKED_IN
    assert registration.changes.count() == 1
