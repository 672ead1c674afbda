"""Typing the credit code on the enterprise form chooses the district its region code
names; a district the person picked is left alone."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from stdnum.cn import uscc

from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def with_check(base: str) -> str:
    return base + uscc.calc_check_digit(base)


def test_typing_the_credit_code_chooses_its_district(
    live_server, browser_page, transactional_site_tree
):
    user = factories.UserFactory(username="buyer", email="buyer@example.com")
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.locator("input[name=login]").fill("buyer")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/en/enterprise/create/")
    assert "/enterprise/create/" in page.url, page.url
    district = page.locator("#id_district")
    assert district.input_value() == ""
    page.get_by_label("Unified social credit code").fill(with_check("91500113MA60A1B2C"))
    assert district.input_value() == "banan"
    page.get_by_label("Unified social credit code").fill(with_check("12500240MB0012345"))
    assert district.input_value() == "shizhu"

    district.select_option("jiangbei")
    page.get_by_label("Unified social credit code").fill(with_check("91500113MA60A1B2C"))
    assert district.input_value() == "jiangbei"
