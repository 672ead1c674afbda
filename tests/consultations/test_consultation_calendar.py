"""The .ics file of a consultation, parsed back: stable UID, SEQUENCE, METHOD."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from consultations.calendar import consultation_ics
from consultations.services import booking
from tests.consultations.test_booking_support import World

pytestmark = pytest.mark.django_db


def parse(consultation, language="en"):
    consultation.refresh_from_db()
    calendar = Calendar.from_ical(consultation_ics(consultation=consultation, language=language))
    event = calendar.walk("VEVENT")[0]
    return calendar, event


def test_uid_stays_sequence_grows_and_cancel_uses_method_cancel():
    world = World()
    consultation = world.consultation()
    booking.consultation_confirm(consultation=consultation, by=world.expert_user)
    calendar, event = parse(consultation)
    uid = str(event["uid"])
    assert uid == f"consultation-{consultation.reference}@127.0.0.1" or uid.startswith(
        f"consultation-{consultation.reference}@"
    )
    assert str(calendar["method"]) == "PUBLISH"
    assert str(event["status"]) == "CONFIRMED"
    first_sequence = int(event["sequence"])
    assert event.decoded("dtstart") == consultation.starts_at

    new_slot = world.slot()
    booking.consultation_reschedule_propose(
        consultation=consultation, by=world.expert_user, slot=new_slot
    )
    booking.consultation_reschedule_respond(consultation=consultation, by=world.owner, accept=True)
    calendar, event = parse(consultation)
    assert str(event["uid"]) == uid
    assert int(event["sequence"]) > first_sequence
    assert event.decoded("dtstart") == new_slot.starts_at
    moved_sequence = int(event["sequence"])

    booking.consultation_cancel(consultation=consultation, by=world.owner, reason="x")
    calendar, event = parse(consultation, language="zh-hans")
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid
    assert int(event["sequence"]) > moved_sequence
    assert "已取消" in str(event["summary"]) or "Cancelled" in str(event["summary"])


def test_no_calendar_file_without_a_time():
    world = World()
    consultation = booking.consultation_request(
        enterprise=world.enterprise,
        user=world.owner,
        service="consulting",
        topic="t",
        description="d",
        contact_name="王经理",
        contact_phone="+8613800001111",
    )
    assert consultation_ics(consultation=consultation, language="en") is None
