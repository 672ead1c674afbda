"""No input makes the open-day ticket pages or the check-in screen fail with a server
error, and a refused request changes no registration, visit or session."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from events.models import Registration, RegistrationChange, Session
from events.tickets import manage_token_make
from labvisits.models import LabVisit
from portal.tickets import qr_token_make
from tests import factories
from tests.fuzz.support import (
    FUZZ,
    LANGUAGES,
    assert_capacity_rules,
    message_levels,
    number,
    phone,
    snapshot,
    text,
)

TABLES = (Registration, RegistrationChange, Session)


SENTINEL = 987654321


def url(name: str, language: str, **kwargs) -> str:
    """The URL, with numbers beyond what ``reverse`` accepts too (the ``id`` converter
    takes at most 19 digits: those are the requests that must answer 404, not 500)."""
    numbers = {key: value for key, value in kwargs.items() if isinstance(value, int)}
    placeholders = {key: SENTINEL + n for n, key in enumerate(numbers)}
    with translation.override(language):
        path = reverse(name if ":" in name else f"events:{name}", kwargs={**kwargs, **placeholders})
    for key, value in numbers.items():
        path = path.replace(str(placeholders[key]), str(value))
    return path


@pytest.fixture
def session(site_tree, settings):
    settings.REGISTRATION_RATE_IP = "100000/60"
    settings.REGISTRATION_RATE_PHONE = "100000/60"
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    return factories.SessionFactory(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=12,
        max_party_size=3,
    )


@pytest.fixture
def door(db):
    return factories.UserFactory(username="door", groups=["Check-in staff"])


@pytest.fixture
def tickets(session):
    """Two confirmed registrations and a cancelled one, to be scanned among the junk."""
    return [
        factories.RegistrationFactory(session=session, party_size=2),
        factories.RegistrationFactory(session=session),
        factories.RegistrationFactory(session=session, status=Registration.Status.CANCELLED),
    ]


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["phone", "email", "name"]), phone), language=LANGUAGES)
def test_ticket_resend_never_fails_nor_changes_data(client, session, tickets, data, language):
    before = snapshot(*TABLES)
    response = client.post(url("ticket_resend", language, session_id=session.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("register", language, session_id=session.pk)
    assert snapshot(*TABLES) == before


@FUZZ
@given(party_size=number, extra=text, language=LANGUAGES)
def test_party_size_change_accepts_only_a_listed_size(
    client, session, tickets, party_size, extra, language
):
    registration = tickets[1]
    token = manage_token_make(registration.ticket_code)
    before = snapshot(*TABLES)
    response = client.post(
        url("registration_party_size", language, token=token),
        {"party_size": party_size, "note": extra},
    )
    assert response.status_code == 302
    assert response["Location"] == url("registration_manage", language, token=token)
    registration.refresh_from_db()
    if "success" in message_levels(response):
        assert str(registration.party_size) == party_size.strip()
    else:
        assert snapshot(*TABLES) == before
    assert 1 <= registration.party_size <= session.max_party_size
    assert_capacity_rules()


@FUZZ
@given(data=st.dictionaries(text, text, max_size=4), language=LANGUAGES)
def test_cancel_link_cancels_its_own_registration_only(client, session, data, language):
    registration = factories.RegistrationFactory(session=session)
    others = snapshot(Session)
    others_regs = list(
        Registration.objects.exclude(pk=registration.pk).values_list("pk", "status", "party_size")
    )
    token = manage_token_make(registration.ticket_code)
    page = client.get(url("registration_cancel", language, token=token), data)
    assert page.status_code == 200
    response = client.post(url("registration_cancel", language, token=token), data)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    # A second cancel is refused and changes nothing.
    before = snapshot(*TABLES)
    again = client.post(url("registration_cancel", language, token=token), data)
    assert again.status_code == 302
    assert "error" in message_levels(again)
    assert snapshot(*TABLES) == before
    assert snapshot(Session) == others
    assert others_regs == list(
        Registration.objects.exclude(pk=registration.pk).values_list("pk", "status", "party_size")
    )


def ticket_inputs(tickets):
    """Real codes and QR tokens (also mangled), registration ids, and junk."""
    codes = [t.ticket_code for t in tickets]
    real = st.sampled_from(codes).flatmap(
        lambda code: st.sampled_from(
            [code, code.lower(), f" {code} ", qr_token_make(code), qr_token_make(code)[:-3]]
        )
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "ticket": st.one_of(real, text),
            "registration": st.one_of(st.sampled_from([str(t.pk) for t in tickets]), number),
            "q": text,
        },
    )


@FUZZ
@given(data=st.data(), as_json=st.booleans(), language=LANGUAGES)
def test_checkin_ticket_never_fails_and_refusals_change_nothing(
    client, session, tickets, door, data, as_json, language
):
    client.force_login(door)
    posted = data.draw(ticket_inputs(tickets))
    headers = {"Accept": "application/json"} if as_json else {}
    before = snapshot(*TABLES)
    response = client.post(
        url("checkin_ticket", language, session_id=session.pk), posted, headers=headers
    )
    if as_json:
        assert response.status_code in (200, 400, 409)
        body = response.json()
        assert body["ok"] is (response.status_code == 200)
        ok = body["ok"]
    else:
        assert response.status_code == 302
        ok = "success" in message_levels(response)
    if not ok:
        assert snapshot(*TABLES) == before
    # Only confirmed tickets get in, and only once.
    checked = Registration.objects.filter(session=session, checked_in_at__isnull=False)
    assert not checked.exclude(status=Registration.Status.CHECKED_IN).exists()
    assert not Registration.objects.filter(pk=tickets[2].pk, checked_in_at__isnull=False).exists()
    assert_capacity_rules()


@FUZZ
@given(
    data=st.fixed_dictionaries({}, optional={"party_size": number, "name": text, "phone": phone}),
    language=LANGUAGES,
)
def test_walk_in_never_fails_and_refusals_change_nothing(client, session, door, data, language):
    client.force_login(door)
    before = snapshot(*TABLES)
    response = client.post(url("checkin_walk_in", language, session_id=session.pk), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # the form again, with its errors
        assert snapshot(*TABLES) == before
    assert_capacity_rules()


@FUZZ
@given(pk=st.integers(min_value=0, max_value=2**80), language=LANGUAGES)
def test_checkin_pages_with_any_id_never_fail(client, session, door, pk, language):
    client.force_login(door)
    for name in ("checkin_counts", "checkin_session"):
        response = client.get(url(name, language, session_id=pk))
        assert response.status_code in ((200,) if pk == session.pk else (404,))
    for name in ("labvisits:checkin_visit_counts", "labvisits:checkin_visit_slot"):
        assert client.get(url(name, language, slot_id=pk)).status_code == 404
    response = client.post(url("checkin_ticket", language, session_id=pk), {"ticket": "x"})
    assert response.status_code in ((302,) if pk == session.pk else (404,))


@pytest.fixture
def visit_slot(site_tree):
    institution = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    lab = factories.LabFactory(institution=institution, visit_capacity=8)
    slot = factories.VisitSlotFactory(
        lab=lab,
        capacity=10,
        starts_at=timezone.now() + datetime.timedelta(minutes=30),
        ends_at=timezone.now() + datetime.timedelta(hours=2),
    )
    for state in (LabVisit.State.APPROVED, LabVisit.State.REQUESTED):
        factories.LabVisitFactory(slot=slot, state=state, decided_at=timezone.now())
    return slot


@FUZZ
@given(data=st.data(), as_json=st.booleans(), language=LANGUAGES)
def test_visit_ticket_never_fails_and_refusals_change_nothing(
    client, visit_slot, door, data, as_json, language
):
    client.force_login(door)
    codes = list(LabVisit.objects.values_list("ticket_code", flat=True))
    real = st.sampled_from(codes).flatmap(
        lambda code: st.sampled_from([code, code.lower(), qr_token_make(code)])
    )
    posted = data.draw(
        st.fixed_dictionaries({}, optional={"ticket": st.one_of(real, text), "q": text})
    )
    headers = {"Accept": "application/json"} if as_json else {}
    before = snapshot(LabVisit)
    response = client.post(
        url("labvisits:checkin_visit_ticket", language, slot_id=visit_slot.pk),
        posted,
        headers=headers,
    )
    if as_json:
        assert response.status_code in (200, 400, 409)
        ok = response.json()["ok"]
    else:
        assert response.status_code == 302
        ok = "success" in message_levels(response)
    if not ok:
        assert snapshot(LabVisit) == before
    assert (
        not LabVisit.objects.filter(checked_in_at__isnull=False)
        .exclude(state=LabVisit.State.APPROVED)
        .exists()
    )


@FUZZ
@given(q=text, language=LANGUAGES)
def test_checkin_search_never_fails(client, session, tickets, door, q, language):
    client.force_login(door)
    response = client.get(url("checkin_session", language, session_id=session.pk), {"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("q", ["\x00", "张\x00三", "138\x00"])
def test_checkin_search_takes_a_nul_character(client, session, tickets, door, q):
    # PostgreSQL refuses NUL in a text value: the search must not pass it on.
    client.force_login(door)
    response = client.get(url("checkin_session", "zh-hans", session_id=session.pk), {"q": q})
    assert response.status_code == 200
