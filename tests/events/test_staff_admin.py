"""The staff view in the Wagtail admin: registrations per session, exports, cancel, move,
and lifting no-show restrictions; and the move service behind it."""

from __future__ import annotations

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import events.services.registration as registration_services
import events.services.transfer as transfer_services
from events.exceptions import RegistrationError
from events.models import NoShowWaiver, Registration, RegistrationChange, Session
from events.services.registration import registration_create
from events.services.transfer import registration_move
from tests import factories
from tests.concurrency import run_at_once

Status = Registration.Status
PHONE = "+8613912345678"
# Pages show numbers grouped; spreadsheet downloads keep the compact form.
MASKED = "139 **** 5678"
FULL = "139 1234 5678"
MASKED_EXPORT = "139****5678"
DIGITS = "13912345678"


@pytest.fixture
def activity(site_tree):
    return factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="计量实验室参观")


def make_session(activity, *, days=3, capacity=4, **kwargs) -> Session:
    starts = (timezone.now() + datetime.timedelta(days=days)).replace(
        minute=0, second=0, microsecond=0
    )
    return factories.SessionFactory(
        activity=activity, starts_at=starts, capacity=capacity, max_party_size=4, **kwargs
    )


@pytest.fixture
def session_a(activity):
    return make_session(activity, days=3)


@pytest.fixture
def session_b(activity):
    return make_session(activity, days=4)


def register(session, *, party_size=1, status=Status.CONFIRMED, **kwargs) -> Registration:
    return factories.RegistrationFactory(
        session=session, party_size=party_size, status=status, **kwargs
    )


@pytest.fixture
def notified(monkeypatch):
    """Records (registration pk, kind) of every notification the services queue."""
    calls: list[tuple[int, str]] = []
    original = registration_services.registration_notify_on_commit

    def record(*, registration, kind):
        calls.append((registration.pk, kind))
        original(registration=registration, kind=kind)

    monkeypatch.setattr(registration_services, "registration_notify_on_commit", record)
    monkeypatch.setattr(transfer_services, "registration_notify_on_commit", record)
    return calls


def places_taken(session) -> int:
    return Session.objects.with_places().get(pk=session.pk).places_taken


# --- registration_move: the service ------------------------------------------------------


def test_move_keeps_the_registration_and_its_ticket_and_records_history(
    session_a, session_b, staff_approver, notified
):
    registration = register(session_a, party_size=2)
    ticket = registration.ticket_code

    moved = registration_move(
        registration_id=registration.pk,
        to_session_id=session_b.pk,
        by=staff_approver,
        note="asked by phone",
    )

    assert moved.pk == registration.pk
    registration.refresh_from_db()
    assert registration.session_id == session_b.pk
    assert registration.ticket_code == ticket
    assert registration.status == Status.CONFIRMED
    assert places_taken(session_a) == 0 and places_taken(session_b) == 2
    change = RegistrationChange.objects.filter(registration=registration).latest("pk")
    assert change.changed_by == staff_approver
    assert (change.from_state, change.to_state) == ("confirmed", "confirmed")
    assert change.note == f"moved from {session_a} to {session_b}: asked by phone"
    assert notified == [(registration.pk, "moved")]


def test_move_promotes_the_old_sessions_waiting_list_in_order(
    activity, session_b, staff_approver, notified
):
    full = make_session(activity, capacity=3)
    leaving = register(full, party_size=2)
    register(full, party_size=1)
    too_big = register(full, party_size=3, status=Status.WAITLISTED)
    first = register(full, party_size=1, status=Status.WAITLISTED)
    second = register(full, party_size=1, status=Status.WAITLISTED)
    third = register(full, party_size=1, status=Status.WAITLISTED)

    registration_move(registration_id=leaving.pk, to_session_id=session_b.pk, by=staff_approver)

    statuses = {
        r.pk: r.status
        for r in Registration.objects.filter(pk__in=[too_big.pk, first.pk, second.pk, third.pk])
    }
    # Two places freed: the party of 3 does not fit and keeps its place; the next two
    # single people are promoted, the third waits.
    assert statuses == {
        too_big.pk: Status.WAITLISTED,
        first.pk: Status.CONFIRMED,
        second.pk: Status.CONFIRMED,
        third.pk: Status.WAITLISTED,
    }
    assert places_taken(full) == 3
    promoted_change = RegistrationChange.objects.filter(registration=first).latest("pk")
    assert promoted_change.changed_by == staff_approver
    assert promoted_change.from_state == "waitlisted"
    assert sorted(notified) == sorted(
        [(leaving.pk, "moved"), (first.pk, "promoted"), (second.pk, "promoted")]
    )


