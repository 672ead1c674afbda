"""The lab door screen without a network: the institution's contact opens a visit slot's
door on a phone, the ticket list is downloaded, the network drops (Playwright's offline
mode), two groups' tickets are typed in, checked against the list and queued, and when the
network returns one sync checks both in."""

from __future__ import annotations

import pytest

from labvisits.models import LabVisit, LabVisitChange
from labvisits.selectors import visit_slot_counts
from labvisits.services import lab_visit_decide
from tests import factories
from tests.browser.test_checkin import sign_in
from tests.browser.test_offline_checkin import PHONE, type_ticket
from tests.labvisits.conftest import make_institution, open_door, request_visit

pytestmark = pytest.mark.browser


@pytest.fixture
def lab_door(transactional_site_tree):
    """A visit slot starting soon with two approved groups, and the lab's contact."""
    institution = make_institution(transactional_site_tree, 1)
    slot = open_door(institution.slot)
    visits = []
    for name, size in (("甲汽车零部件公司", 3), ("乙电子公司", 2)):
        member = factories.UserFactory()
        member.enterprise = factories.EnterpriseFactory(owner=member, name=name)
        visit = request_visit(member, slot, group_size=size)
        visits.append(lab_visit_decide(visit=visit, by=institution.contact, approve=True))
    return slot, visits, institution.contact


def test_two_groups_checked_in_offline_sync_once(live_server, browser_page, lab_door):
    slot, visits, contact = lab_door
    context = browser_page.context.browser.new_context(viewport=PHONE, locale="en-GB")
    try:
        sign_in(context, live_server, contact)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/en/open-day/checkin/visit/{slot.pk}/")
        page.locator("[data-offline-list]").filter(has_text="2 tickets").wait_for()
        status = page.locator("[data-offline-status]")
        queue = page.locator("[data-offline-queue]")
        result = page.locator("#checkin-result")

        context.set_offline(True)
        status.filter(has_text="OFFLINE").wait_for()
        for visit in visits:
            type_ticket(page, visit.ticket_code.lower())
            result.filter(has_text=f"Checked in offline, group of {visit.group_size}").wait_for()
        type_ticket(page, "ZZZZ2222")
        result.filter(has_text="Not on this visit slot’s ticket list").wait_for()
        queue.filter(has_text="2 check-ins waiting to sync").wait_for()
        assert not LabVisit.objects.filter(checked_in_at__isnull=False).exists()
        # The lab door's list and queue are its own, apart from any session's.
        stored = sorted(page.evaluate("Object.keys(localStorage)"))
        assert stored == [
            f"portal.checkin.{contact.pk}.visit-{slot.pk}.{name}" for name in ("list", "queue")
        ]

        context.set_offline(False)
        queue.filter(has_text="No check-ins waiting to sync").wait_for()
        result.filter(
            has_text="Synced: 2 checked in, 0 presented twice (counted once), 0 refused"
        ).wait_for()
        page.locator('[data-count="arrived"]').filter(has_text="5").wait_for()
    finally:
        context.close()

    for visit in visits:
        visit.refresh_from_db()
        assert visit.checked_in_by == contact
        assert visit.checkin_nonce
        assert LabVisitChange.objects.filter(visit=visit, event="checked_in").count() == 1
    assert visit_slot_counts(slot_id=slot.pk)["arrived"] == 5
