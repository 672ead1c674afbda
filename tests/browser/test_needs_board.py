"""Supply-demand matching in a real browser: an enterprise posts a need on the board, an
institution contact makes an offer, the enterprise accepts it and the contact then sees
who posted the need."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from needs.models import Need, Offer
from tests import factories
from tests.browser.test_booking import PASSWORD, sign_in, sign_out

pytestmark = pytest.mark.browser


@pytest.fixture
def parties(transactional_site_tree):
    owner = factories.UserFactory(username="ent-owner", email="owner@example.com")
    enterprise = factories.EnterpriseFactory(
        owner=owner, name="Chongqing Example Brake Co.", district="banan"
    )
    institution = factories.InstitutionPageFactory(
        parent=transactional_site_tree.zh.institutions, title="重庆汽车检测中心"
    )
    contact = factories.InstitutionContactFactory(
        institution=institution, user__email="lab@example.com"
    ).user
    for user in (owner, contact):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return owner, enterprise, institution, contact


def test_enterprise_posts_institution_offers_enterprise_accepts(live_server, browser_page, parties):
    owner, enterprise, institution, contact = parties
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    deadline = timezone.localdate() + datetime.timedelta(days=10)

    # Anonymous "Post a need" leads to sign-in, which returns to the form.
    page.goto(f"{live_server.url}/en/needs/")
    page.get_by_role("link", name="Post a need").first.click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    page.locator("input[name=login]").fill("owner@example.com")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/en/needs/post/$"))

    assert page.get_by_label("District").input_value() == "banan"  # from the enterprise
    page.locator("#id_title").fill("Brake disc noise bench test")
    page.get_by_label("Testing field").select_option("automotive")
    page.get_by_label("Description").fill("NVH bench test of a new brake disc, CMA report.")
    page.get_by_label("Offers accepted until").fill(deadline.isoformat())
    page.get_by_role("button", name="Post the need").click()
    page.wait_for_url(re.compile(r".*/en/needs/\d+/$"))
    need = Need.objects.get()
    assert need.enterprise == enterprise and need.state == Need.State.OPEN

    # The board shows it without the enterprise's name.
    sign_out(page, live_server)
    page.goto(f"{live_server.url}/en/needs/")
    board = page.locator("main").inner_text()
    assert "Brake disc noise bench test" in board
    assert enterprise.name not in board

    # The institution's contact makes an offer from the board.
    sign_in(page, live_server, "lab@example.com")
    page.goto(f"{live_server.url}/en/needs/")
    page.get_by_role("link", name=re.compile("Make an offer")).first.click()
    page.get_by_label("Message to the enterprise").fill("We run brake NVH benches daily.")
    page.get_by_label("Proposed approach").fill("Dynamometer noise test to the industry standard.")
    page.get_by_label("Fee (optional)").fill("About 20,000 yuan")
    page.get_by_role("button", name="Send the offer").click()
    page.wait_for_url(re.compile(r".*/en/needs/\d+/$"))
    offer = Offer.objects.get()
    assert offer.institution_id == institution.pk
    assert enterprise.name not in page.locator("main").inner_text()

    # The enterprise accepts it.
    sign_out(page, live_server)
    sign_in(page, live_server, "owner@example.com")
    page.goto(f"{live_server.url}/en/needs/{need.pk}/")
    assert "We run brake NVH benches daily." in page.locator("main").inner_text()
    page.get_by_role("button", name=re.compile("Accept this offer")).click()
    page.wait_for_load_state()
    need.refresh_from_db()
    offer.refresh_from_db()
    assert need.state == Need.State.MATCHED and offer.state == Offer.State.ACCEPTED
    assert "Matched" in page.locator("main").inner_text()

    # The contact now sees who posted it.
    sign_out(page, live_server)
    sign_in(page, live_server, "lab@example.com")
    page.goto(f"{live_server.url}/en/needs/{need.pk}/")
    assert enterprise.name in page.locator("main").inner_text()
    assert owner.notifications.count() == 1
    assert contact.notifications.count() == 1