def test_move_emails_the_moved_and_the_promoted_registrants_once(
    activity, session_b, staff_approver, mailoutbox, django_capture_on_commit_callbacks
):
    full = make_session(activity, capacity=1)
    leaving = register(full, email="moved@example.com")
    waiting = register(full, status=Status.WAITLISTED, email="promoted@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        registration_move(registration_id=leaving.pk, to_session_id=session_b.pk, by=staff_approver)

    assert sorted(message.to[0] for message in mailoutbox) == [
        "moved@example.com",
        "promoted@example.com",
    ]
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


def test_waitlisted_registration_moved_to_a_session_with_room_gets_a_place(
    activity, session_b, staff_approver
):
    full = make_session(activity, capacity=1)
    register(full)
    waiting = register(full, status=Status.WAITLISTED, party_size=2)

    registration_move(registration_id=waiting.pk, to_session_id=session_b.pk, by=staff_approver)

    waiting.refresh_from_db()
    assert (waiting.session_id, waiting.status) == (session_b.pk, Status.CONFIRMED)
    change = RegistrationChange.objects.filter(registration=waiting).latest("pk")
    assert (change.from_state, change.to_state) == ("waitlisted", "confirmed")


def assert_refused(code, **kwargs):
    with pytest.raises(RegistrationError) as error:
        registration_move(**kwargs)
    assert error.value.code == code
    return error.value


def test_move_to_a_session_of_another_activity_is_refused(site_tree, session_a):
    other_activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    elsewhere = make_session(other_activity)
    registration = register(session_a)

    assert_refused("other_activity", registration_id=registration.pk, to_session_id=elsewhere.pk)
    registration.refresh_from_db()
    assert registration.session_id == session_a.pk


def test_move_to_the_same_session_is_refused(session_a):
    registration = register(session_a)
    assert_refused("same_session", registration_id=registration.pk, to_session_id=session_a.pk)


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.CHECKED_IN, Status.NO_SHOW])
def test_only_confirmed_or_waitlisted_registrations_move(session_a, session_b, status):
    registration = register(session_a, status=status)
    assert_refused("not_movable", registration_id=registration.pk, to_session_id=session_b.pk)
    registration.refresh_from_db()
    assert (registration.session_id, registration.status) == (session_a.pk, status)


def test_move_needs_places_for_the_whole_party_counted_in_people(activity, session_a):
    target = make_session(activity, capacity=4)
    register(target, party_size=2)
    register(target, party_size=1)  # 3 of 4 taken
    register(target, party_size=4, status=Status.WAITLISTED)  # waiting takes no place
    pair = register(session_a, party_size=2)
    single = register(session_a, party_size=1)

    assert_refused("full", registration_id=pair.pk, to_session_id=target.pk)
    pair.refresh_from_db()
    assert pair.session_id == session_a.pk
    assert places_taken(target) == 3

    registration_move(registration_id=single.pk, to_session_id=target.pk)
    assert places_taken(target) == 4


@pytest.mark.parametrize("held_status", [Status.CONFIRMED, Status.WAITLISTED, Status.CHECKED_IN])
def test_move_refused_when_the_phone_is_already_registered_in_the_target(
    session_a, session_b, held_status
):
    held = register(session_b, phone=PHONE, status=held_status)
    registration = register(session_a, phone=PHONE)

    error = assert_refused("duplicate", registration_id=registration.pk, to_session_id=session_b.pk)
    assert error.registration == held


def test_move_allowed_when_the_phones_registration_in_the_target_was_cancelled(
    session_a, session_b
):
    register(session_b, phone=PHONE, status=Status.CANCELLED)
    registration = register(session_a, phone=PHONE)
    registration_move(registration_id=registration.pk, to_session_id=session_b.pk)
    registration.refresh_from_db()
    assert registration.session_id == session_b.pk


