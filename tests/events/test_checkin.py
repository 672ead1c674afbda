"""Check-in at the door: services (tickets, walk-ins, counters, no-shows) and the staff screen."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from events.exceptions import RegistrationError
from events.models import Registration, RegistrationChange
from events.services import checkin as checkin_services
from events.services.checkin import (
    checkin_counts,
    checkin_perform,
    checkin_search,
    registrations_mark_no_show,
    walk_in_record,
)
from portal.tickets import qr_token_make
from tests import factories
from tests.concurrency import run_at_once

Status = Registration.Status


@pytest.fixture
def staff(db):
    return factories.UserFactory(
        username="door1", first_name="Wei", last_name="Li", groups=["Check-in staff"]
    )


@pytest.fixture
def activity(site_tree):
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="食品实验室开放", slug="food-lab"
    )
    factories.translate(activity, "en", title="Food lab open day")
    return activity


@pytest.fixture
def session(activity):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    return factories.SessionFactory(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=10,
        max_party_size=4,
    )


def registration(session, **kwargs) -> Registration:
    return factories.RegistrationFactory(session=session, **kwargs)


def history(reg: Registration) -> list[tuple[str, str]]:
    return list(
        RegistrationChange.objects.filter(registration=reg).values_list("from_state", "to_state")
    )


def en_url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"events:{name}", kwargs=kwargs)


# ---- checkin_perform ----------------------------------------------------------------------


def test_typed_code_checks_the_party_in_with_time_staff_and_history(session, staff):
    reg = registration(session, party_size=3, ticket_code="K7M2P9QX")
    now = session.starts_at - datetime.timedelta(minutes=10)

    result = checkin_perform(session_id=session.pk, ticket=" k7m2-p9 qx ", by=staff, now=now)

    assert result.pk == reg.pk
    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN
    assert reg.checked_in_at == now
    assert reg.checked_in_by == staff
    assert history(reg) == [("confirmed", "checked_in")]
    assert RegistrationChange.objects.get(registration=reg).changed_by == staff


def test_scanned_qr_token_checks_in(session, staff):
    reg = registration(session, ticket_code="QRQRQR22")

    checkin_perform(session_id=session.pk, ticket=qr_token_make("QRQRQR22"), by=staff)

    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN


def test_repeated_scan_is_refused_with_time_and_staff_and_writes_no_history(session, staff):
    reg = registration(session, party_size=2, ticket_code="REPEAT22")
    first = session.starts_at - datetime.timedelta(minutes=18)
    checkin_perform(session_id=session.pk, ticket=qr_token_make("REPEAT22"), by=staff, now=first)

    with translation.override("en"), pytest.raises(RegistrationError) as error:
        checkin_perform(
            session_id=session.pk,
            ticket="REPEAT22",
            by=factories.UserFactory(groups=["Check-in staff"]),
            now=first + datetime.timedelta(minutes=5),
        )

    assert error.value.code == "already_checked_in"
    local = timezone.localtime(first)
    assert error.value.message == f"Already checked in at {local:%H:%M} by Wei Li."
    assert error.value.registration.pk == reg.pk
    reg.refresh_from_db()
    assert reg.checked_in_by == staff and reg.checked_in_at == first
    assert history(reg) == [("confirmed", "checked_in")]


@pytest.mark.parametrize(
    "ticket",
    [
        "NOSUCH22",
        "",
        "   ",
        "AB",
        "!!!!!!!!",
        "K7M2\x00P9QX",
        "X" * 500,
        "NOSUCH22:forged-signature",
        "http://example.com/?t=1",
    ],
)
def test_unknown_or_malformed_ticket_is_refused(session, staff, ticket):
    registration(session, ticket_code="NOSUCH23")
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, ticket=ticket, by=staff)
    assert error.value.code == "unknown_ticket"


def test_tampered_qr_token_is_refused(session, staff):
    registration(session, ticket_code="TAMPER22")
    token = qr_token_make("TAMPER22")
    other = qr_token_make("TAMPER23")
    # The code of one ticket with the signature of another.
    forged = "TAMPER22:" + other.split(":", 1)[1]
    assert forged != token
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, ticket=forged, by=staff)
    assert error.value.code == "unknown_ticket"
    assert not Registration.objects.filter(status=Status.CHECKED_IN).exists()


def test_ticket_for_another_session_is_refused_naming_that_session(session, activity, staff):
    other = factories.SessionFactory(
        activity=activity,
        starts_at=session.starts_at + datetime.timedelta(days=1),
        ends_at=session.ends_at + datetime.timedelta(days=1),
    )
    reg = registration(other, ticket_code="OTHER222")

    with translation.override("en"), pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, ticket="OTHER222", by=staff)

    assert error.value.code == "wrong_session"
    local = timezone.localtime(other.starts_at)
    assert "Food lab open day" in error.value.message
    assert f"{local:%Y-%m-%d %H:%M}" in error.value.message
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED


def test_wrong_session_message_uses_the_chinese_title_in_chinese(session, activity, staff):
    other = factories.SessionFactory(
        activity=activity,
        starts_at=session.starts_at + datetime.timedelta(days=1),
        ends_at=session.ends_at + datetime.timedelta(days=1),
    )
    registration(other, ticket_code="OTHER333")
    with translation.override("zh-hans"), pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, ticket="OTHER333", by=staff)
    assert "食品实验室开放" in error.value.message


def test_cancelled_ticket_is_refused(session, staff):
    reg = registration(session, ticket_code="CANCEL22", status=Status.CANCELLED)
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, ticket="CANCEL22", by=staff)
    assert error.value.code == "cancelled"
    reg.refresh_from_db()
    assert reg.status == Status.CANCELLED and reg.checked_in_at is None
    assert history(reg) == []


def test_waitlisted_ticket_is_refused(session, staff):
    reg = registration(session, ticket_code="WAITLST2", status=Status.WAITLISTED)
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, ticket="WAITLST2", by=staff)
    assert error.value.code == "waitlisted"
    reg.refresh_from_db()
    assert reg.status == Status.WAITLISTED


def test_no_show_is_checked_in_as_a_late_arrival_before_the_session_ends(session, staff):
    reg = registration(session, ticket_code="LATE2222", status=Status.NO_SHOW)
    checkin_perform(
        session_id=session.pk,
        ticket="LATE2222",
        by=staff,
        now=session.ends_at - datetime.timedelta(minutes=1),
    )
    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN
    change = RegistrationChange.objects.get(registration=reg)
    assert (change.from_state, change.to_state) == ("no_show", "checked_in")
    assert "late" in change.note


def test_no_show_is_refused_once_the_session_has_ended(session, staff):
    reg = registration(session, ticket_code="GONE2222", status=Status.NO_SHOW)
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, ticket="GONE2222", by=staff, now=session.ends_at)
    assert error.value.code == "no_show"
    reg.refresh_from_db()
    assert reg.status == Status.NO_SHOW


def test_registration_picked_by_id_follows_the_same_rules(session, activity, staff):
    other = factories.SessionFactory(activity=activity)
    elsewhere = registration(other, ticket_code=None)
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, registration_id=elsewhere.pk, by=staff)
    assert error.value.code == "wrong_session"
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk, registration_id=elsewhere.pk + 100, by=staff)
    assert error.value.code == "unknown_ticket"
    here = registration(session, ticket_code=None, party_size=2)
    assert checkin_perform(session_id=session.pk, registration_id=here.pk, by=staff).pk == here.pk
    here.refresh_from_db()
    assert here.status == Status.CHECKED_IN


def test_checkin_of_an_unknown_session_is_refused(session, staff):
    registration(session, ticket_code="NOSESS22")
    with pytest.raises(RegistrationError) as error:
        checkin_perform(session_id=session.pk + 1000, ticket="NOSESS22", by=staff)
    assert error.value.code == "not_found"


def test_two_doors_scanning_one_ticket_at_once_check_it_in_once(transactional_site_tree):
    tree = transactional_site_tree
    activity = factories.ActivityPageFactory(parent=tree.zh.campaign)
    starts = timezone.now() + datetime.timedelta(minutes=30)
    session = factories.SessionFactory(
        activity=activity,
        capacity=10,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    reg = factories.RegistrationFactory(session=session, ticket_code="RACE2222")
    staff = factories.UserFactory(groups=["Check-in staff"])
    token = qr_token_make("RACE2222")

    def door() -> str:
        checkin_perform(session_id=session.pk, ticket=token, by=staff)
        return "checked_in"

    outcomes, errors = run_at_once([door] * 4, expected=RegistrationError)

    assert errors == []
    assert sorted(outcomes) == ["already_checked_in"] * 3 + ["checked_in"]
    assert history(reg) == [("confirmed", "checked_in")]
    connection.close()


# ---- walk-ins -----------------------------------------------------------------------------


def test_walk_in_is_recorded_checked_in_with_a_ticket_code(session, staff):
    walk_in = walk_in_record(
        session_id=session.pk, party_size=2, name=" 王五 ", phone="139 1234 5678", by=staff
    )
    assert walk_in.status == Status.CHECKED_IN
    assert walk_in.source == Registration.Source.WALK_IN
    assert walk_in.phone == "+8613912345678" and walk_in.name == "王五"
    assert len(walk_in.ticket_code) == 8
    assert walk_in.checked_in_by == staff and walk_in.checked_in_at is not None
    assert history(walk_in) == [("", "checked_in")]
    assert checkin_counts(session_id=session.pk)["walk_ins"] == 2


def test_walk_ins_without_phone_do_not_collide(session, staff):
    first = walk_in_record(session_id=session.pk, party_size=1, by=staff)
    second = walk_in_record(session_id=session.pk, party_size=1, by=staff)
    assert first.phone == second.phone == ""
    assert first.ticket_code != second.ticket_code


def test_walk_in_refused_when_the_session_is_full(session, staff):
    for _ in range(9):
        registration(session)
    with pytest.raises(RegistrationError) as error:
        walk_in_record(session_id=session.pk, party_size=2, by=staff)
    assert error.value.code == "full"
    walk_in_record(session_id=session.pk, party_size=1, by=staff)
    with pytest.raises(RegistrationError) as error:
        walk_in_record(session_id=session.pk, party_size=1, by=staff)
    assert error.value.code == "full"
    assert checkin_counts(session_id=session.pk)["places_left"] == 0
    assert Registration.objects.filter(source=Registration.Source.WALK_IN).count() == 1


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"party_size": 0}, "party_too_large"),
        ({"party_size": 5}, "party_too_large"),
        ({"party_size": 1, "phone": "12345"}, "invalid_phone"),
    ],
)
def test_walk_in_invalid_input_refused(session, staff, kwargs, code):
    with pytest.raises(RegistrationError) as error:
        walk_in_record(session_id=session.pk, by=staff, **kwargs)
    assert error.value.code == code
    assert not Registration.objects.exists()


def test_walk_in_with_a_registered_phone_points_to_the_existing_ticket(session, staff):
    reg = registration(session, phone="+8613700001111")
    with pytest.raises(RegistrationError) as error:
        walk_in_record(session_id=session.pk, party_size=1, phone="13700001111", by=staff)
    assert error.value.code == "duplicate"
    assert error.value.registration.pk == reg.pk


# ---- counters and search ------------------------------------------------------------------


def test_counters_count_people_in_one_query(session, staff, django_assert_num_queries):
    registration(session, party_size=3, status=Status.CHECKED_IN)
    registration(session, party_size=2)
    registration(session, party_size=1, status=Status.NO_SHOW)
    registration(session, party_size=4, status=Status.CANCELLED)
    registration(session, party_size=2, status=Status.WAITLISTED)
    walk_in_record(session_id=session.pk, party_size=2, by=staff)

    with django_assert_num_queries(1):
        counts = checkin_counts(session_id=session.pk)

    assert counts == {
        "capacity": 10,
        "registered": 6,
        "arrived": 5,
        "expected": 2,
        "walk_ins": 2,
        "waitlisted": 2,
        "places_left": 2,
    }


def test_counters_of_an_unknown_session_raise_not_found(db):
    with pytest.raises(RegistrationError) as error:
        checkin_counts(session_id=987654)
    assert error.value.code == "not_found"


def test_search_by_name_or_last_four_phone_digits_finds_active_registrations(session):
    zhang = registration(session, name="张三丰", phone="+8613812341234")
    registration(session, name="张无忌", phone="+8613900005678", status=Status.CANCELLED)
    li = registration(session, name="Li Wei", phone="+8613911111234", status=Status.CHECKED_IN)
    waiting = registration(session, name="王五", phone="+8613922220000", status=Status.WAITLISTED)
    other = factories.SessionFactory(activity=session.activity)
    registration(other, name="张三", phone="+8613755551234")

    assert checkin_search(session_id=session.pk, query="张") == [zhang]
    assert set(checkin_search(session_id=session.pk, query="1234")) == {zhang, li}
    assert checkin_search(session_id=session.pk, query=" li wei ") == [li]
    assert checkin_search(session_id=session.pk, query="0000") == [waiting]
    assert checkin_search(session_id=session.pk, query="5678") == []
    assert checkin_search(session_id=session.pk, query="   ") == []
    assert checkin_search(session_id=session.pk, query="\x00") == []


def test_search_returns_at_most_twenty(session):
    for n in range(25):
        registration(session, name=f"陈{n:02d}")
    assert len(checkin_search(session_id=session.pk, query="陈")) == 20


# ---- no-shows -----------------------------------------------------------------------------


def test_no_shows_marked_after_the_grace_period_once_and_only_for_confirmed(session, staff):
    confirmed = [registration(session, party_size=2) for _ in range(3)]
    arrived = registration(session, status=Status.CHECKED_IN)
    cancelled = registration(session, status=Status.CANCELLED)
    waiting = registration(session, status=Status.WAITLISTED)
    later = factories.SessionFactory(
        activity=session.activity,
        starts_at=session.starts_at + datetime.timedelta(days=1),
        ends_at=session.ends_at + datetime.timedelta(days=1),
    )
    tomorrow = registration(later)

    within_grace = session.ends_at + datetime.timedelta(minutes=29)
    assert registrations_mark_no_show(now=within_grace, grace_minutes=30) == 0

    after_grace = session.ends_at + datetime.timedelta(minutes=31)
    assert registrations_mark_no_show(now=after_grace, grace_minutes=30) == 3
    assert registrations_mark_no_show(now=after_grace, grace_minutes=30) == 0

    for reg in confirmed:
        reg.refresh_from_db()
        assert reg.status == Status.NO_SHOW
        assert history(reg) == [("confirmed", "no_show")]
    for reg, status in [
        (arrived, Status.CHECKED_IN),
        (cancelled, Status.CANCELLED),
        (waiting, Status.WAITLISTED),
        (tomorrow, Status.CONFIRMED),
    ]:
        reg.refresh_from_db()
        assert reg.status == status
        assert history(reg) == []
    # No-shows keep their places: the statistics count them as registered.
    assert checkin_counts(session_id=session.pk)["registered"] == 7


def test_no_shows_marked_in_batches(session, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(checkin_services, "NO_SHOW_BATCH", 2)
    for _ in range(5):
        registration(session)
    with django_assert_max_num_queries(3 * 4 + 1 + 8):
        marked = registrations_mark_no_show(now=session.ends_at + datetime.timedelta(hours=1))
    assert marked == 5
    assert RegistrationChange.objects.filter(to_state="no_show").count() == 5


def test_mark_no_shows_command_and_task(session):
    registration(session)
    past = factories.SessionFactory(
        activity=session.activity,
        starts_at=timezone.now() - datetime.timedelta(hours=5),
        ends_at=timezone.now() - datetime.timedelta(hours=3),
    )
    missed = registration(past)
    from io import StringIO

    out = StringIO()
    call_command("mark_no_shows", stdout=out)
    assert "Marked 1 " in out.getvalue()
    missed.refresh_from_db()
    assert missed.status == Status.NO_SHOW

    from events.tasks import registrations_mark_no_show_task

    another = registration(past)
    assert registrations_mark_no_show_task.apply().get() == 1
    another.refresh_from_db()
    assert another.status == Status.NO_SHOW


def test_no_show_task_is_in_the_beat_schedule(settings):
    from portal.celery_app import app

    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "events.tasks.registrations_mark_no_show_task" in entries
    import events.tasks  # noqa: F401  (registers the task)

    assert "events.tasks.registrations_mark_no_show_task" in app.tasks


# ---- the check-in screen over HTTP ---------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, session):
    for url in (en_url("checkin_home"), en_url("checkin_session", session_id=session.pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/?next=")


def test_signed_in_user_without_permission_is_forbidden(client, session):
    client.force_login(factories.UserFactory())
    assert client.get(en_url("checkin_home")).status_code == 403
    assert client.get(en_url("checkin_session", session_id=session.pk)).status_code == 403
    assert client.get(en_url("checkin_counts", session_id=session.pk)).status_code == 403
    reg = registration(session, ticket_code="FORBID22")
    response = client.post(en_url("checkin_ticket", session_id=session.pk), {"ticket": "FORBID22"})
    assert response.status_code == 403
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED


def test_staff_picks_a_session_of_today_first(client, session, staff):
    earlier = factories.SessionFactory(
        activity=session.activity,
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=3) + datetime.timedelta(hours=2),
    )
    client.force_login(staff)
    response = client.get(en_url("checkin_home"))
    assert response.status_code == 200
    html = response.content.decode()
    today_link = en_url("checkin_session", session_id=session.pk)
    earlier_link = en_url("checkin_session", session_id=earlier.pk)
    assert "Food lab open day" in html
    assert today_link in html and earlier_link in html
    assert html.index(today_link) < html.index("Earlier sessions") < html.index(earlier_link)
    assert response["Cache-Control"].startswith("max-age=0")


def test_session_screen_shows_counters_and_forms(client, session, staff):
    registration(session, party_size=3)
    registration(session, party_size=2, status=Status.CHECKED_IN)
    client.force_login(staff)
    response = client.get(en_url("checkin_session", session_id=session.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Food lab open day" in html
    assert 'data-count="arrived">2<' in html
    assert 'data-count="expected">3<' in html
    assert 'data-count="places_left">5<' in html
    assert 'aria-live="polite"' in html
    assert 'name="ticket"' in html and "vendor/jsqr/jsQR.js" in html


def test_staff_checks_a_typed_code_in_and_sees_the_party_size(client, session, staff):
    reg = registration(session, party_size=3, name="张三丰", ticket_code="TYPED222")
    client.force_login(staff)

    response = client.post(
        en_url("checkin_ticket", session_id=session.pk), {"ticket": "typed-222"}, follow=True
    )

    assert response.redirect_chain[-1][0] == en_url("checkin_session", session_id=session.pk)
    html = response.content.decode()
    assert "Party of 3 — welcome" in html
    assert "张**" in html and "张三丰" not in html
    assert 'data-count="arrived">3<' in html
    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN and reg.checked_in_by == staff

    again = client.post(
        en_url("checkin_ticket", session_id=session.pk), {"ticket": "TYPED222"}, follow=True
    )
    assert "Already checked in at" in again.content.decode()
    assert "by Wei Li" in again.content.decode()
    assert RegistrationChange.objects.filter(registration=reg).count() == 1


def test_scanner_posts_the_qr_token_and_gets_json(client, session, staff):
    reg = registration(session, party_size=2, ticket_code="SCAN2222")
    client.force_login(staff)
    url = en_url("checkin_ticket", session_id=session.pk)

    response = client.post(
        url, {"ticket": qr_token_make("SCAN2222")}, headers={"accept": "application/json"}
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True and answer["code"] == "checked_in"
    assert answer["party_size"] == 2
    assert "Party of 2 — welcome" in answer["message"]
    assert answer["counts"]["arrived"] == 2
    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN

    repeat = client.post(
        url, {"ticket": qr_token_make("SCAN2222")}, headers={"accept": "application/json"}
    )
    assert repeat.status_code == 409
    assert repeat.json()["code"] == "already_checked_in"
    assert repeat.json()["counts"]["arrived"] == 2


def test_refusals_are_shown_with_the_reason(client, session, activity, staff):
    other = factories.SessionFactory(
        activity=activity,
        starts_at=session.starts_at + datetime.timedelta(days=2),
        ends_at=session.ends_at + datetime.timedelta(days=2),
    )
    registration(other, ticket_code="ELSE2222")
    registration(session, ticket_code="CANC2222", status=Status.CANCELLED)
    client.force_login(staff)
    url = en_url("checkin_ticket", session_id=session.pk)

    wrong = client.post(url, {"ticket": "ELSE2222"}, follow=True).content.decode()
    assert "This ticket is for another session: Food lab open day" in wrong
    cancelled = client.post(url, {"ticket": "CANC2222"}, follow=True).content.decode()
    assert "This ticket was cancelled." in cancelled
    unknown = client.post(url, {"ticket": "ZZZZZZZZ"}, headers={"accept": "application/json"})
    assert unknown.status_code == 409 and unknown.json()["code"] == "unknown_ticket"


@pytest.mark.parametrize(
    "data",
    [
        {"ticket": ""},
        {"ticket": "  "},
        {"ticket": "\x00"},
        {"ticket": "A" * 201},
        {"ticket": "é:ü"},
        {"ticket": "' OR 1=1 --"},
        {"registration": "abc"},
        {"registration": "-1"},
        {"registration": "99999999999999999999999"},
        {"registration": "123456789"},
        {},
    ],
)
def test_malformed_ticket_input_never_errors(client, session, staff, data):
    client.force_login(staff)
    url = en_url("checkin_ticket", session_id=session.pk)
    response = client.post(url, data, headers={"accept": "application/json"})
    assert response.status_code in (400, 409)
    assert response.json()["ok"] is False
    assert client.post(url, data).status_code == 302


def test_search_by_last_four_digits_shows_masked_phone_and_name(client, session, staff):
    registration(session, name="张三丰", phone="+8613812341234", party_size=3)
    client.force_login(staff)
    response = client.get(en_url("checkin_session", session_id=session.pk), {"q": "1234"})
    html = response.content.decode()
    assert "138 **** 1234" in html and "13812341234" not in html
    assert "张**" in html and "张三丰" not in html
    assert "Party of 3" in html
    assert "Check in 张**" in html


def test_check_in_from_search_results_returns_to_the_search(client, session, staff):
    # Entered without a ticket code (e.g. by staff): found by name, checked in by its id.
    reg = registration(session, name="Li Wei", ticket_code=None)
    client.force_login(staff)
    results = client.get(en_url("checkin_session", session_id=session.pk), {"q": "li"})
    assert f'name="registration" value="{reg.pk}"' in results.content.decode()
    response = client.post(
        en_url("checkin_ticket", session_id=session.pk), {"registration": reg.pk, "q": "li"}
    )
    assert response["Location"] == (
        en_url("checkin_session", session_id=session.pk) + "?q=li#search-results"
    )
    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN


def test_counters_json(client, session, staff):
    registration(session, party_size=3, status=Status.CHECKED_IN)
    registration(session, party_size=1)
    client.force_login(staff)
    response = client.get(en_url("checkin_counts", session_id=session.pk))
    assert response.status_code == 200
    assert response.json() == {
        "capacity": 10,
        "registered": 4,
        "arrived": 3,
        "expected": 1,
        "walk_ins": 0,
        "waitlisted": 0,
        "places_left": 6,
    }
    assert "no-cache" in response["Cache-Control"]


def test_walk_in_form_records_and_checks_in(client, session, staff):
    client.force_login(staff)
    response = client.post(
        en_url("checkin_walk_in", session_id=session.pk),
        {"party_size": "2", "name": "", "phone": ""},
        follow=True,
    )
    html = response.content.decode()
    assert "Walk-in recorded. Party of 2 — welcome" in html
    assert 'data-count="walk_ins">2<' in html
    assert Registration.objects.get().source == Registration.Source.WALK_IN


def test_walk_in_form_shows_why_it_was_refused(client, session, staff):
    for _ in range(10):
        registration(session)
    client.force_login(staff)
    response = client.post(
        en_url("checkin_walk_in", session_id=session.pk),
        {"party_size": "1", "name": "x", "phone": "13812345678"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not enough places left for this party: 0 left." in html
    assert 'value="13812345678"' in html
    assert not Registration.objects.filter(source=Registration.Source.WALK_IN).exists()

    invalid = client.post(en_url("checkin_walk_in", session_id=session.pk), {"party_size": "abc"})
    assert invalid.status_code == 200
    assert "aria-invalid" in invalid.content.decode()


def test_unknown_session_is_404_and_get_on_actions_is_405(client, session, staff):
    client.force_login(staff)
    assert client.get(en_url("checkin_session", session_id=session.pk + 999)).status_code == 404
    assert client.get("/en/open-day/checkin/99999999999999999999999/").status_code == 404
    assert client.get(en_url("checkin_ticket", session_id=session.pk)).status_code == 405
    post = client.post(en_url("checkin_ticket", session_id=session.pk + 999), {"ticket": "X"})
    assert post.status_code == 404
