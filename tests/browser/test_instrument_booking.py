"""On a phone, an enterprise member finds a shared instrument in the catalogue, signs in on
the way and requests machine time; the institution's contact approves it from the desk; the
enterprise sees the request approved with its ticket."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress

from labvisits.models import LabVisit
from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}


def with_email(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def world(transactional_site_tree):
    page = factories.InstitutionPageFactory(
        parent=transactional_site_tree.zh.institutions, title="重庆西部先进材料测试中心"
    )
    factories.translate(page, "en", title="Western Advanced Materials Testing Centre")
    lab = factories.LabFactory(
        institution=page, name="电子显微分析室", name_en="Electron microscopy"
    )
    sem = factories.InstrumentFactory(
        lab=lab,
        name="场发射扫描电子显微镜",
        name_en="Field-emission scanning electron microscope",
        capability_en="Fracture surfaces and coatings, resolution about 1 nm",
        field="materials",
    )
    factories.InstrumentFactory(
        lab=lab, name="X 射线衍射仪", name_en="X-ray diffractometer", field="metrology"
    )
    slot = factories.VisitSlotFactory(lab=lab, instrument=sem, capacity=2)
    contact = factories.InstitutionContactFactory(
        institution=page, user__username="zhou", user__email="zhou@example.com"
    ).user
    member = factories.UserFactory(username="buyer", email="buyer@example.com")
    factories.EnterpriseFactory(owner=member, name="Example Alloy Parts Co.")
    return {"sem": sem, "slot": slot, "contact": with_email(contact), "member": with_email(member)}


def sign_in_here(page, login: str) -> None:
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_enterprise_requests_machine_time_contact_approves_enterprise_sees_ticket(
    live_server, browser_page, world
):
    page = browser_page
    page.set_viewport_size(PHONE)

    # Find the instrument: search by what it measures, then filter by field.
    page.goto(f"{live_server.url}/en/instruments/")
    page.get_by_label("Name or what it measures").fill("coatings")
    page.get_by_label("Field").select_option("materials")
    page.get_by_role("button", name="Show instruments").click()
    page.wait_for_load_state()
    results = page.locator("main").inner_text()
    assert "X-ray diffractometer" not in results
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("link", name="Field-emission scanning electron microscope").click()
    assert "Free machine time" in page.locator("main").inner_text()

    # Not signed in: the request asks to sign in and comes back to the form.
    page.get_by_role("link", name=re.compile("^Request machine time")).first.click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    sign_in_here(page, "buyer@example.com")
    page.wait_for_url(re.compile(rf".*/lab-visits/slots/{world['slot'].pk}/request/"))
    page.get_by_label("Number of operators").fill("2")
    page.get_by_label("Names of the operators").fill("Liu Wei\nChen Jing")
    page.get_by_label("Samples and tests to run").fill("3 aluminium fracture samples, SEM + EDS")
    page.get_by_label("Contact phone").fill("13800001111")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r".*/lab-visits/\d+/$"))
    assert "Your machine-time request has been sent" in page.locator("main").inner_text()
    visit = LabVisit.objects.get()
    assert visit.state == LabVisit.State.REQUESTED and visit.group_size == 2

    # The institution's contact approves it from the desk.
    page.goto(f"{live_server.url}/en/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/en/accounts/login/")
    sign_in_here(page, "zhou@example.com")
    page.goto(f"{live_server.url}/en/lab-visits/institution/")
    page.get_by_role("link", name="Example Alloy Parts Co.").first.click()
    assert "3 aluminium fracture samples" in page.locator("main").inner_text()
    page.get_by_role("button", name="Approve the machine time").click()
    page.wait_for_load_state()
    visit.refresh_from_db()
    assert visit.state == LabVisit.State.APPROVED

    # The enterprise sees it approved, with its ticket.
    page.goto(f"{live_server.url}/en/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/en/accounts/login/")
    sign_in_here(page, "buyer@example.com")
    page.goto(f"{live_server.url}/en/lab-visits/{visit.pk}/")
    main = page.locator("main").inner_text()
    assert "Approved" in main and "Machine-time request" in main
    page.get_by_role("link", name="Show the ticket").click()
    ticket = page.locator("main").inner_text()
    assert "Your machine time is approved" in ticket and visit.ticket_code in ticket
    assert page.locator("main svg").count() >= 1