def test_move_of_unknown_registration_or_to_unknown_session_is_refused(session_a):
    registration = register(session_a)
    assert_refused("not_found", registration_id=999_999, to_session_id=session_a.pk)
    assert_refused("not_found", registration_id=registration.pk, to_session_id=999_999)


def _session_lock_order(queries) -> list[int]:
    """The session pks selected (for update, where the database supports it) in order."""
    pattern = re.compile(r'FROM "events_session" WHERE "events_session"\."id" = (\d+)')
    locking = connection.features.has_select_for_update
    order = []
    for query in queries:
        match = pattern.search(query["sql"])
        if match and (not locking or "FOR NO KEY UPDATE" in query["sql"]):
            order.append(int(match.group(1)))
    return order


def test_move_locks_both_sessions_in_ascending_pk_order(session_a, session_b):
    low, high = sorted([session_a, session_b], key=lambda s: s.pk)
    forward = register(low)
    backward = register(high)

    with CaptureQueriesContext(connection) as up:
        registration_move(registration_id=forward.pk, to_session_id=high.pk)
    with CaptureQueriesContext(connection) as down:
        registration_move(registration_id=backward.pk, to_session_id=low.pk)

    assert _session_lock_order(up.captured_queries) == [low.pk, high.pk]
    assert _session_lock_order(down.captured_queries) == [low.pk, high.pk]


def test_concurrent_moves_in_both_directions_neither_deadlock_nor_overbook(
    transactional_site_tree,
):
    activity = factories.ActivityPageFactory(parent=transactional_site_tree.zh.campaign)
    first = make_session(activity, capacity=4, days=3)
    second = make_session(activity, capacity=4, days=4)
    forward = [register(first) for _ in range(3)]
    backward = [register(second) for _ in range(3)]

    def move(registration, target):
        return lambda: (
            registration_move(registration_id=registration.pk, to_session_id=target.pk).status
        )

    jobs = [move(r, second) for r in forward] + [move(r, first) for r in backward]
    outcomes, errors = run_at_once(jobs, expected=RegistrationError)

    assert errors == []
    assert len(outcomes) == 6
    assert set(outcomes) <= {"confirmed", "full"}
    assert places_taken(first) <= 4 and places_taken(second) <= 4
    assert places_taken(first) + places_taken(second) == 6  # nobody lost or doubled


def test_move_racing_registrations_for_the_last_place_never_overbooks(transactional_site_tree):
    activity = factories.ActivityPageFactory(parent=transactional_site_tree.zh.campaign)
    source = make_session(activity, capacity=4, days=3)
    target = make_session(activity, capacity=5, days=4)
    for _ in range(4):
        register(target)
    moving = register(source)

    jobs = [
        lambda: registration_move(registration_id=moving.pk, to_session_id=target.pk).status
    ] + [
        (
            lambda n=n: (
                registration_create(
                    session_id=target.pk, name="王五", phone=f"1370000{n:04d}"
                ).status
            )
        )
        for n in range(8)
    ]
    outcomes, errors = run_at_once(jobs, expected=RegistrationError)

    assert errors == []
    assert outcomes.count("confirmed") == 1
    assert set(outcomes) <= {"confirmed", "full"}
    assert places_taken(target) == 5


# --- The admin pages ------------------------------------------------------------------------


def admin_url(name, *args):
    return reverse(f"open_day_registrations:{name}", args=args)


@pytest.fixture
def listed(session_a):
    """A session with one registration in each part of the list."""
    staff = factories.UserFactory(username="door", first_name="Door", last_name="Keeper")
    return {
        "confirmed": register(session_a, name="陈小红", phone=PHONE, party_size=2),
        "waiting": register(session_a, name="周等候", status=Status.WAITLISTED),
        "checked_in": register(
            session_a,
            name="吴到场",
            status=Status.CHECKED_IN,
            checked_in_at=timezone.now(),
            checked_in_by=staff,
        ),
        "cancelled": register(session_a, name="郑取消", status=Status.CANCELLED),
    }


