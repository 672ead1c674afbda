"""Booking services: every allowed and forbidden transition, the rules of each step,
notifications in the recipient's language and escalation."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations.exceptions import ConsultationError
from consultations.models import Consultation, ConsultationChange
from consultations.services import booking
from consultations.services.booking import TRANSITIONS
from inbox.models import Notification
from inbox.services import user_language_set
from portal.errors import DomainError
from ratings.models import Rating
from tests import factories
from tests.consultations.test_booking_support import World

pytestmark = pytest.mark.django_db

STATES = [s.value for s in Consultation.State]


@pytest.fixture
def world(db):
    return World()


def request(world, slot=None, **kwargs):
    return booking.consultation_request(
        enterprise=world.enterprise,
        user=world.owner,
        service=kwargs.pop("service", "consulting"),
        topic="安全带认证",
        description="想了解CCC认证流程",
        contact_name="王经理",
        contact_phone="+8613800001111",
        slot=slot,
        **kwargs,
    )


def test_request_on_slot_copies_slot_and_notifies_expert_and_requester(world):
    slot = world.slot()
    consultation = request(world, slot=slot)
    assert consultation.state == "requested"
    assert consultation.reference.startswith("C") and len(consultation.reference) == 9
    assert (consultation.expert, consultation.starts_at, consultation.ends_at) == (
        slot.expert,
        slot.starts_at,
        slot.ends_at,
    )
    assert consultation.mode == slot.mode
    change = consultation.changes.get()
    assert (change.event, change.from_state, change.to_state, change.changed_by) == (
        "requested",
        "",
        "requested",
        world.owner,
    )
    assert set(Notification.objects.values_list("user", flat=True)) == {
        world.owner.pk,
        world.expert_user.pk,
    }


def test_request_without_slot_waits_for_the_team(world):
    consultation = request(world)
    assert consultation.expert is None and consultation.starts_at is None
    assert list(Notification.objects.values_list("user", flat=True)) == [world.owner.pk]


@pytest.mark.parametrize(
    ("make_slot", "service", "code"),
    [
        (
            lambda w: w.slot(starts_at=timezone.now() - datetime.timedelta(hours=1)),
            "consulting",
            "slot_past",
        ),
        (lambda w: w.slot(), "diagnosis", "slot_service"),
    ],
)
def test_request_refused_on_unbookable_slot(world, make_slot, service, code):
    with pytest.raises(ConsultationError) as error:
        request(world, slot=make_slot(world), service=service)
    assert error.value.code == code
    assert not Consultation.objects.exists()


def test_second_request_on_a_slot_is_slot_taken_until_the_first_is_cancelled(world):
    slot = world.slot()
    first = request(world, slot=slot)
    with pytest.raises(ConsultationError) as error:
        request(world, slot=slot)
    assert error.value.code == "slot_taken"
    booking.consultation_cancel(consultation=first, by=world.owner, reason="改期")
    assert request(world, slot=slot).slot == slot


def test_unique_constraint_is_the_last_line(world):
    """Even without the service's check, the database refuses a second active booking."""
    consultation = world.consultation()
    with pytest.raises(IntegrityError), transaction.atomic():
        world.consultation(slot=consultation.slot)


# --- The transition table ------------------------------------------------------------


def _act(world, action: str, consultation: Consultation):
    """Perform ``action`` on ``consultation`` as the side allowed to do it."""
    if action == "confirm":
        return booking.consultation_confirm(consultation=consultation, by=world.expert_user)
    if action == "decline":
        return booking.consultation_decline(
            consultation=consultation, by=world.expert_user, reason="不在专业范围"
        )
    if action == "cancel":
        return booking.consultation_cancel(consultation=consultation, by=world.owner, reason="x")
    if action == "reschedule_propose":
        return booking.consultation_reschedule_propose(
            consultation=consultation, by=world.expert_user, slot=world.slot()
        )
    if action == "reschedule_respond":
        Consultation.objects.filter(pk=consultation.pk).update(
            proposed_slot=world.slot(), proposed_by=world.expert_user
        )
        return booking.consultation_reschedule_respond(
            consultation=consultation, by=world.owner, accept=True
        )
    if action == "complete":
        return booking.consultation_complete(
            consultation=consultation,
            by=world.expert_user,
            summary="建议按GB 14166检测",
            recommendations="先做型式试验",
            now=world.after_start(consultation),
        )
    if action == "no_show":
        return booking.consultation_mark_no_show(
            consultation=consultation, by=world.expert_user, now=world.after_start(consultation)
        )
    if action == "rate":
        return booking.consultation_rate(consultation=consultation, by=world.owner, rating=5)
    if action == "assign":
        return booking.consultation_assign(
            consultation=consultation, by=world.staff, expert=world.expert
        )
    raise AssertionError(action)


