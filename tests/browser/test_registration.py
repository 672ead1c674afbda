"""A visitor proves the phone number with the code sent by text message, registers for a
session, opens the e-mailed manage link and cancels."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from events.models import Registration
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def nearly_full_session(transactional_site_tree):
    tree = transactional_site_tree
    activity = factories.ActivityPageFactory(
        parent=tree.zh.campaign, title="走进智能网联汽车检测中心", slug="vehicle-lab"
    )
    factories.translate(activity, "en", title="Inside the connected-vehicle testing centre")
    return factories.SessionFactory(activity=activity, capacity=3, max_party_size=2, taken=1)


def code_from_sms_files(folder) -> str:
    """The code of the latest text message the file backend wrote (numbers are masked)."""
    texts = "".join(path.read_text() for path in sorted(folder.iterdir()))
    assert "+86139****1234" in texts and "13900001234" not in texts
    return re.findall(r"verification code is (\d{6})", texts)[-1]


def test_verify_register_open_emailed_link_and_cancel(
    live_server, browser_page, nearly_full_session, phone_verification, settings, tmp_path
):
    settings.SMS_BACKEND = "reminders.sms.MaskedFileBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/en/")
    page.get_by_role("link", name="Inside the connected-vehicle testing centre").first.click()
    page.get_by_role("link", name=re.compile("^Register")).first.click()
    assert page.locator("h1").inner_text().strip() == "Inside the connected-vehicle testing centre"

    # A mistake first: the form explains it and keeps what was typed.
    page.get_by_label("Name").fill("Li Hua")
    page.get_by_label("Mobile phone").fill("12345")
    page.get_by_label("E-mail (optional)").fill("lihua@example.com")
    page.get_by_role("button", name="Register", exact=True).click()
    assert page.get_by_role("alert").is_visible()
    assert "mainland China mobile number" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Name").input_value() == "Li Hua"

    page.get_by_label("Mobile phone").fill("139 0000 1234")
    page.get_by_label("Number of people").select_option("2")
    page.get_by_label("Language for e-mails").select_option("en")
    page.locator("#id_consent").check()
    # Registering without the code is refused, and says how to get one.
    page.get_by_role("button", name="Register", exact=True).click()
    assert "Send code" in page.get_by_role("alert").inner_text()
    # "Send code": the text message goes out; everything typed stays.
    page.get_by_role("button", name="Send code").click()
    assert "139 **** 1234" in page.locator(".field__notice").inner_text()
    assert page.get_by_label("Name").input_value() == "Li Hua"
    assert page.get_by_label("Number of people").input_value() == "2"
    page.get_by_label("Verification code").fill(code_from_sms_files(tmp_path))
    page.get_by_label("Verification code").press("Enter")  # Enter registers

    page.wait_for_url(re.compile(r".*/open-day/registration/ticket/.+"))
    registration = Registration.objects.get(phone="+8613900001234")
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.phone_verified
    assert page.get_by_role("heading", name="Your place is confirmed").is_visible()
    assert registration.ticket_code in page.locator(".ticket__code").inner_text()
    assert page.locator(".ticket__qr svg").is_visible()

    (message,) = mail.outbox
    link = re.search(r"https?://\S+/ticket/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page.goto(f"{live_server.url}/{path}")
    page.get_by_role("link", name="Cancel my registration").click()
    page.get_by_role("button", name="Yes, cancel my registration").click()
    assert page.get_by_role("heading", name="This registration is cancelled").is_visible()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert len(mail.outbox) == 2
