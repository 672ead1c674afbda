"""Consultation reminders follow the booking (planned on confirmation, moved by a
reschedule, cancelled when the consultation will not take place) and, once its time has
passed, the expert is asked once to complete it or record a no-show."""

from __future__ import annotations

import datetime
import io
import itertools

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Consultation
from consultations.services import booking
from consultations.tasks import consultations_request_completion_task
from inbox.models import Notification
from inbox.services import user_language_set
from reminders.models import Reminder
from tests import factories
from tests.concurrency import run_at_once
from tests.consultations.test_booking_support import World

R = Reminder


@pytest.fixture
def world(db):
    return World()


def confirmed(world, **kwargs) -> Consultation:
    """A consultation confirmed by its expert through the service."""
    consultation = world.consultation(state="requested", **kwargs)
    return booking.consultation_confirm(consultation=consultation, by=world.expert_user)


def rows(consultation: Consultation) -> set[tuple[str, str, int, str]]:
    return set(
        Reminder.objects.filter(consultation=consultation).values_list(
            "audience", "channel", "offset_minutes", "state"
        )
    )


def manual_reminder(consultation: Consultation) -> Reminder:
    """A pending reminder row, as planning would have left it."""
    return Reminder.objects.create(
        key=f"test:consultation:{consultation.pk}",
        consultation=consultation,
        audience=R.Audience.REQUESTER,
        channel=R.Channel.EMAIL,
        offset_minutes=120,
        starts_at=consultation.starts_at,
        due_at=consultation.starts_at - datetime.timedelta(hours=2),
    )


# --- Reminders --------------------------------------------------------------------------


def test_confirm_plans_reminders_for_requester_and_expert(world):
    consultation = confirmed(world)
    offsets = settings.REMINDER_OFFSETS["consultation"]
    expected = set()
    for offset in offsets:
        expected |= {
            (R.Audience.REQUESTER, R.Channel.EMAIL, offset, R.State.PENDING),
            (R.Audience.REQUESTER, R.Channel.SMS, offset, R.State.PENDING),
            (R.Audience.EXPERT, R.Channel.EMAIL, offset, R.State.PENDING),
        }
    assert rows(consultation) == expected
    for reminder in Reminder.objects.filter(consultation=consultation):
        assert reminder.starts_at == consultation.starts_at
        assert reminder.due_at == consultation.starts_at - datetime.timedelta(
            minutes=reminder.offset_minutes
        )


def test_cancel_cancels_pending_reminders(world):
    consultation = confirmed(world)
    booking.consultation_cancel(consultation=consultation, by=world.staff, reason="专家出差")
    states = set(Reminder.objects.filter(consultation=consultation).values_list("state", flat=True))
    assert states == {R.State.CANCELLED}


def test_decline_cancels_pending_reminders(world):
    consultation = world.consultation(state="requested")
    reminder = manual_reminder(consultation)
    booking.consultation_decline(consultation=consultation, by=world.expert_user, reason="不擅长")
    reminder.refresh_from_db()
    assert reminder.state == R.State.CANCELLED


@pytest.mark.parametrize("action", ["complete", "no_show"])
def test_completion_or_no_show_cancels_pending_reminders(world, action):
    consultation = confirmed(world)
    after = world.after_start(consultation)
    if action == "complete":
        booking.consultation_complete(
            consultation=consultation, by=world.expert_user, summary="已讲解流程", now=after
        )
    else:
        booking.consultation_mark_no_show(
            consultation=consultation, by=world.expert_user, now=after
        )
    assert Reminder.objects.filter(consultation=consultation).exists()
    assert not Reminder.objects.filter(consultation=consultation, state=R.State.PENDING).exists()


def test_accepted_reschedule_moves_the_reminders(world):
    consultation = confirmed(world)
    before = rows(consultation)
    new_slot = world.slot(starts_at=consultation.starts_at + datetime.timedelta(days=1))
    booking.consultation_reschedule_propose(
        consultation=consultation, by=world.expert_user, slot=new_slot
    )
    booking.consultation_reschedule_respond(consultation=consultation, by=world.owner, accept=True)
    consultation.refresh_from_db()
    assert consultation.starts_at == new_slot.starts_at
    assert rows(consultation) == before
    for reminder in Reminder.objects.filter(consultation=consultation):
        assert reminder.starts_at == new_slot.starts_at
        assert reminder.due_at == new_slot.starts_at - datetime.timedelta(
            minutes=reminder.offset_minutes
        )


def test_refused_reschedule_keeps_the_reminders(world):
    consultation = confirmed(world)
    due = set(Reminder.objects.filter(consultation=consultation).values_list("pk", "due_at"))
    new_slot = world.slot(starts_at=consultation.starts_at + datetime.timedelta(days=1))
    booking.consultation_reschedule_propose(
        consultation=consultation, by=world.expert_user, slot=new_slot
    )
    booking.consultation_reschedule_respond(consultation=consultation, by=world.owner, accept=False)
    assert (
        set(Reminder.objects.filter(consultation=consultation).values_list("pk", "due_at")) == due
    )


