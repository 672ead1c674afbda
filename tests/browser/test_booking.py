"""An enterprise signs up, creates its profile, finds an expert and books a slot; the expert
confirms and later completes it with a summary; the enterprise rates the consultation."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from consultations.models import Consultation
from enterprises.models import Enterprise
from ratings.models import Rating
from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.fixture
def expert_with_slot(transactional_site_tree):
    user = factories.UserFactory(username="expert-lin", email="lin@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    expert = factories.ExpertFactory(
        name="林春景",
        name_en="Lin Chunjing",
        services=("certification", "consulting"),
        fields=("automotive",),
        user=user,
    )
    slot = factories.SlotFactory(expert=expert)
    return expert, slot


def sign_in(page, live_server, login: str) -> None:
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def sign_out(page, live_server) -> None:
    page.goto(f"{live_server.url}/en/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_enterprise_books_expert_confirms_completes_and_enterprise_rates(
    live_server, browser_page, expert_with_slot
):
    expert, slot = expert_with_slot
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    # Sign up and confirm the e-mail address from the message.
    page.goto(f"{live_server.url}/en/accounts/signup/")
    page.locator("input[name=email]").fill("buyer@example.com")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    confirm = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    path = confirm.group(0).split("://", 1)[1].split("/", 1)[1]
    page.goto(f"{live_server.url}/{path}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        sign_in(page, live_server, "buyer@example.com")

    # A user without an enterprise is taken to create or join one.
    page.goto(f"{live_server.url}/en/enterprise/")
    page.get_by_role("link", name="Create the enterprise profile").click()
    page.get_by_label("Enterprise name").fill("Chongqing Example Auto Parts Co., Ltd.")
    page.get_by_label("Unified social credit code").fill("91500000000000002b")
    page.get_by_label("Industry").select_option("automotive")
    page.get_by_label("District").select_option("banan")
    page.get_by_label("Size").select_option("small")
    page.get_by_label("Address").fill("Jieshi Town, Banan District")
    page.get_by_label("Contact person").fill("Wang Fang")
    page.get_by_label("Contact phone").fill("13800001111")
    page.get_by_role("button", name="Create the profile").click()
    page.wait_for_load_state()
    enterprise = Enterprise.objects.get()
    assert enterprise.credit_code == "91500000000000002B"  # typed in lower case

    # Find the right expert for certification support for an automotive part.
    page.goto(f"{live_server.url}/en/consultations/find-an-expert/")
    page.locator("#id_service").select_option("certification")
    page.locator("#id_field").select_option("automotive")
    page.get_by_label("Product or standard (optional)").fill("seat belt buckle")
    page.get_by_role("button", name="Find experts").click()
    results = page.locator("main").inner_text()
    assert "Lin Chunjing" in results
    assert "Certification support" in results
    page.locator(f"a[href*='slot={slot.pk}']").first.click()

    page.get_by_label("Topic").fill("CCC certification of a seat belt buckle")
    page.get_by_label("Describe the problem").fill("Which tests does the buckle need?")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r".*/consultations/booking/.+"))
    consultation = Consultation.objects.get()
    assert consultation.state == Consultation.State.REQUESTED
    assert consultation.slot_id == slot.pk

    # The expert confirms from the expert desk.
    sign_out(page, live_server)
    sign_in(page, live_server, "lin@example.com")
    page.goto(f"{live_server.url}/en/")
    page.get_by_role("link", name="Expert desk").click()
    page.get_by_role("link", name="CCC certification of a seat belt buckle").first.click()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.CONFIRMED

    # Time passes: the consultation took place.
    past = timezone.now() - datetime.timedelta(hours=3)
    Consultation.objects.filter(pk=consultation.pk).update(
        starts_at=past, ends_at=past + datetime.timedelta(hours=1)
    )
    page.reload()
    page.get_by_role("textbox", name="Summary").fill("Explained GB 14166 tests and the CCC route.")
    page.get_by_role("button", name="Complete the consultation").click()
    page.wait_for_load_state()
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.COMPLETED

    # The enterprise sees the summary and rates the consultation.
    sign_out(page, live_server)
    sign_in(page, live_server, "buyer@example.com")
    page.goto(f"{live_server.url}/en/enterprise/")
    page.get_by_role("link", name="CCC certification of a seat belt buckle").first.click()
    assert page.get_by_text("Explained GB 14166 tests").is_visible()
    page.get_by_role("radio", name="Satisfied", exact=True).check()
    page.get_by_role("textbox", name="Comment (optional)").fill("Clear and useful.")
    page.get_by_role("button", name="Send my rating").click()
    page.wait_for_load_state()
    assert Rating.objects.get(kind="consultation", object_id=consultation.pk).level == 4
    assert [c.event for c in consultation.changes.all()][:1] == ["requested"]
