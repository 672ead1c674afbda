"""The door screen offline: the ticket list for the browser, syncing queued check-ins (each
nonce applied once, a ticket scanned on two devices counted once and reported), the
manifest and the service worker."""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from events.exceptions import RegistrationError
from events.models import CheckinConflict, Registration, RegistrationChange
from events.services.checkin import checkin_counts, checkin_perform
from events.services.offline import (
    SYNC_MAX_ITEMS,
    OfflineScan,
    checkin_conflict_list,
    checkin_offline_sync,
    offline_salt,
    offline_ticket_hash,
    offline_ticket_list,
)
from portal.tickets import qr_token_make
from tests import factories

Status = Registration.Status


@pytest.fixture
def staff(db):
    return factories.UserFactory(
        username="door1", first_name="Wei", last_name="Li", groups=["Check-in staff"]
    )


@pytest.fixture
def other_staff(db):
    return factories.UserFactory(username="door2", groups=["Check-in staff"])


@pytest.fixture
def session(site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, slug="food-lab")
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    return factories.SessionFactory(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=20,
        max_party_size=4,
    )


def scan(ticket: str, *, nonce: str | None = None, at=None) -> OfflineScan:
    return OfflineScan(
        nonce=nonce or str(uuid.uuid4()), ticket=ticket, scanned_at=at or timezone.now()
    )


def sync(session, scans, *, by, device="device-a"):
    return checkin_offline_sync(session_id=session.pk, scans=scans, device=device, by=by)


def en_url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"events:{name}", kwargs=kwargs)


# ---- The ticket list -------------------------------------------------------------------


def test_ticket_list_holds_hashes_party_sizes_and_flags_without_personal_data(session):
    confirmed = factories.RegistrationFactory(
        session=session, name="张三丰", phone="+8613800138000", party_size=3
    )
    arrived = factories.RegistrationFactory(session=session, status=Status.CHECKED_IN)
    factories.RegistrationFactory(session=session, status=Status.CANCELLED)
    factories.RegistrationFactory(session=session, status=Status.WAITLISTED)

    data = offline_ticket_list(session_id=session.pk)

    salt = offline_salt(session_id=session.pk)
    assert data["session"] == session.pk
    assert data["salt"] == salt
    assert data["version"]
    assert data["tickets"] == [
        {
            "hash": hashlib.sha256((salt + confirmed.ticket_code).encode()).hexdigest(),
            "party_size": 3,
            "checked_in": False,
        },
        {
            "hash": offline_ticket_hash(salt=salt, code=arrived.ticket_code),
            "party_size": arrived.party_size,
            "checked_in": True,
        },
    ]
    text = json.dumps(data, ensure_ascii=False)
    for secret in ("张三丰", "13800138000", confirmed.ticket_code, qr_token_make("X")[:4]):
        assert secret not in text


def test_ticket_list_version_changes_with_a_check_in(session, staff):
    reg = factories.RegistrationFactory(session=session)
    before = offline_ticket_list(session_id=session.pk)["version"]
    checkin_perform(session_id=session.pk, ticket=reg.ticket_code, by=staff)
    assert offline_ticket_list(session_id=session.pk)["version"] != before


def test_each_session_has_its_own_salt(session, site_tree):
    other = factories.SessionFactory(activity=session.activity)
    assert offline_salt(session_id=session.pk) != offline_salt(session_id=other.pk)


def test_no_ticket_list_for_an_online_session(session):
    online = factories.SessionFactory(activity=session.activity, format="online")
    with pytest.raises(RegistrationError) as error:
        offline_ticket_list(session_id=online.pk)
    assert error.value.code == "online"


# ---- Syncing ------------------------------------------------------------------------------


def test_sync_checks_queued_tickets_in_with_the_scan_time_and_nonce(session, staff):
    reg = factories.RegistrationFactory(session=session, party_size=2, ticket_code="K7M2P9QX")
    at = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    item = scan("k7m2-p9qx", at=at)

    [result] = sync(session, [item], by=staff)

    assert (result.result, result.party_size) == ("checked_in", 2)
    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN
    assert reg.checkin_nonce == item.nonce
    assert reg.checked_in_at == at
    assert reg.checked_in_by == staff
    assert checkin_counts(session_id=session.pk)["arrived"] == 2