ACTIONS = [a for a in TRANSITIONS if a != "escalate"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table(world, action, state):
    consultation = world.consultation(state=state)
    sources, target = TRANSITIONS[action]
    changes_before = ConsultationChange.objects.count()
    if state in sources:
        result = _act(world, action, consultation)
        result.refresh_from_db()
        assert result.state == (target or state)
        assert ConsultationChange.objects.count() == changes_before + 1
        change = result.changes.last()
        assert (change.from_state, change.to_state) == (state, result.state)
    else:
        with pytest.raises(ConsultationError) as error:
            _act(world, action, consultation)
        assert error.value.code == "invalid_transition"
        consultation.refresh_from_db()
        assert consultation.state == state
        assert ConsultationChange.objects.count() == changes_before


@pytest.mark.parametrize("state", STATES)
def test_escalation_only_for_requests(world, state):
    consultation = world.consultation(state=state)
    later = timezone.now() + datetime.timedelta(hours=49)
    assert booking.consultations_escalate(now=later) == (1 if state == "requested" else 0)
    consultation.refresh_from_db()
    assert (consultation.escalated_at is not None) == (state == "requested")


# --- Who may act ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("confirm", "owner"),
        ("confirm", "stranger"),
        ("confirm", "staff"),
        ("decline", "owner"),
        ("cancel", "stranger"),
        ("complete", "owner"),
        ("no_show", "owner"),
        ("rate_completed", "expert_user"),
        ("rate_completed", "stranger"),
        ("assign", "owner"),
        ("assign", "expert_user"),
    ],
)
def test_forbidden_actors(world, action, who):
    user = getattr(world, who)
    consultation = world.consultation(
        state="completed" if action == "rate_completed" else "requested"
    )
    calls = {
        "confirm": lambda: booking.consultation_confirm(consultation=consultation, by=user),
        "decline": lambda: booking.consultation_decline(
            consultation=consultation, by=user, reason="x"
        ),
        "cancel": lambda: booking.consultation_cancel(
            consultation=consultation, by=user, reason="x"
        ),
        "complete": lambda: booking.consultation_complete(
            consultation=consultation, by=user, summary="x", now=world.after_start(consultation)
        ),
        "no_show": lambda: booking.consultation_mark_no_show(
            consultation=consultation, by=user, now=world.after_start(consultation)
        ),
        "rate_completed": lambda: booking.consultation_rate(
            consultation=consultation, by=user, rating=4
        ),
        "assign": lambda: booking.consultation_assign(
            consultation=consultation, by=user, expert=world.expert
        ),
    }
    with pytest.raises(ConsultationError) as error:
        calls[action]()
    assert error.value.code == "forbidden"


def test_the_proposer_cannot_accept_their_own_proposal(world):
    consultation = world.consultation(state="confirmed")
    booking.consultation_reschedule_propose(
        consultation=consultation, by=world.expert_user, slot=world.slot()
    )
    with pytest.raises(ConsultationError) as error:
        booking.consultation_reschedule_respond(
            consultation=consultation, by=world.expert_user, accept=True
        )
    assert error.value.code == "forbidden"


def test_decline_and_cancel_need_a_reason(world):
    consultation = world.consultation()
    for call in (booking.consultation_decline, booking.consultation_cancel):
        by = world.expert_user if call is booking.consultation_decline else world.owner
        with pytest.raises(ConsultationError) as error:
            call(consultation=consultation, by=by, reason="  ")
        assert error.value.code == "reason_required"


