"""Lab-visit reminders follow the visit (planned on approval, cancelled when it will not
take place), and approved visits nobody checked in become no-shows after their slot."""

from __future__ import annotations

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisit, LabVisitChange
from labvisits.services import (
    lab_visit_cancel,
    lab_visit_checkin,
    lab_visit_decide,
    lab_visits_mark_no_show,
)
from labvisits.tasks import lab_visits_mark_no_show_task
from reminders.models import Reminder
from tests import factories
from tests.labvisits.conftest import request_visit

pytestmark = pytest.mark.django_db

R = Reminder
State = LabVisit.State


def approved(inst, member) -> LabVisit:
    visit = request_visit(member, inst.slot)
    return lab_visit_decide(visit=visit, by=inst.contact, approve=True)


# --- Reminders --------------------------------------------------------------------------


def test_approval_plans_reminders_for_the_requester(inst_a, member_a):
    visit = approved(inst_a, member_a)
    expected = set()
    for offset in settings.REMINDER_OFFSETS["lab_visit"]:
        expected |= {
            (R.Audience.REQUESTER, R.Channel.EMAIL, offset),
            (R.Audience.REQUESTER, R.Channel.SMS, offset),
        }
    reminders = list(Reminder.objects.filter(lab_visit=visit))
    assert {(r.audience, r.channel, r.offset_minutes) for r in reminders} == expected
    for reminder in reminders:
        assert reminder.state == R.State.PENDING
        assert reminder.starts_at == inst_a.slot.starts_at
        assert reminder.due_at == inst_a.slot.starts_at - datetime.timedelta(
            minutes=reminder.offset_minutes
        )


def test_a_request_or_a_declined_visit_has_no_reminders(inst_a, member_a, member_b):
    waiting = request_visit(member_a, inst_a.slot)
    declined = request_visit(member_b, inst_a.slot)
    lab_visit_decide(visit=declined, by=inst_a.contact, approve=False, reason="设备检修")
    assert not Reminder.objects.filter(lab_visit__in=[waiting, declined]).exists()


@pytest.mark.parametrize("who", ["enterprise", "institution"])
def test_cancel_cancels_pending_reminders(inst_a, member_a, who):
    visit = approved(inst_a, member_a)
    assert Reminder.objects.filter(lab_visit=visit, state=R.State.PENDING).exists()
    by = member_a if who == "enterprise" else inst_a.contact
    lab_visit_cancel(visit=visit, by=by, reason="行程变更")
    states = set(Reminder.objects.filter(lab_visit=visit).values_list("state", flat=True))
    assert states == {R.State.CANCELLED}


# --- No-shows -----------------------------------------------------------------------------


def ended_slot(inst, *, minutes_ago: int) -> object:
    ends_at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return factories.VisitSlotFactory(
        lab=inst.lab, starts_at=ends_at - datetime.timedelta(hours=2), ends_at=ends_at
    )


def visit_in(slot, state: str = State.APPROVED, **kwargs) -> LabVisit:
    return factories.LabVisitFactory(slot=slot, state=state, **kwargs)


def pending_reminder(visit: LabVisit) -> Reminder:
    return Reminder.objects.create(
        key=f"test:lab_visit:{visit.pk}",
        lab_visit=visit,
        audience=R.Audience.REQUESTER,
        channel=R.Channel.SMS,
        offset_minutes=120,
        starts_at=visit.slot.starts_at,
        due_at=visit.slot.starts_at - datetime.timedelta(hours=2),
    )


def test_only_approved_visits_not_checked_in_after_the_slot_become_no_shows(inst_a):
    slot = ended_slot(inst_a, minutes_ago=45)
    absent = visit_in(slot)
    came = visit_in(slot, checked_in_at=slot.starts_at + datetime.timedelta(minutes=5))
    waiting = visit_in(slot, state=State.REQUESTED)
    declined = visit_in(slot, state=State.DECLINED)
    cancelled = visit_in(slot, state=State.CANCELLED)
    in_grace = visit_in(ended_slot(inst_a, minutes_ago=10))
    upcoming = visit_in(inst_a.slot)

    assert lab_visits_mark_no_show() == 1

    states = dict(LabVisit.objects.values_list("pk", "state"))
    assert states == {
        absent.pk: State.NO_SHOW,
        came.pk: State.APPROVED,
        waiting.pk: State.REQUESTED,
        declined.pk: State.DECLINED,
        cancelled.pk: State.CANCELLED,
        in_grace.pk: State.APPROVED,
        upcoming.pk: State.APPROVED,
    }
    change = LabVisitChange.objects.get()
    assert (change.visit_id, change.event, change.from_state, change.to_state) == (
        absent.pk,
        "no_show",
        State.APPROVED,
        State.NO_SHOW,
    )
    assert change.changed_by is None


def test_no_show_marking_waits_for_the_grace_period(inst_a):
    visit = visit_in(ended_slot(inst_a, minutes_ago=10))
    assert lab_visits_mark_no_show() == 0
    assert lab_visits_mark_no_show(now=timezone.now() + datetime.timedelta(minutes=25)) == 1
    visit.refresh_from_db()
    assert visit.state == State.NO_SHOW


def test_no_show_marking_is_idempotent(inst_a):
    slot = ended_slot(inst_a, minutes_ago=60)
    visits = [visit_in(slot) for _ in range(3)]
    assert lab_visits_mark_no_show() == 3
    assert lab_visits_mark_no_show() == 0
    assert LabVisitChange.objects.filter(visit__in=visits).count() == 3


def test_no_show_cancels_pending_reminders_and_refuses_a_late_check_in(inst_a, checkin_staff):
    visit = visit_in(ended_slot(inst_a, minutes_ago=60))
    reminder = pending_reminder(visit)
    lab_visits_mark_no_show()
    reminder.refresh_from_db()
    assert reminder.state == R.State.CANCELLED
    with pytest.raises(LabVisitError) as error:
        lab_visit_checkin(visit=visit, by=checkin_staff)
    assert error.value.code == "not_approved"


def test_no_show_command_and_task(inst_a):
    slot = ended_slot(inst_a, minutes_ago=60)
    visit_in(slot)
    visit_in(slot)
    out = io.StringIO()
    call_command("mark_lab_visit_no_shows", stdout=out)
    assert "Marked 2 lab visit(s) as no-shows." in out.getvalue()
    assert LabVisit.objects.filter(state=State.NO_SHOW).count() == 2
    visit_in(slot)
    assert lab_visits_mark_no_show_task.delay().get() == 1