def test_same_nonce_synced_twice_applies_once(session, staff):
    reg = factories.RegistrationFactory(session=session, party_size=3)
    item = scan(reg.ticket_code)

    first = sync(session, [item], by=staff)
    again = sync(session, [item, item], by=staff)

    assert [r.result for r in first] == ["checked_in"]
    assert [r.result for r in again] == ["already_applied", "already_applied"]
    assert RegistrationChange.objects.filter(registration=reg, to_state="checked_in").count() == 1
    assert not CheckinConflict.objects.exists()
    assert checkin_counts(session_id=session.pk)["arrived"] == 3


def test_a_ticket_from_two_offline_devices_counts_once_and_records_a_conflict(
    session, staff, other_staff
):
    reg = factories.RegistrationFactory(session=session, name="张三丰", party_size=4)
    first_scan = scan(reg.ticket_code, at=timezone.now() - datetime.timedelta(minutes=3))
    second_scan = scan(qr_token_make(reg.ticket_code))

    [first] = sync(session, [first_scan], by=staff, device="device-a")
    [second] = sync(session, [second_scan], by=other_staff, device="device-b")
    [second_again] = sync(session, [second_scan], by=other_staff, device="device-b")

    assert first.result == "checked_in"
    assert (second.result, second.code) == ("conflict", "already_checked_in")
    assert "Wei Li" in second.message or "Li Wei" in second.message
    assert second_again.result == "conflict"
    conflict = CheckinConflict.objects.get()
    assert conflict.registration == reg
    assert conflict.nonce == second_scan.nonce
    assert (conflict.device, conflict.scanned_by) == ("device-b", other_staff)
    reg.refresh_from_db()
    assert reg.checkin_nonce == first_scan.nonce
    assert reg.checked_in_by == staff
    assert checkin_counts(session_id=session.pk)["arrived"] == 4
    [row] = checkin_conflict_list(session_id=session.pk)
    assert row["name"] != "张三丰" and row["name"].startswith("张")
    assert row["ticket_code"] == reg.ticket_code


def test_a_scan_after_an_online_check_in_is_a_conflict(session, staff):
    reg = factories.RegistrationFactory(session=session)
    checkin_perform(session_id=session.pk, ticket=reg.ticket_code, by=staff, nonce="online-scan-1")
    [result] = sync(session, [scan(reg.ticket_code)], by=staff)
    assert result.result == "conflict"
    assert CheckinConflict.objects.filter(registration=reg).count() == 1


def test_a_post_lost_online_then_queued_with_its_nonce_is_already_applied(session, staff):
    # The online post reached the server but its answer was lost; the page queued the
    # ticket with the same nonce.
    reg = factories.RegistrationFactory(session=session)
    nonce = str(uuid.uuid4())
    checkin_perform(session_id=session.pk, ticket=reg.ticket_code, by=staff, nonce=nonce)
    [result] = sync(session, [scan(reg.ticket_code, nonce=nonce)], by=staff)
    assert result.result == "already_applied"
    assert not CheckinConflict.objects.exists()


@pytest.mark.parametrize(
    ("status", "code"),
    [(Status.CANCELLED, "cancelled"), (Status.WAITLISTED, "waitlisted")],
)
def test_sync_refuses_a_ticket_that_may_not_enter(session, staff, status, code):
    reg = factories.RegistrationFactory(session=session, status=status)
    [result] = sync(session, [scan(reg.ticket_code)], by=staff)
    assert (result.result, result.code) == ("refused", code)
    reg.refresh_from_db()
    assert reg.status == status
    assert not CheckinConflict.objects.exists()


def test_sync_refuses_a_ticket_of_another_session(session, staff):
    other = factories.SessionFactory(activity=session.activity)
    reg = factories.RegistrationFactory(session=other)
    [result] = sync(session, [scan(reg.ticket_code)], by=staff)
    assert (result.result, result.code) == ("refused", "wrong_session")
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED


def test_sync_refuses_unknown_codes_forged_tokens_and_bad_nonces(session, staff):
    reg = factories.RegistrationFactory(session=session)
    results = sync(
        session,
        [
            scan("ZZZZZZZZ"),
            scan(f"{reg.ticket_code}:forged"),
            scan(reg.ticket_code, nonce="bad nonce!"),
        ],
        by=staff,
    )
    assert [(r.result, r.code) for r in results] == [
        ("refused", "unknown_ticket"),
        ("refused", "unknown_ticket"),
        ("refused", "invalid"),
    ]
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED


def test_one_refusal_does_not_hold_up_the_others(session, staff):
    regs = [factories.RegistrationFactory(session=session) for _ in range(3)]
    results = sync(
        session,
        [scan(regs[0].ticket_code), scan("ZZZZZZZZ"), scan(regs[1].ticket_code)],
        by=staff,
    )
    assert [r.result for r in results] == ["checked_in", "refused", "checked_in"]
    statuses = set(
        Registration.objects.filter(pk__in=[regs[0].pk, regs[1].pk]).values_list(
            "status", flat=True
        )
    )
    assert statuses == {Status.CHECKED_IN}


def test_implausible_scan_times_are_replaced_by_the_sync_time(session, staff):
    future, ancient = (factories.RegistrationFactory(session=session) for _ in range(2))
    now = timezone.now()
    sync(
        session,
        [
            scan(future.ticket_code, at=now + datetime.timedelta(hours=3)),
            scan(ancient.ticket_code, at=now - datetime.timedelta(days=3)),
        ],
        by=staff,
    )
    for reg in (future, ancient):
        reg.refresh_from_db()
        assert abs(reg.checked_in_at - now) < datetime.timedelta(minutes=1)


def test_a_scan_before_check_in_opened_is_refused(session, staff):
    reg = factories.RegistrationFactory(session=session)
    early = session.starts_at - datetime.timedelta(hours=3)
    [result] = checkin_offline_sync(
        session_id=session.pk,
        scans=[scan(reg.ticket_code, at=early)],
        device="d",
        by=staff,
        now=early + datetime.timedelta(minutes=1),
    )
    assert (result.result, result.code) == ("refused", "too_early")


def test_too_many_items_in_one_sync_are_refused(session, staff):
    with pytest.raises(RegistrationError) as error:
        sync(session, [scan("ZZZZZZZZ") for _ in range(SYNC_MAX_ITEMS + 1)], by=staff)
    assert error.value.code == "too_many"


# ---- Constraints ------------------------------------------------------------------------