def test_cancel_cutoff_binds_parties_not_staff(world, settings):
    settings.CONSULTATION_CANCEL_CUTOFF_HOURS = 24
    consultation = world.consultation(state="confirmed")
    late = consultation.starts_at - datetime.timedelta(hours=23)
    for user in (world.owner, world.expert_user):
        with pytest.raises(ConsultationError) as error:
            booking.consultation_cancel(consultation=consultation, by=user, reason="x", now=late)
        assert error.value.code == "too_late"
    booking.consultation_cancel(consultation=consultation, by=world.staff, reason="x", now=late)
    consultation.refresh_from_db()
    assert consultation.state == "cancelled" and consultation.cancelled_by == world.staff


def test_expert_can_cancel_before_cutoff(world):
    consultation = world.consultation(state="confirmed")
    booking.consultation_cancel(consultation=consultation, by=world.expert_user, reason="出差")
    consultation.refresh_from_db()
    assert consultation.state == "cancelled"


def test_complete_and_no_show_only_after_start(world):
    consultation = world.consultation(state="confirmed")
    with pytest.raises(ConsultationError) as error:
        booking.consultation_complete(consultation=consultation, by=world.expert_user, summary="x")
    assert error.value.code == "too_early"
    with pytest.raises(ConsultationError) as error:
        booking.consultation_mark_no_show(consultation=consultation, by=world.expert_user)
    assert error.value.code == "too_early"


def test_rating_once_and_in_range(world):
    consultation = world.consultation(state="completed")
    for bad in (0, 6):
        with pytest.raises(DomainError) as error:
            booking.consultation_rate(consultation=consultation, by=world.owner, rating=bad)
        assert error.value.code == "invalid_level"
    booking.consultation_rate(consultation=consultation, by=world.owner, rating=4, comment="很好")
    with pytest.raises(DomainError) as error:
        booking.consultation_rate(consultation=consultation, by=world.owner, rating=5)
    assert error.value.code == "already_rated"
    rating = Rating.objects.get(kind="consultation", object_id=consultation.pk)
    assert (rating.level, rating.comment, rating.rater) == (4, "很好", world.owner)
    assert rating.expert_id == consultation.expert_id


# --- Reschedule, assign, overlap ------------------------------------------------------------


def test_reschedule_moves_to_the_new_slot_and_frees_the_old(world):
    consultation = world.consultation(state="confirmed", sequence=1)
    old_slot, new_slot = consultation.slot, world.slot()
    booking.consultation_reschedule_propose(
        consultation=consultation, by=world.owner, slot=new_slot
    )
    booking.consultation_reschedule_respond(
        consultation=consultation, by=world.expert_user, accept=True
    )
    consultation.refresh_from_db()
    assert consultation.slot == new_slot
    assert consultation.starts_at == new_slot.starts_at
    assert consultation.sequence == 2
    assert consultation.proposed_slot is None
    # The old slot can be booked again.
    assert request(world, slot=old_slot).slot == old_slot


def test_refused_reschedule_keeps_the_time(world):
    consultation = world.consultation(state="confirmed")
    slot = consultation.slot
    booking.consultation_reschedule_propose(
        consultation=consultation, by=world.expert_user, slot=world.slot()
    )
    booking.consultation_reschedule_respond(consultation=consultation, by=world.owner, accept=False)
    consultation.refresh_from_db()
    assert consultation.slot == slot and consultation.proposed_slot is None
    assert consultation.changes.last().event == "reschedule_refused"


def test_reschedule_to_a_taken_slot_is_refused(world):
    consultation = world.consultation(state="confirmed")
    other = world.consultation()
    with pytest.raises(ConsultationError) as error:
        booking.consultation_reschedule_propose(
            consultation=consultation, by=world.expert_user, slot=other.slot
        )
    assert error.value.code == "slot_taken"


