"""The lab door screen offline: the slot's ticket list for the browser (no personal data),
syncing queued check-ins (each nonce applied once, a ticket scanned on two devices counted
once and reported to the contact and to staff), the door's permission on both endpoints."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisit, LabVisitChange, LabVisitCheckinConflict
from labvisits.offline import (
    visit_checkin_conflict_list,
    visit_checkin_offline_sync,
    visit_offline_salt,
    visit_offline_ticket_list,
)
from labvisits.selectors import visit_slot_counts
from labvisits.services import lab_visit_cancel, lab_visit_checkin_ticket, lab_visit_decide
from portal.offline import SYNC_MAX_ITEMS, OfflineScan, offline_ticket_hash
from portal.tickets import qr_token_make
from tests import factories
from tests.concurrency import run_at_once
from tests.conftest import english
from tests.labvisits.conftest import make_institution, open_door, request_visit

CONTACT_PHONE = "+8613800001111"


def approved(member, slot, group_size: int = 3, **kwargs) -> LabVisit:
    visit = request_visit(member, slot, group_size=group_size, **kwargs)
    contact = slot.lab.institution.contacts.first().user
    return lab_visit_decide(visit=visit, by=contact, approve=True)


@pytest.fixture
def slot(inst_a):
    return open_door(inst_a.slot)


@pytest.fixture
def visit(slot, member_a) -> LabVisit:
    return approved(member_a, slot, group_size=3)


@pytest.fixture
def other_door(db):
    return factories.UserFactory(username="door2", groups=["Check-in staff"])


def scan(ticket: str, *, nonce: str | None = None, at=None) -> OfflineScan:
    return OfflineScan(
        nonce=nonce or str(uuid.uuid4()), ticket=ticket, scanned_at=at or timezone.now()
    )


def sync(slot, scans, *, by, device="device-a", now=None):
    return visit_checkin_offline_sync(slot=slot, scans=scans, device=device, by=by, now=now)


def en_url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"labvisits:{name}", kwargs=kwargs)


# ---- The ticket list -------------------------------------------------------------------


def test_ticket_list_holds_approved_visits_hashes_sizes_and_flags(slot, visit, member_b, inst_a):
    requested = request_visit(member_b, slot, group_size=2)
    data = visit_offline_ticket_list(slot=slot)

    salt = visit_offline_salt(slot_id=slot.pk)
    assert data["slot"] == slot.pk
    assert data["salt"] == salt
    assert data["tickets"] == [
        {
            "hash": offline_ticket_hash(salt=salt, code=visit.ticket_code),
            "party_size": 3,
            "checked_in": False,
        }
    ]
    assert requested.ticket_code  # requested, not approved: not on the list
    lab_visit_checkin_ticket(slot=slot, ticket=visit.ticket_code, by=inst_a.contact)
    assert visit_offline_ticket_list(slot=slot)["tickets"][0]["checked_in"] is True


def test_ticket_list_version_changes_when_a_visit_changes(slot, visit, member_a):
    before = visit_offline_ticket_list(slot=slot)["version"]
    lab_visit_cancel(visit=visit, by=member_a, reason="plans changed")
    after = visit_offline_ticket_list(slot=slot)
    assert after["version"] != before
    assert after["tickets"] == []


def test_each_slot_has_its_own_salt_and_not_a_sessions(slot, inst_b):
    from events.services.offline import offline_salt as session_salt

    salts = {
        visit_offline_salt(slot_id=slot.pk),
        visit_offline_salt(slot_id=inst_b.slot.pk),
        session_salt(session_id=slot.pk),
    }
    assert len(salts) == 3


# ---- Syncing ------------------------------------------------------------------------------


def test_sync_checks_visits_in_with_the_scan_time_nonce_and_who(slot, visit, checkin_staff):
    at = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    item = scan(visit.ticket_code.lower(), at=at)

    [result] = sync(slot, [item], by=checkin_staff)

    assert (result.result, result.party_size) == ("checked_in", 3)
    visit.refresh_from_db()
    assert visit.checked_in_at == at
    assert visit.checkin_nonce == item.nonce
    assert visit.checked_in_by == checkin_staff
    assert visit_slot_counts(slot_id=slot.pk)["arrived"] == 3


def test_same_nonce_synced_twice_applies_once(slot, visit, inst_a):
    item = scan(qr_token_make(visit.ticket_code))

    first = sync(slot, [item], by=inst_a.contact)
    again = sync(slot, [item, item], by=inst_a.contact)

    assert [r.result for r in first] == ["checked_in"]
    assert [r.result for r in again] == ["already_applied", "already_applied"]
    assert LabVisitChange.objects.filter(visit=visit, event="checked_in").count() == 1
    assert not LabVisitCheckinConflict.objects.exists()
    assert visit_slot_counts(slot_id=slot.pk)["arrived"] == 3


def test_a_ticket_from_a_second_device_counts_once_and_records_a_conflict(
    slot, visit, checkin_staff, other_door
):
    first_scan = scan(visit.ticket_code, at=timezone.now() - datetime.timedelta(minutes=3))
    second_scan = scan(qr_token_make(visit.ticket_code))

    [first] = sync(slot, [first_scan], by=checkin_staff, device="device-a")
    [second] = sync(slot, [second_scan], by=other_door, device="abcdef123456")
    [second_again] = sync(slot, [second_scan], by=other_door, device="abcdef123456")

    assert first.result == "checked_in"
    assert (second.result, second.code, second.party_size) == (
        "conflict",
        "already_checked_in",
        3,
    )
    assert "door" in second.message  # by whom: the first device's member of staff
    assert second_again.result == "conflict"
    conflict = LabVisitCheckinConflict.objects.get()
    assert (conflict.visit, conflict.nonce) == (visit, second_scan.nonce)
    assert (conflict.device, conflict.scanned_by) == ("abcdef123456", other_door)
    visit.refresh_from_db()
    assert (visit.checkin_nonce, visit.checked_in_by) == (first_scan.nonce, checkin_staff)
    assert LabVisitChange.objects.filter(visit=visit, event="checked_in").count() == 1
    assert visit_slot_counts(slot_id=slot.pk)["arrived"] == 3
    [row] = visit_checkin_conflict_list(slot_id=slot.pk)
    assert (row["ticket_code"], row["party_size"], row["device"]) == (
        visit.ticket_code,
        3,
        "abcdef12",
    )


def test_a_scan_after_an_online_check_in_is_a_conflict_and_a_lost_answer_is_not(
    slot, visit, member_b, checkin_staff
):
    other = approved(member_b, slot, group_size=2)
    lab_visit_checkin_ticket(
        slot=slot, ticket=visit.ticket_code, by=checkin_staff, nonce="online-1"
    )
    lost = str(uuid.uuid4())  # posted online, checked in, the answer never came back
    lab_visit_checkin_ticket(slot=slot, ticket=other.ticket_code, by=checkin_staff, nonce=lost)

    results = sync(
        slot, [scan(visit.ticket_code), scan(other.ticket_code, nonce=lost)], by=checkin_staff
    )

    assert [r.result for r in results] == ["conflict", "already_applied"]
    assert LabVisitCheckinConflict.objects.filter(visit=visit).count() == 1
    assert not LabVisitCheckinConflict.objects.filter(visit=other).exists()


def test_sync_refuses_with_the_doors_codes(slot, visit, inst_a, inst_b, member_a, member_b):
    declined = request_visit(member_b, slot, group_size=1)
    lab_visit_decide(visit=declined, by=inst_a.contact, approve=False, reason="full")
    elsewhere = approved(member_a, open_door(inst_b.slot), group_size=1)

    results = sync(
        slot,
        [
            scan("ZZZZ2222"),
            scan(f"{visit.ticket_code}:forged"),
            scan(declined.ticket_code),
            scan(elsewhere.ticket_code),
            scan(visit.ticket_code, nonce="bad nonce!"),
        ],
        by=inst_a.contact,
    )

    assert [(r.result, r.code) for r in results] == [
        ("refused", "unknown_ticket"),
        ("refused", "unknown_ticket"),
        ("refused", "not_approved"),
        ("refused", "wrong_slot"),
        ("refused", "invalid"),
    ]
    assert not LabVisit.objects.filter(checked_in_at__isnull=False).exists()


def test_sync_by_a_contact_of_another_institution_is_refused(slot, visit, inst_b):
    [result] = sync(slot, [scan(visit.ticket_code)], by=inst_b.contact)
    assert (result.result, result.code) == ("refused", "forbidden")
    visit.refresh_from_db()
    assert visit.checked_in_at is None


def test_a_scan_outside_the_slots_door_hours_is_refused(slot, visit, checkin_staff):
    early = slot.starts_at - datetime.timedelta(hours=3)
    [result] = sync(
        slot,
        [scan(visit.ticket_code, at=early)],
        by=checkin_staff,
        now=early + datetime.timedelta(minutes=1),
    )
    assert (result.result, result.code) == ("refused", "too_early")


def test_too_many_items_in_one_sync_are_refused(slot, checkin_staff):
    with pytest.raises(LabVisitError) as error:
        sync(slot, [scan("ZZZZ2222") for _ in range(SYNC_MAX_ITEMS + 1)], by=checkin_staff)
    assert error.value.code == "too_many"


# ---- Constraints ------------------------------------------------------------------------


def test_database_records_a_conflict_nonce_once_and_never_empty(visit):
    LabVisitCheckinConflict.objects.create(
        visit=visit, nonce="n-1234567", scanned_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LabVisitCheckinConflict.objects.create(
            visit=visit, nonce="n-1234567", scanned_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        LabVisitCheckinConflict.objects.create(visit=visit, nonce="", scanned_at=timezone.now())


def test_database_applies_a_checkin_nonce_once(slot, visit, member_b):
    other = approved(member_b, slot, group_size=1)
    now = timezone.now()
    LabVisit.objects.filter(pk=visit.pk).update(checked_in_at=now, checkin_nonce="same-nonce-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        LabVisit.objects.filter(pk=other.pk).update(checked_in_at=now, checkin_nonce="same-nonce-1")


# ---- Views ------------------------------------------------------------------------------


def post_sync(client, slot, items, **extra):
    return client.post(
        en_url("checkin_visit_offline_sync", slot_id=slot.pk),
        data=json.dumps({"device": "dev-1", "items": items}),
        content_type="application/json",
        **extra,
    )


def item(ticket: str) -> dict:
    return {"nonce": str(uuid.uuid4()), "ticket": ticket, "scanned_at": timezone.now().isoformat()}


def test_the_list_json_holds_no_personal_data(client, slot, visit, inst_a):
    client.force_login(inst_a.contact)
    response = client.get(en_url("checkin_visit_offline_list", slot_id=slot.pk))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    body = response.content
    assert len(response.json()["tickets"]) == 1
    visit.refresh_from_db()
    secrets = [
        visit.ticket_code,
        qr_token_make(visit.ticket_code).split(":")[1],
        CONTACT_PHONE,
        CONTACT_PHONE[-8:],
        visit.contact_name,
        visit.enterprise.name,
        *visit.visitor_names.splitlines(),
        visit.purpose,
    ]
    for secret in secrets:
        assert secret.encode() not in body, secret
        assert json.dumps(secret).strip('"').encode() not in body, secret


@pytest.mark.parametrize("who", ["anonymous", "member", "other_contact"])
def test_only_the_doors_users_read_the_list_or_sync(client, slot, visit, inst_b, member_a, who):
    list_url = en_url("checkin_visit_offline_list", slot_id=slot.pk)
    expected = {"anonymous": 302, "member": 403, "other_contact": 404}[who]
    if who == "member":
        client.force_login(member_a)  # an enterprise member: not a door user at all
    elif who == "other_contact":
        client.force_login(inst_b.contact)  # a door user, but not of this lab
    assert client.get(list_url).status_code == expected
    assert post_sync(client, slot, [item(visit.ticket_code)]).status_code == expected
    visit.refresh_from_db()
    assert visit.checked_in_at is None


@pytest.mark.parametrize("who", ["checkin_staff", "contact"])
def test_door_users_download_the_list_and_sync(client, slot, visit, inst_a, checkin_staff, who):
    client.force_login(checkin_staff if who == "checkin_staff" else inst_a.contact)
    assert client.get(en_url("checkin_visit_offline_list", slot_id=slot.pk)).status_code == 200
    items = [item(visit.ticket_code), item("ZZZZ2222")]
    response = post_sync(client, slot, items)
    assert response.status_code == 200
    body = response.json()
    assert [(r["result"], r["code"]) for r in body["results"]] == [
        ("checked_in", ""),
        ("refused", "unknown_ticket"),
    ]
    assert body["counts"]["arrived"] == 3


def test_sync_needs_the_csrf_token_and_a_readable_body(slot, visit, checkin_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(checkin_staff)
    assert post_sync(client, slot, [item(visit.ticket_code)]).status_code == 403
    page = client.get(en_url("checkin_visit_slot", slot_id=slot.pk))
    token = str(page.context["csrf_token"])
    url = en_url("checkin_visit_offline_sync", slot_id=slot.pk)
    for body in ("not json", json.dumps({"items": [{"nonce": 1}]})):
        response = client.post(
            url, data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token
        )
        assert (response.status_code, response.json()["code"]) == (400, "invalid")
    response = post_sync(client, slot, [item(visit.ticket_code)], HTTP_X_CSRFTOKEN=token)
    assert response.json()["results"][0]["result"] == "checked_in"


def test_door_screen_offers_offline_check_in_and_shows_conflicts_to_the_contact(
    client, slot, visit, inst_a, checkin_staff
):
    sync(slot, [scan(visit.ticket_code)], by=checkin_staff)
    sync(slot, [scan(visit.ticket_code)], by=inst_a.contact, device="abcdef123456")
    client.force_login(inst_a.contact)
    response = client.get(en_url("checkin_visit_slot", slot_id=slot.pk))
    html = response.content.decode()
    assert 'rel="manifest"' in html and "js/checkin-offline.js" in html
    assert f'data-door="visit-{slot.pk}"' in html
    assert en_url("checkin_visit_offline_list", slot_id=slot.pk) in html
    assert en_url("checkin_visit_offline_sync", slot_id=slot.pk) in html
    assert "Checked in offline, group of %(count)s" in html
    assert "Tickets presented twice" in html
    assert visit.ticket_code in html and "abcdef12" in html
    assert CONTACT_PHONE not in html


def test_the_service_worker_scope_covers_the_lab_door(client, slot):
    with translation.override("en"):
        scope = reverse("events:checkin_home")
    assert en_url("checkin_visit_slot", slot_id=slot.pk).startswith(scope)
    assert en_url("checkin_visit_offline_list", slot_id=slot.pk).startswith(scope)


def test_staff_see_the_ticket_presented_twice_with_the_visit_in_the_admin(
    client, slot, visit, checkin_staff, other_door
):
    sync(slot, [scan(visit.ticket_code)], by=checkin_staff)
    sync(slot, [scan(visit.ticket_code)], by=other_door, device="abcdef123456")
    # The admin speaks the user's language: English here, whatever ran before.
    client.force_login(english(factories.UserFactory(groups=["Regulator editors"])))
    response = client.get(reverse("enterprise_services_lab_visits:inspect", args=[visit.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ticket presented twice" in html
    assert "abcdef12" in html and "door2" in html


def test_two_devices_and_a_retried_queue_syncing_at_once_count_the_group_once(
    transactional_site_tree,
):
    """Three syncs race, each on its own database connection: device A's queue, the same
    queue sent again (a retry while the first request runs) and device B's scan of the same
    ticket. The slot lock orders them: one check-in, one conflict, one already applied."""
    institution = make_institution(transactional_site_tree, 1)
    slot = open_door(institution.slot)
    member = factories.UserFactory()
    member.enterprise = factories.EnterpriseFactory(owner=member)
    visit = approved(member, slot, group_size=4)
    staff_a, staff_b = (
        factories.UserFactory(username=name, groups=["Check-in staff"]) for name in "ab"
    )
    scan_a, scan_b = scan(visit.ticket_code), scan(visit.ticket_code)

    def job(item, by, device):
        return lambda: sync(slot, [item], by=by, device=device)[0].result

    outcomes, errors = run_at_once(
        [job(scan_a, staff_a, "a"), job(scan_a, staff_a, "a"), job(scan_b, staff_b, "b")]
    )

    assert errors == []
    assert outcomes.count("checked_in") == 1
    assert sorted(outcomes) in (
        ["already_applied", "checked_in", "conflict"],  # A first: B's scan is the conflict
        ["checked_in", "conflict", "conflict"],  # B first: both of A's are conflicts
    )
    assert LabVisitChange.objects.filter(visit=visit, event="checked_in").count() == 1
    assert visit_slot_counts(slot_id=slot.pk)["arrived"] == 4
