"""Consultation pages take any input without a server error: the request form (with or
without attachments), rescheduling, rating, cancelling, declining and the expert's
availability form. A refused request changes no consultation, attachment, slot or
availability, and no slot ever holds two active consultations."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from consultations.models import (
    Availability,
    AvailabilityException,
    Consultation,
    ConsultationAttachment,
    ConsultationChange,
    Mode,
    Slot,
)
from consultations.services import booking
from portal.choices import Field, Service
from ratings.models import Rating
from tests.consultations.test_booking_support import JPEG, PDF, PNG, World
from tests.fuzz.support import (
    FUZZ,
    LANGUAGES,
    assert_capacity_rules,
    date_text,
    message_levels,
    number,
    phone,
    snapshot,
    text,
    time_text,
)

TABLES = (Consultation, ConsultationAttachment, ConsultationChange, Slot, Rating)
AVAILABILITY_TABLES = (Availability, AvailabilityException, Slot)


def url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(f"consultations:{name}", kwargs=kwargs or None)


@pytest.fixture
def world(db, settings):
    settings.CONSULTATION_RATE_USER = "100000/3600"
    settings.CONSULTATION_RATE_IP = "100000/3600"
    return World()


file_name = st.one_of(
    st.sampled_from(["report.pdf", "photo.PNG", "../../etc/passwd", "a" * 300 + ".pdf", ".pdf"]),
    # Names a browser can send: Django's own upload class refuses ".", ".." (the test could
    # not even build the request with them).
    st.text(min_size=1, max_size=80).filter(
        lambda n: n.strip("\x00") and "/" not in n and n.strip() not in {".", ".."}
    ),
)
file_bytes = st.one_of(
    st.sampled_from([PDF, PNG, JPEG, b"", b"MZ\x90\x00", b"%PDF"]),
    st.binary(max_size=200),
    st.binary(max_size=100).map(lambda b: PDF + b),
)
uploads = st.lists(st.tuples(file_name, file_bytes), max_size=7)


@FUZZ
@given(data=st.data(), files=uploads, language=LANGUAGES)
def test_request_never_fails_and_refusals_change_nothing(client, world, data, files, language):
    slot = world.slot()
    posted = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "service": st.one_of(st.sampled_from(Service.values), text),
                "field": st.one_of(st.sampled_from(Field.values), text),
                "topic": st.one_of(st.just("安全带认证"), text),
                "description": st.one_of(st.just("想了解流程"), text),
                "product_or_standard": text,
                "contact_name": st.one_of(st.just("王经理"), text),
                "contact_phone": phone,
                "slot": st.one_of(st.just(str(slot.pk)), number),
            },
        )
    )
    posted["attachments"] = [
        SimpleUploadedFile(name, content, content_type="application/pdf") for name, content in files
    ]
    client.force_login(world.owner)
    before = snapshot(*TABLES)
    response = client.post(url("request", language), posted)
    assert response.status_code in (302, 400, 404)
    if response.status_code != 302:
        assert snapshot(*TABLES) == before
    else:
        consultation = Consultation.objects.latest("pk")
        assert consultation.enterprise == world.enterprise
        assert consultation.attachments.count() <= 5
    assert_capacity_rules()


def decided(response) -> bool:
    """Whether the booking action succeeded (it redirects back either way)."""
    assert response.status_code == 302
    levels = message_levels(response)
    assert levels in ({"success"}, {"error"}), levels
    return levels == {"success"}


@FUZZ
@given(data=st.data(), language=LANGUAGES)
def test_reschedule_propose_and_answer_never_fail(client, world, data, language):
    consultation = world.consultation()
    other = world.slot()
    posted = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "slot": st.one_of(
                    st.sampled_from([str(other.pk), str(consultation.slot_id)]), number
                )
            },
        )
    )
    client.force_login(world.owner)
    before = snapshot(*TABLES)
    response = client.post(
        url("reschedule_propose", language, reference=consultation.reference), posted
    )
    consultation.refresh_from_db()
    if decided(response):
        assert consultation.proposed_slot_id == other.pk
    else:
        assert snapshot(*TABLES) == before
        booking.consultation_reschedule_propose(
            consultation=consultation, by=world.owner, slot=other
        )
    # The expert answers the proposal.
    answer = data.draw(
        st.fixed_dictionaries({}, optional={"accept": st.one_of(st.sampled_from(["0", "1"]), text)})
    )
    client.force_login(world.expert_user)
    old_slot = consultation.slot_id
    before = snapshot(*TABLES)
    response = client.post(
        url("reschedule_respond", language, reference=consultation.reference), answer
    )
    consultation.refresh_from_db()
    if decided(response):
        assert consultation.proposed_slot_id is None
        assert consultation.slot_id == (other.pk if answer["accept"] == "1" else old_slot)
    else:
        assert snapshot(*TABLES) == before
    assert_capacity_rules()


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {}, optional={"level": st.one_of(st.sampled_from(["1", "5"]), number), "comment": text}
    ),
    language=LANGUAGES,
)
def test_rate_accepts_one_of_five_levels_once(client, world, data, language):
    consultation = world.consultation(state="completed")
    client.force_login(world.owner)
    before = snapshot(*TABLES)
    target = url("rate", language, reference=consultation.reference)
    if decided(client.post(target, data)):
        rating = Rating.objects.get(kind="consultation", object_id=consultation.pk)
        assert str(rating.level) == data["level"]
        before = snapshot(*TABLES)
        assert not decided(client.post(target, data))
    assert snapshot(*TABLES) == before
    assert_capacity_rules()


reason = st.fixed_dictionaries({}, optional={"reason": st.one_of(st.just("有事"), text)})


@FUZZ
@given(data=reason, language=LANGUAGES)
def test_cancel_needs_a_reason(client, world, data, language):
    consultation = world.consultation()
    client.force_login(world.owner)
    before = snapshot(*TABLES)
    response = client.post(url("cancel", language, reference=consultation.reference), data)
    consultation.refresh_from_db()
    if decided(response):
        assert consultation.state == Consultation.State.CANCELLED
        assert data["reason"].strip()
    else:
        assert snapshot(*TABLES) == before


@FUZZ
@given(data=reason, language=LANGUAGES)
def test_decline_by_the_expert_needs_a_reason(client, world, data, language):
    consultation = world.consultation()
    client.force_login(world.expert_user)
    before = snapshot(*TABLES)
    response = client.post(url("decline", language, reference=consultation.reference), data)
    consultation.refresh_from_db()
    if decided(response):
        assert consultation.state == Consultation.State.DECLINED
    else:
        assert snapshot(*TABLES) == before
    # The enterprise cannot decline its own request: 404 for a party without that right
    # or an error message, never a change.
    client.force_login(world.owner)
    before = snapshot(*TABLES)
    response = client.post(url("decline", language, reference=consultation.reference), data)
    assert response.status_code in (302, 404)
    assert snapshot(*TABLES) == before


def availability_post(action: str, prefix: str):
    today = timezone.localdate()
    near = st.integers(min_value=-3, max_value=60).map(
        lambda d: (today + datetime.timedelta(days=d)).isoformat()
    )
    dates = st.one_of(near, date_text)
    times = st.one_of(st.sampled_from(["09:00", "10:30", "12:00"]), time_text)
    fields = {
        "weekday": st.one_of(st.sampled_from(["0", "3", "6", "7"]), number),
        "start_date": dates,
        "end_date": dates,
        "date": dates,
        "start_time": times,
        "end_time": times,
        "slot_minutes": st.one_of(st.sampled_from(["30", "60", "7"]), number),
        "mode": st.one_of(st.sampled_from(Mode.values), text),
        "services": st.lists(st.one_of(st.sampled_from(["1", "2", "3"]), number), max_size=3),
        "note": text,
        "reason": text,
    }
    return st.fixed_dictionaries(
        {"action": st.just(action)},
        optional={f"{prefix}-{name}": value for name, value in fields.items()},
    )


@FUZZ
@given(data=st.data(), language=LANGUAGES)
def test_availability_form_never_fails_and_refusals_change_nothing(client, world, data, language):
    action = data.draw(
        st.sampled_from(["weekly", "single", "exception", "delete_rule", "delete_exception"]) | text
    )
    posted = data.draw(
        availability_post(action, action if action in ("weekly", "single", "exception") else "x")
    )
    if action.startswith("delete_"):
        posted["id"] = data.draw(number)
    client.force_login(world.expert_user)
    before = snapshot(*AVAILABILITY_TABLES)
    response = client.post(url("availability", language), posted)
    assert response.status_code in (302, 400, 404)
    if response.status_code != 302:
        assert snapshot(*AVAILABILITY_TABLES) == before
    # Every published slot is the expert's, in the future at creation, and well formed.
    assert not Slot.objects.filter(ends_at__lte=F("starts_at")).exists()
    assert_capacity_rules()