def test_team_assign_then_propose_then_confirm(world):
    consultation = request(world)
    with pytest.raises(ConsultationError) as error:
        booking.consultation_assign(consultation=consultation, by=world.owner, expert=world.expert)
    assert error.value.code == "forbidden"
    booking.consultation_assign(consultation=consultation, by=world.staff, expert=world.expert)
    consultation.refresh_from_db()
    assert consultation.expert == world.expert and consultation.starts_at is None
    with pytest.raises(ConsultationError) as error:
        booking.consultation_confirm(consultation=consultation, by=world.expert_user)
    assert error.value.code == "no_time"
    booking.consultation_reschedule_propose(
        consultation=consultation, by=world.expert_user, slot=world.slot()
    )
    booking.consultation_reschedule_respond(consultation=consultation, by=world.owner, accept=True)
    booking.consultation_confirm(consultation=consultation, by=world.expert_user)
    consultation.refresh_from_db()
    assert consultation.state == "confirmed"
    assert [c.event for c in consultation.changes.all()] == [
        "requested",
        "assigned",
        "reschedule_proposed",
        "rescheduled",
        "confirmed",
    ]


def test_assign_with_slot_of_another_expert_is_refused(world):
    consultation = request(world)
    other_slot = factories.SlotFactory()
    with pytest.raises(ConsultationError) as error:
        booking.consultation_assign(
            consultation=consultation, by=world.staff, expert=world.expert, slot=other_slot
        )
    assert error.value.code == "slot_expert"
    booking.consultation_assign(
        consultation=consultation, by=world.staff, expert=other_slot.expert, slot=other_slot
    )
    consultation.refresh_from_db()
    assert consultation.starts_at == other_slot.starts_at


def test_confirming_two_overlapping_consultations_fails_with_overlap(world):
    first = world.consultation()
    second = world.consultation(
        slot=world.slot(starts_at=first.starts_at + datetime.timedelta(minutes=30))
    )
    booking.consultation_confirm(consultation=first, by=world.expert_user)
    with pytest.raises(ConsultationError) as error:
        booking.consultation_confirm(consultation=second, by=world.expert_user)
    assert error.value.code == "overlap"
    second.refresh_from_db()
    assert second.state == "requested"