def test_reassignment_to_another_time_moves_the_reminders_on_confirmation(world):
    consultation = confirmed(world)
    before = rows(consultation)
    other_user = factories.UserFactory()
    other = factories.ExpertFactory(user=other_user, services=("consulting", "certification"))
    slot = factories.SlotFactory(
        expert=other, starts_at=consultation.starts_at + datetime.timedelta(days=1)
    )
    booking.consultation_assign(consultation=consultation, by=world.staff, expert=other, slot=slot)
    booking.consultation_confirm(consultation=consultation, by=other_user)
    assert rows(consultation) == before
    for reminder in Reminder.objects.filter(consultation=consultation):
        assert reminder.starts_at == slot.starts_at
        assert reminder.due_at == slot.starts_at - datetime.timedelta(
            minutes=reminder.offset_minutes
        )


# --- Completion request -----------------------------------------------------------------


_spread = itertools.count()


def past(world, *, ended_minutes_ago: int | None = None, state: str = "confirmed", **kwargs):
    """A 10-minute consultation of ``world``'s expert that ended a while ago (by default
    90 minutes or more, each one two hours before the previous one: an expert's confirmed
    consultations may not overlap)."""
    if ended_minutes_ago is None:
        ended_minutes_ago = 90 + 120 * next(_spread)
    ends_at = timezone.now() - datetime.timedelta(minutes=ended_minutes_ago)
    slot = world.slot(starts_at=ends_at - datetime.timedelta(minutes=10), ends_at=ends_at)
    return world.consultation(state=state, slot=slot, **kwargs)


def test_expert_is_asked_to_complete_a_past_consultation(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    user_language_set(user=world.expert_user, language="en")
    consultation = past(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.consultations_request_completion() == 1
    consultation.refresh_from_db()
    assert consultation.completion_requested_at is not None
    assert consultation.changes.filter(event="completion_requested").count() == 1
    notification = Notification.objects.get()
    assert notification.user == world.expert_user
    with translation.override("en"):
        url = reverse("consultations:detail", kwargs={"reference": consultation.reference})
        assert notification.url == url
        assert "please complete it or record a no-show" in notification.subject
    assert consultation.reference in notification.subject
    assert [m.to for m in mailoutbox] == [[world.expert_user.email]]
    assert url in mailoutbox[0].body
    # The requester is not bothered.
    assert not Notification.objects.filter(user=world.owner).exists()


def test_expert_is_asked_only_once(world, mailoutbox, django_capture_on_commit_callbacks):
    past(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.consultations_request_completion() == 1
        assert booking.consultations_request_completion() == 0
        later = timezone.now() + datetime.timedelta(days=1)
        assert booking.consultations_request_completion(now=later) == 0
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


def test_only_confirmed_consultations_past_the_grace_are_asked(world):
    asked = past(world, ended_minutes_ago=31)
    past(world, ended_minutes_ago=20)  # still within the grace period
    past(world, state="requested")
    past(world, state="completed")
    past(world, state="no_show")
    past(world, state="cancelled")
    world.consultation(state="confirmed")  # in the future
    assert booking.consultations_request_completion() == 1
    assert list(
        Consultation.objects.filter(completion_requested_at__isnull=False).values_list(
            "pk", flat=True
        )
    ) == [asked.pk]
    assert list(Notification.objects.values_list("user", flat=True)) == [world.expert_user.pk]


def test_consultation_within_grace_is_asked_on_a_later_run(world):
    consultation = past(world, ended_minutes_ago=10)
    assert booking.consultations_request_completion() == 0
    later = timezone.now() + datetime.timedelta(minutes=25)
    assert booking.consultations_request_completion(now=later) == 1
    consultation.refresh_from_db()
    assert consultation.completion_requested_at == later


def test_expert_without_account_is_recorded_as_asked_without_notification(world):
    expert = factories.ExpertFactory(services=("consulting", "certification"))
    ends_at = timezone.now() - datetime.timedelta(hours=2)
    slot = factories.SlotFactory(
        expert=expert, starts_at=ends_at - datetime.timedelta(hours=1), ends_at=ends_at
    )
    consultation = world.consultation(state="confirmed", slot=slot)
    assert booking.consultations_request_completion() == 1
    consultation.refresh_from_db()
    assert consultation.completion_requested_at is not None
    assert not Notification.objects.exists()


def test_completion_request_command_and_task(world):
    past(world)
    past(world)
    out = io.StringIO()
    call_command("request_consultation_completion", stdout=out)
    assert "Asked for completion of 2 consultation(s)." in out.getvalue()
    assert Consultation.objects.filter(completion_requested_at__isnull=False).count() == 2
    past(world)
    assert consultations_request_completion_task.delay().get() == 1


def test_two_schedulers_at_once_ask_once(transactional_db, django_db_serialized_rollback):
    world = World()
    consultations = [past(world) for _ in range(5)]
    results, errors = run_at_once([booking.consultations_request_completion] * 2)
    assert errors == []
    assert sum(results) == len(consultations)
    assert Notification.objects.filter(user=world.expert_user).count() == len(consultations)
    for consultation in consultations:
        assert consultation.changes.filter(event="completion_requested").count() == 1