def section(html: str, key: str) -> str:
    """The HTML of one part of the session page."""
    match = re.search(rf'<section[^>]*id="{key}".*?</section>', html, re.S)
    assert match, key
    return match.group(0)


def test_session_index_lists_sessions_by_activity_with_counts(
    client, staff_editor, listed, session_a, session_b
):
    client.force_login(staff_editor)
    response = client.get(admin_url("index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "计量实验室参观" in html
    assert admin_url("session", session_a.pk) in html
    assert admin_url("session", session_b.pk) in html
    sessions = {s.pk: s for s in response.context["sessions"]}
    counted = sessions[session_a.pk]
    assert (counted.capacity, counted.places_taken, counted.people_waiting) == (4, 3, 1)
    assert counted.people_checked_in == 1


def test_session_index_query_count_does_not_grow_with_sessions(
    client, staff_editor, activity, session_a
):
    client.force_login(staff_editor)
    register(session_a)
    with CaptureQueriesContext(connection) as few:
        client.get(admin_url("index"))
    for days in range(5, 10):
        register(make_session(activity, days=days), party_size=2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(admin_url("index"))
    assert len(response.context["sessions"]) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_editor_sees_masked_phones_and_full_names(client, staff_editor, listed, session_a):
    client.force_login(staff_editor)
    response = client.get(admin_url("session", session_a.pk))

    assert response.status_code == 200
    html = response.content.decode()
    confirmed = section(html, "confirmed")
    assert MASKED in confirmed and "陈小红" in confirmed
    assert FULL not in html and DIGITS not in html
    assert "周等候" in section(html, "waiting")
    checked_in = section(html, "checked-in")
    assert "吴到场" in checked_in and "Door Keeper" in checked_in
    assert "郑取消" in section(html, "ended")
    # An editor may look but not act.
    assert admin_url("cancel", listed["confirmed"].pk) not in html


def test_approver_sees_full_phones_and_actions(client, staff_approver, listed, session_a):
    client.force_login(staff_approver)
    html = client.get(admin_url("session", session_a.pk)).content.decode()

    assert FULL in section(html, "confirmed")
    assert admin_url("cancel", listed["confirmed"].pk) in html
    assert admin_url("move", listed["waiting"].pk) in html


def test_waiting_list_shown_in_promotion_order(client, staff_editor, session_a):
    now = timezone.now()
    later = register(session_a, name="后来者", status=Status.WAITLISTED)
    earlier = register(session_a, name="先来者", status=Status.WAITLISTED)
    Registration.objects.filter(pk=later.pk).update(created_at=now)
    Registration.objects.filter(pk=earlier.pk).update(created_at=now - datetime.timedelta(hours=1))

    client.force_login(staff_editor)
    waiting = section(client.get(admin_url("session", session_a.pk)).content.decode(), "waiting")
    assert waiting.index("先来者") < waiting.index("后来者")


def test_registration_detail_shows_history(client, staff_approver, session_a, session_b):
    registration = register(session_a, phone=PHONE)
    registration_move(
        registration_id=registration.pk, to_session_id=session_b.pk, by=staff_approver
    )

    client.force_login(staff_approver)
    response = client.get(admin_url("registration", registration.pk))

    assert response.status_code == 200
    history = response.context["history"]
    assert history[-1]["by"] == "approver"
    assert history[-1]["from_state"] == "Confirmed" and history[-1]["to_state"] == "Confirmed"
    assert history[-1]["note"].startswith("moved from")
    assert "moved from" in response.content.decode()


def download(client, session, export_format):
    response = client.get(admin_url("session", session.pk), {"export": export_format})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


HEADER = [
    "Ticket code",
    "Name",
    "Mobile phone",
    "Party size",
    "Status",
    "Source",
    "Registered at",
    "Checked in at",
]


def test_csv_export_parsed_back_with_masked_phones_for_an_editor(
    client, staff_editor, listed, session_a
):
    client.force_login(staff_editor)
    content = download(client, session_a, "csv")

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert len(rows) == 5
    by_code = {row[0]: row for row in rows[1:]}
    confirmed = by_code[listed["confirmed"].ticket_code]
    assert confirmed[1:6] == ["陈小红", MASKED_EXPORT, "2", "Confirmed", "Online"]
    local = timezone.localtime(listed["confirmed"].created_at)
    assert confirmed[6] == f"{local:%Y-%m-%d %H:%M}"
    assert DIGITS not in content.decode("utf-8-sig")
    assert by_code[listed["checked_in"].ticket_code][7] != ""


def test_xlsx_export_parsed_back_with_numbers_and_full_phones_for_an_approver(
    client, staff_approver, listed, session_a
):
    client.force_login(staff_approver)
    content = download(client, session_a, "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) == 5
    by_code = {row[0]: row for row in rows[1:]}
    confirmed = by_code[listed["confirmed"].ticket_code]
    assert confirmed[1:6] == ("陈小红", DIGITS, 2, "Confirmed", "Online")
    assert isinstance(confirmed[3], int)
    created = timezone.make_naive(listed["confirmed"].created_at).replace(microsecond=0)
    assert abs(confirmed[6] - created) < datetime.timedelta(seconds=1)


def test_xlsx_export_masks_phones_for_an_editor(client, staff_editor, listed, session_a):
    client.force_login(staff_editor)
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, session_a, "xlsx"))).active
    phones = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert MASKED_EXPORT in phones and DIGITS not in phones


def test_exports_keep_formula_like_names_as_text(client, staff_editor, session_a):
    registration = register(session_a, name="=HYPERLINK(1)")
    client.force_login(staff_editor)

    rows = list(csv.reader(io.StringIO(download(client, session_a, "csv").decode("utf-8-sig"))))
    assert rows[1][:2] == [registration.ticket_code, "'=HYPERLINK(1)"]
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, session_a, "xlsx"))).active
    cell = sheet.cell(row=2, column=2)
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")


