"""The registry of reminder targets: each app registers its kind, reminders knows none."""

from __future__ import annotations

import datetime

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone

from consultations.reminder_targets import ConsultationTarget
from events.reminder_targets import RegistrationTarget
from labvisits.reminder_targets import LabVisitTarget
from reminders.checks import reminder_targets_registered
from reminders.models import Reminder
from reminders.services import Outcome, reminder_send, reminders_cancel, reminders_plan
from reminders.targets import (
    ReminderTarget,
    UnknownTargetError,
    target_for,
    target_of,
    target_register,
    target_unregister,
    targets,
)

pytestmark = pytest.mark.django_db

APPOINTMENT_FIELDS = {"registration", "consultation", "lab_visit"}


class FakeTarget(ReminderTarget):
    """Stands in for the consultation's target: reminds one address of a fixed start."""

    kind = "consultation"
    field = "consultation"
    template = "reminder_consultation"

    def __init__(self, starts_at: datetime.datetime) -> None:
        self.start = starts_at

    def starts_at(self, target):
        return self.start

    def is_plannable(self, target):
        return True

    def audiences(self, target):
        return [(Reminder.Audience.REQUESTER, Reminder.Channel.EMAIL)]

    def recipient(self, reminder):
        return ("fake@example.com", "en", None)

    def email_message(self, reminder, *, language, user):
        return EmailMessage("Fake reminder", f"Starts at {self.start:%H:%M}.")

    # It composes its own e-mail (above) and sends no text message: these three are never
    # asked, which the test of the generic services proves by the mail it finds.
    def context(self, reminder, *, language, user):
        raise AssertionError("the fake target composes its own e-mail")

    def ics(self, reminder, *, language, context):
        raise AssertionError("the fake target composes its own e-mail")

    def sms_params(self, reminder, *, template, context):
        raise AssertionError("the fake target sends no text message")

    def label(self, reminder):
        return "Fake"


@pytest.fixture
def fake_target():
    """The consultation's target replaced by a fake one for the test, then put back."""
    original = target_for("consultation")
    target_unregister("consultation")
    fake = target_register(
        FakeTarget(timezone.now().replace(microsecond=0) + datetime.timedelta(hours=30))
    )
    try:
        yield fake
    finally:
        target_unregister("consultation")
        target_register(original)


def test_each_app_registers_its_target_when_django_starts():
    assert isinstance(target_for("registration"), RegistrationTarget)
    assert isinstance(target_for("consultation"), ConsultationTarget)
    assert isinstance(target_for("lab_visit"), LabVisitTarget)
    assert {target.field for target in targets()} == APPOINTMENT_FIELDS


def test_every_appointment_key_of_a_reminder_has_exactly_one_target():
    keys = {
        field.name
        for field in Reminder._meta.get_fields()
        if field.many_to_one and field.concrete and field.name not in ("letter", "broadcast")
    }
    assert keys == APPOINTMENT_FIELDS
    fields = [target.field for target in targets()]
    assert sorted(fields) == sorted(keys)
    assert reminder_targets_registered() == []


def test_system_check_names_a_key_without_target():
    original = target_for("lab_visit")
    target_unregister("lab_visit")
    try:
        (error,) = reminder_targets_registered()
    finally:
        target_register(original)
    assert error.id == "reminders.E004"
    assert "Reminder.lab_visit" in error.msg


def test_unknown_kind_fails_clearly(registration):
    with pytest.raises(UnknownTargetError, match="no reminder target 'parcel'.*registration"):
        target_for("parcel")
    with pytest.raises(UnknownTargetError, match="'parcel'"):
        reminders_plan(parcel=registration)
    with pytest.raises(UnknownTargetError, match="'parcel'"):
        reminders_cancel(parcel=registration)


def test_exactly_one_appointment_is_passed(registration, consultation):
    with pytest.raises(ValueError, match="exactly one"):
        reminders_plan(registration=registration, consultation=consultation)
    with pytest.raises(ValueError, match="exactly one"):
        reminders_plan()


def test_a_second_target_for_a_taken_kind_is_refused():
    class Other(FakeTarget):
        """Another class claiming the consultation's kind and key."""

    with pytest.raises(Exception, match="already registered by ConsultationTarget"):
        target_register(Other(timezone.now()))
    assert isinstance(target_for("consultation"), ConsultationTarget)


def test_target_of_a_row_is_the_target_of_its_key(registration, consultation, lab_visit):
    reminders_plan(registration=registration)
    reminders_plan(consultation=consultation)
    reminders_plan(lab_visit=lab_visit)
    for reminder in Reminder.objects.all():
        assert target_of(reminder).field == next(
            name for name in APPOINTMENT_FIELDS if getattr(reminder, f"{name}_id")
        )


def test_a_registered_target_is_planned_and_sent_by_the_generic_services(
    fake_target, consultation, settings, mailoutbox
):
    settings.REMINDER_OFFSETS = {**settings.REMINDER_OFFSETS, "consultation": (1440, 120)}

    assert reminders_plan(consultation=consultation) == 2

    rows = Reminder.objects.filter(consultation=consultation).order_by("offset_minutes")
    assert [(r.offset_minutes, r.audience, r.channel) for r in rows] == [
        (120, "requester", "email"),
        (1440, "requester", "email"),
    ]
    assert {r.starts_at for r in rows} == {fake_target.start}
    reminder = rows.first()
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())

    assert reminder_send(reminder_id=reminder.pk) == Outcome.SENT

    (message,) = mailoutbox
    assert message.to == ["fake@example.com"]
    assert message.subject == "Fake reminder"
    assert "Message-ID" in message.extra_headers


def test_each_target_brings_the_text_of_its_reminder():
    from reminders.sms import TEMPLATES

    for target in targets():
        assert target.template in TEMPLATES
        assert {t.key for t in target.text_templates} <= set(TEMPLATES)
    assert {"notice_ticket", "notice_waitlisted", "notice_changed", "notice_cancelled"} <= {
        t.key for t in target_for("registration").text_templates
    }