def test_database_records_a_conflict_nonce_once(session):
    reg = factories.RegistrationFactory(session=session)
    CheckinConflict.objects.create(registration=reg, nonce="n-1234567", scanned_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckinConflict.objects.create(
            registration=reg, nonce="n-1234567", scanned_at=timezone.now()
        )


def test_database_refuses_a_conflict_without_nonce(session):
    reg = factories.RegistrationFactory(session=session)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckinConflict.objects.create(registration=reg, nonce="", scanned_at=timezone.now())


def test_database_applies_a_checkin_nonce_once(session):
    first, second = (factories.RegistrationFactory(session=session) for _ in range(2))
    Registration.objects.filter(pk=first.pk).update(checkin_nonce="same-nonce-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=second.pk).update(checkin_nonce="same-nonce-1")


# ---- Views ------------------------------------------------------------------------------


def post_sync(client, session, items, **extra):
    return client.post(
        en_url("checkin_offline_sync", session_id=session.pk),
        data=json.dumps({"device": "dev-1", "items": items}),
        content_type="application/json",
        **extra,
    )


def test_anonymous_cannot_read_the_list_or_sync(client, session):
    reg = factories.RegistrationFactory(session=session)
    response = client.get(en_url("checkin_offline_list", session_id=session.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    item = {"nonce": str(uuid.uuid4()), "ticket": reg.ticket_code, "scanned_at": None}
    assert post_sync(client, session, [item]).status_code == 302
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED


def test_a_member_without_check_in_permission_is_refused(client, session):
    reg = factories.RegistrationFactory(session=session)
    client.force_login(factories.UserFactory())
    assert client.get(en_url("checkin_offline_list", session_id=session.pk)).status_code == 403
    item = {"nonce": str(uuid.uuid4()), "ticket": reg.ticket_code, "scanned_at": None}
    assert post_sync(client, session, [item]).status_code == 403
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED


def test_staff_downloads_the_list_and_syncs(client, session, staff):
    reg = factories.RegistrationFactory(session=session, party_size=2)
    client.force_login(staff)
    response = client.get(en_url("checkin_offline_list", session_id=session.pk))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert len(response.json()["tickets"]) == 1

    nonce = str(uuid.uuid4())
    items = [
        {"nonce": nonce, "ticket": reg.ticket_code, "scanned_at": timezone.now().isoformat()},
        {"nonce": str(uuid.uuid4()), "ticket": "ZZZZZZZZ", "scanned_at": "not a date"},
    ]
    response = post_sync(client, session, items)
    assert response.status_code == 200
    body = response.json()
    assert [(r["nonce"], r["result"]) for r in body["results"]] == [
        (nonce, "checked_in"),
        (items[1]["nonce"], "refused"),
    ]
    assert body["results"][1]["code"] == "unknown_ticket"
    assert body["counts"]["arrived"] == 2


def test_sync_needs_the_csrf_token(session, staff):
    reg = factories.RegistrationFactory(session=session)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    item = {"nonce": str(uuid.uuid4()), "ticket": reg.ticket_code, "scanned_at": None}
    assert post_sync(client, session, [item]).status_code == 403
    page = client.get(en_url("checkin_session", session_id=session.pk))
    token = page.context["csrf_token"]
    response = post_sync(client, session, [item], HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code == 200
    assert response.json()["results"][0]["result"] == "checked_in"


def test_sync_rejects_a_body_it_cannot_read(client, session, staff):
    client.force_login(staff)
    url = en_url("checkin_offline_sync", session_id=session.pk)
    for body in ("not json", json.dumps({"items": "x"}), json.dumps({"items": [{"nonce": 1}]})):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"


def test_session_screen_links_the_manifest_and_offers_offline_check_in(client, session, staff):
    client.force_login(staff)
    response = client.get(en_url("checkin_session", session_id=session.pk))
    html = response.content.decode()
    assert f'rel="manifest" href="{en_url("checkin_manifest")}"' in html
    assert "data-offline" in html
    assert en_url("checkin_offline_sync", session_id=session.pk) in html
    assert "js/checkin-offline.js" in html
    csp = response["Content-Security-Policy"]
    assert "worker-src 'self'" in csp
    assert "manifest-src 'self'" in csp


def test_session_screen_lists_tickets_presented_twice(client, session, staff, other_staff):
    reg = factories.RegistrationFactory(session=session, name="张三丰", ticket_code="K7M2P9QX")
    sync(session, [scan(reg.ticket_code)], by=staff)
    sync(session, [scan(reg.ticket_code)], by=other_staff, device="abcdef123456")
    client.force_login(staff)
    html = client.get(en_url("checkin_session", session_id=session.pk)).content.decode()
    assert "Tickets presented twice" in html
    assert "K7M2P9QX" in html
    assert "abcdef12" in html
    assert "张三丰" not in html


@pytest.mark.parametrize(
    ("language", "name"), [("en", "Open day check-in"), ("zh-hans", "开放日签到")]
)
def test_manifest_names_the_app_in_the_page_language(client, db, language, name):
    with translation.override(language):
        url = reverse("events:checkin_manifest")
        home = reverse("events:checkin_home")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == name
    assert (manifest["start_url"], manifest["scope"]) == (home, home)
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix(settings.STATIC_URL)), icon["src"]


def test_service_worker_is_javascript_scoped_to_the_check_in_urls(client, db):
    response = client.get(en_url("checkin_service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == en_url("checkin_home")
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert "{%" not in body and "{{" not in body
    assert '"/en/open-day/checkin/"' in body
    assert "js/checkin.js" in body and "jsQR.js" in body
    assert "worker-src 'self'" in response["Content-Security-Policy"]


def test_offline_messages_keep_their_placeholders_in_chinese(client, session, staff):
    client.force_login(staff)
    with translation.override("zh-hans"):
        url = reverse("events:checkin_session", kwargs={"session_id": session.pk})
    html = client.get(url).content.decode()
    assert 'data-text-queued-many="%(count)s 条签到等待同步。"' in html
    assert "离线：" in html


def test_regulator_staff_see_tickets_presented_twice_in_the_admin(
    client, session, staff, other_staff
):
    reg = factories.RegistrationFactory(session=session, name="张三丰", ticket_code="K7M2P9QX")
    sync(session, [scan(reg.ticket_code)], by=staff)
    sync(session, [scan(reg.ticket_code)], by=other_staff, device="abcdef123456")
    url = reverse("open_day_checkin_conflicts:index")

    client.force_login(staff)  # check-in staff: their session's screen, not the admin list
    assert client.get(url).status_code in (302, 403)

    client.force_login(factories.UserFactory(groups=["Regulator editors"]))
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "K7M2P9QX" in html
    assert "abcdef123456" in html
    assert "张三丰" not in html