def test_cancel_asks_for_a_reason_then_records_it_and_promotes(
    client, staff_approver, activity, notified
):
    full = make_session(activity, capacity=2)
    leaving = register(full, party_size=2)
    waiting = register(full, status=Status.WAITLISTED)
    client.force_login(staff_approver)
    url = admin_url("cancel", leaving.pk)

    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"]
    leaving.refresh_from_db()
    assert leaving.status == Status.CONFIRMED

    response = client.post(url, {"reason": "来电要求取消"})

    assert response.status_code == 302
    assert response["Location"] == admin_url("registration", leaving.pk)
    leaving.refresh_from_db()
    waiting.refresh_from_db()
    assert leaving.status == Status.CANCELLED
    assert waiting.status == Status.CONFIRMED
    change = RegistrationChange.objects.filter(registration=leaving).latest("pk")
    assert (change.to_state, change.note, change.changed_by) == (
        "cancelled",
        "来电要求取消",
        staff_approver,
    )
    assert sorted(notified) == sorted([(leaving.pk, "cancelled"), (waiting.pk, "promoted")])


def test_cancel_of_a_checked_in_registration_shows_the_reason(client, staff_approver, listed):
    client.force_login(staff_approver)
    checked_in = listed["checked_in"]
    response = client.post(admin_url("cancel", checked_in.pk), {"reason": "mistake"})
    assert response.status_code == 200
    assert "This registration can no longer be cancelled." in response.content.decode()
    checked_in.refresh_from_db()
    assert checked_in.status == Status.CHECKED_IN