@pytest.mark.postgres  # the exclusion constraint exists on PostgreSQL only
def test_exclusion_constraint_rejects_a_raw_overlapping_update(world):
    first = world.consultation(state="confirmed")
    second = world.consultation(
        slot=world.slot(starts_at=first.starts_at + datetime.timedelta(minutes=30))
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Consultation.objects.filter(pk=second.pk).update(state="confirmed")


# --- Notifications --------------------------------------------------------------------


def test_notifications_in_each_recipients_language(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    user_language_set(user=world.owner, language="zh-hans")
    user_language_set(user=world.expert_user, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        consultation = request(world, slot=world.slot())
    to_expert = Notification.objects.get(user=world.expert_user)
    to_owner = Notification.objects.get(user=world.owner)
    assert to_expert.url.startswith("/en/") and consultation.reference in to_expert.url
    assert to_owner.url.startswith("/zh-hans/")
    assert "Technical consulting" in to_expert.body
    assert "技术咨询" in to_owner.body
    assert len(mailoutbox) == 2

    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        booking.consultation_confirm(consultation=consultation, by=world.expert_user)
    # The expert acted: only the requester is told, in Chinese, with the calendar file.
    notification = Notification.objects.get()
    assert notification.user == world.owner
    assert "已确认" in notification.body
    assert notification.ics_method == "PUBLISH" and "BEGIN:VCALENDAR" in notification.ics
    message = mailoutbox[-1]
    assert message.to == [world.owner.email]
    assert any(a[0] == "invite.ics" for a in message.attachments)


def test_cancel_notification_carries_method_cancel(world):
    consultation = world.consultation(state="confirmed")
    booking.consultation_cancel(consultation=consultation, by=world.owner, reason="x")
    notification = Notification.objects.get(user=world.expert_user)
    assert notification.ics_method == "CANCEL"
    assert "METHOD:CANCEL" in notification.ics


# --- Escalation ------------------------------------------------------------------------


def test_escalation_notifies_active_regulators_once(world):
    approver = factories.UserFactory(groups=["Regulator approvers"])
    editor = factories.UserFactory(groups=["Regulator editors"])
    factories.UserFactory(groups=["Regulator editors"], is_active=False)
    factories.UserFactory(groups=["Check-in staff"])
    fresh = request(world)
    old = request(world, slot=world.slot())
    long_ago = timezone.now() - datetime.timedelta(hours=49)
    Consultation.objects.filter(pk=old.pk).update(created_at=long_ago)
    ConsultationChange.objects.filter(consultation=old).update(created_at=long_ago)
    Notification.objects.all().delete()

    assert booking.consultations_escalate() == 1
    assert set(Notification.objects.values_list("user", flat=True)) == {approver.pk, editor.pk}
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.escalated_at is not None and fresh.escalated_at is None
    assert old.changes.last().event == "escalated"
    assert booking.consultations_escalate() == 0


def test_escalation_waits_for_a_recent_action(world):
    consultation = world.consultation()
    long_ago = timezone.now() - datetime.timedelta(hours=49)
    Consultation.objects.filter(pk=consultation.pk).update(created_at=long_ago)
    ConsultationChange.objects.create(
        consultation=consultation, event="reschedule_proposed", to_state="requested"
    )
    assert booking.consultations_escalate() == 0


def test_escalate_command_and_task(world):
    from django.core.management import call_command

    from consultations.tasks import consultations_escalate_task

    consultation = world.consultation()
    Consultation.objects.filter(pk=consultation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    assert consultations_escalate_task.delay().get() == 1
    call_command("escalate_consultations")
    consultation.refresh_from_db()
    assert consultation.escalated_at is not None


def test_a_save_that_loses_the_race_for_a_slot_is_told_slot_taken(world):
    """The constraint that keeps one active booking per slot reads as ``slot_taken``."""
    slot, other = world.slot(), world.slot()
    request(world, slot=slot)
    second = request(world, slot=other)
    second.slot = slot  # as if the check had run before the first booking committed
    with pytest.raises(ConsultationError) as error:
        booking._save_guarded(second, ["slot"])
    assert error.value.code == "slot_taken"


def test_an_unrelated_integrity_error_is_not_reported_as_slot_taken(world):
    """Only the race constraints become domain errors: breaking another constraint (here
    the time order) is a bug and is raised as it is, never shown as "slot taken"."""
    consultation = request(world, slot=world.slot())
    consultation.ends_at = consultation.starts_at - datetime.timedelta(hours=1)
    with pytest.raises(IntegrityError) as error:
        booking._save_guarded(consultation, ["ends_at"])
    assert "consultation_time_order" in str(error.value)


def test_notifications_greet_people_by_name_never_by_login(world, mailoutbox):
    """The requester is greeted by the contact person the enterprise named, the expert by
    their own name; a message to an account without a name greets neutrally. No message
    shows a login name or an e-mail address in its greeting."""
    user_language_set(user=world.owner, language="en")
    user_language_set(user=world.expert_user, language="en")
    world.owner.username, world.owner.email = "ent_login_8412", "ent_login_8412@example.com"
    world.owner.save()
    consultation = request(world, slot=world.slot())  # contact person 王经理
    to_owner = Notification.objects.get(user=world.owner).body
    to_expert = Notification.objects.get(user=world.expert_user).body
    assert to_owner.startswith("Hello 王经理,")
    assert to_expert.startswith(f"Hello {world.expert.name_en},")
    for body in (to_owner, to_expert):
        assert world.owner.username not in body and world.expert_user.username not in body

    # A regulator's account without a name: a neutral greeting, not "Hello user12,".
    regulator = factories.UserFactory(groups=["Regulator approvers"])
    user_language_set(user=regulator, language="zh-hans")
    booking.consultations_escalate(now=timezone.now() + datetime.timedelta(days=30))
    escalated = Notification.objects.get(user=regulator).body
    assert escalated.startswith("您好：") and regulator.username not in escalated
    assert consultation.reference in Notification.objects.get(user=regulator).subject