def test_move_action_moves_and_reports_refusals(
    client, staff_approver, activity, session_a, session_b, notified
):
    registration = register(session_a, party_size=2)
    tiny = make_session(activity, capacity=1, days=5)
    client.force_login(staff_approver)
    url = admin_url("move", registration.pk)

    form = client.get(url).context["form"]
    choices = set(form.fields["to_session"].queryset.values_list("pk", flat=True))
    assert choices == {session_b.pk, tiny.pk}

    refused = client.post(url, {"to_session": tiny.pk})
    assert refused.status_code == 200
    assert "does not have enough places" in refused.content.decode()

    response = client.post(url, {"to_session": session_b.pk, "note": "换到周四"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.session_id == session_b.pk
    assert (
        RegistrationChange.objects.filter(registration=registration)
        .latest("pk")
        .note.endswith(": 换到周四")
    )
    assert notified == [(registration.pk, "moved")]


def assert_refused_by_admin(response):
    """Wagtail's admin answers a permission refusal with a redirect to its dashboard."""
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_editor_may_not_cancel_or_move(client, staff_editor, session_a, session_b):
    registration = register(session_a)
    client.force_login(staff_editor)
    assert_refused_by_admin(client.get(admin_url("cancel", registration.pk)))
    assert_refused_by_admin(client.post(admin_url("cancel", registration.pk), {"reason": "x"}))
    assert_refused_by_admin(
        client.post(admin_url("move", registration.pk), {"to_session": session_b.pk})
    )
    registration.refresh_from_db()
    assert (registration.status, registration.session_id) == (Status.CONFIRMED, session_a.pk)


def test_actions_need_the_csrf_token(client, staff_approver, session_a):
    from django.test import Client

    registration = register(session_a)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_approver)
    response = strict.post(admin_url("cancel", registration.pk), {"reason": "x"})
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_user_without_view_registration_is_refused(client, admin_only_user, listed, session_a):
    client.force_login(admin_only_user)
    registration = listed["confirmed"]
    for url in [
        admin_url("index"),
        admin_url("session", session_a.pk),
        admin_url("session", session_a.pk) + "?export=csv",
        admin_url("session", session_a.pk) + "?export=xlsx",
        admin_url("registration", registration.pk),
    ]:
        response = client.get(url)
        assert_refused_by_admin(response)
        assert DIGITS.encode() not in response.content and "陈小红".encode() not in response.content
    # The dashboard then says why (Wagtail's "you do not have permission" message).
    followed = client.get(admin_url("index"), follow=True)
    assert [m.level_tag for m in followed.context["messages"]] == ["error"] * 6


def test_menu_shows_the_open_day_group_only_to_those_who_may_see_it(
    client, staff_editor, admin_only_user, site_tree
):
    client.force_login(staff_editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert admin_url("index") in html.replace("\\/", "/")

    client.force_login(admin_only_user)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert admin_url("index") not in html.replace("\\/", "/")


# --- No-show restrictions lifted -------------------------------------------------------------


def test_approver_lifts_a_no_show_restriction(client, staff_approver):
    client.force_login(staff_approver)
    add_url = reverse("open_day_noshow_waivers:add")
    assert client.get(add_url).status_code == 200

    response = client.post(add_url, {"phone": "139 1234 5678", "note": "因病缺席，已核实"})

    assert response.status_code == 302
    waiver = NoShowWaiver.objects.get()
    assert (waiver.phone, waiver.note, waiver.created_by) == (
        PHONE,
        "因病缺席，已核实",
        staff_approver,
    )
    listing = client.get(reverse("open_day_noshow_waivers:index")).content.decode()
    assert FULL in listing and "因病缺席，已核实" in listing


def test_waiver_form_refuses_a_bad_phone_and_a_missing_reason(client, staff_approver):
    client.force_login(staff_approver)
    response = client.post(reverse("open_day_noshow_waivers:add"), {"phone": "12345", "note": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phone", "note"}
    assert not NoShowWaiver.objects.exists()


def test_waiver_list_masks_phones_without_view_full_phone(client, admin_only_user, staff_approver):
    NoShowWaiver.objects.create(phone=PHONE, note="核实", created_by=staff_approver)
    admin_only_user.user_permissions.add(
        Permission.objects.get(content_type__app_label="events", codename="view_noshowwaiver")
    )
    client.force_login(admin_only_user)
    html = client.get(reverse("open_day_noshow_waivers:index")).content.decode()
    assert MASKED in html and FULL not in html and DIGITS not in html
    # Viewing is not lifting.
    assert_refused_by_admin(client.get(reverse("open_day_noshow_waivers:add")))


def test_editor_cannot_reach_the_waivers(client, staff_editor):
    client.force_login(staff_editor)
    assert_refused_by_admin(client.get(reverse("open_day_noshow_waivers:index")))
    assert_refused_by_admin(
        client.post(reverse("open_day_noshow_waivers:add"), {"phone": FULL, "note": "x"})
    )
    assert not NoShowWaiver.objects.exists()
