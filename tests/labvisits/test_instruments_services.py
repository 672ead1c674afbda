"""Machine time on shared instruments through the lab-visit services: offering it, the
request (operators, samples), places, approval, notices and reminders worded as machine
time, the catalogue's reads and the statistics selector."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from inbox.models import Notification
from labvisits.calendar import lab_visit_ics
from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisit, lab_visit_is_machine_time
from labvisits.reminder_targets import LabVisitTarget
from labvisits.selectors import (
    instrument_free_slots,
    instrument_list,
    lab_offer_list,
    machine_time_counts,
)
from labvisits.services import (
    lab_visit_cancel,
    lab_visit_checkin,
    lab_visit_decide,
    visit_slot_create,
)
from portal.choices import District
from reminders.models import Reminder
from tests import factories
from tests.labvisits.conftest import open_door, request_visit

pytestmark = pytest.mark.django_db
State = LabVisit.State


@pytest.fixture
def sem(inst_a):
    return factories.InstrumentFactory(lab=inst_a.lab, name="扫描电镜", name_en="SEM")


@pytest.fixture
def sem_slot(inst_a, sem):
    return factories.VisitSlotFactory(lab=inst_a.lab, instrument=sem, capacity=2)


def raises(code: str, func, **kwargs):
    with pytest.raises(LabVisitError) as error:
        func(**kwargs)
    assert error.value.code == code, error.value.message


def test_contact_offers_machine_time_only_on_an_instrument_of_the_lab(inst_a, inst_b, sem):
    starts = timezone.now() + datetime.timedelta(days=3)
    slot = visit_slot_create(
        lab=inst_a.lab,
        by=inst_a.contact,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        capacity=2,
        instrument=sem,
    )
    assert slot.instrument == sem and slot.lab == inst_a.lab
    raises(
        "instrument_lab",
        visit_slot_create,
        lab=inst_b.lab,
        by=inst_b.contact,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        capacity=2,
        instrument=sem,
    )
    sem.active = False
    sem.save()
    raises(
        "instrument_lab",
        visit_slot_create,
        lab=inst_a.lab,
        by=inst_a.contact,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        capacity=2,
        instrument=sem,
    )


def test_machine_time_request_holds_operator_places_and_is_worded_as_machine_time(
    inst_a, member_a, member_b, sem_slot
):
    visit = request_visit(member_a, sem_slot, group_size=2, purpose="铝合金断口 3 件，观察断口形貌")
    assert lab_visit_is_machine_time(visit) and visit.state == State.REQUESTED
    assert visit.purpose == "铝合金断口 3 件，观察断口形貌"
    raises("full", request_visit, user=member_b, slot=sem_slot, group_size=1)

    note = Notification.objects.get(user=inst_a.contact)  # a Chinese-speaking contact
    assert "机时" in note.subject and "扫描电镜" in note.subject
    assert "样品及检测项目" in note.body and "铝合金断口" in note.body
    assert "参观" not in note.subject


def test_plain_lab_visits_keep_their_wording(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    assert not lab_visit_is_machine_time(visit)
    note = Notification.objects.get(user=inst_a.contact)
    assert "参观" in note.subject and "机时" not in note.subject


def test_inactive_instrument_takes_no_requests(member_a, sem, sem_slot):
    sem.active = False
    sem.save()
    raises("not_accepting", request_visit, user=member_a, slot=sem_slot, group_size=1)


def test_contact_approves_machine_time_with_ticket_calendar_and_reminders(
    inst_a, member_b, sem_slot, django_capture_on_commit_callbacks
):
    """member_b reads English: the notice, the calendar and the reminder say machine time."""
    visit = request_visit(member_b, sem_slot, group_size=1)
    with django_capture_on_commit_callbacks(execute=True):
        lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    note = Notification.objects.get(user=member_b)
    assert note.subject.startswith("Machine time approved: SEM")
    assert "machine-time request has been approved" in note.body
    assert "Number of operators: 1" in note.body
    ics = lab_visit_ics(visit=visit, language="en", address="x", institution_title="Inst")
    assert "Machine time: SEM" in ics

    reminder = Reminder.objects.filter(lab_visit=visit, channel=Reminder.Channel.EMAIL).first()
    target = LabVisitTarget()
    assert target.label(reminder).startswith("仪器机时")  # staff's label, default language
    context = target.context(reminder, language="en", user=member_b)
    assert context["machine_time"] and context["instrument"].name_en == "SEM"


def test_declining_and_cancelling_machine_time_free_the_places(
    inst_a, member_a, member_b, sem_slot
):
    first = request_visit(member_a, sem_slot, group_size=2)
    lab_visit_decide(visit=first, by=inst_a.contact, approve=False, reason="设备检修")
    second = request_visit(member_b, sem_slot, group_size=2)
    lab_visit_cancel(visit=second, by=member_b, reason="样品未备齐")
    assert instrument_free_slots(instrument=sem_slot.instrument)[0].places_left == 2
    assert Notification.objects.filter(user=member_a, subject__contains="机时").exists()


def test_the_door_checks_machine_time_in_like_a_visit(inst_a, member_a, sem_slot):
    visit = request_visit(member_a, sem_slot, group_size=1)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    open_door(sem_slot)
    visit = lab_visit_checkin(visit=visit, by=inst_a.contact)
    assert visit.checked_in_at is not None


def test_catalogue_reads(inst_a, inst_b, sem, sem_slot):
    xrd = factories.InstrumentFactory(
        lab=inst_b.lab, name="X射线衍射仪", name_en="X-ray diffractometer", field="metrology"
    )
    hidden = factories.InstrumentFactory(lab=inst_b.lab, name="停用仪器", active=False)
    assert set(instrument_list()) == {sem, xrd}
    assert list(instrument_list(field="metrology")) == [xrd]
    assert list(instrument_list(institution_id=inst_a.page.pk)) == [sem]
    assert list(instrument_list(query="diffract")) == [xrd]
    assert set(instrument_list(query="形貌")) == {sem, xrd}  # the factory's capability
    assert hidden not in instrument_list()
    # Machine time is not offered as a lab visit on the lab-visit page.
    offer = next(o for o in lab_offer_list() if o.lab == inst_a.lab)
    assert sem_slot not in offer.slots and inst_a.slot in offer.slots
    # Only slots that have not started and have places left.
    past = factories.VisitSlotFactory(
        lab=inst_a.lab,
        instrument=sem,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert instrument_free_slots(instrument=sem) == [sem_slot]
    assert past not in instrument_free_slots(instrument=sem)


def test_machine_time_counts_per_institution_and_field(inst_a, member_a, member_b, sem_slot):
    attended = request_visit(member_a, sem_slot, group_size=1)
    lab_visit_decide(visit=attended, by=inst_a.contact, approve=True)
    open_door(sem_slot)
    lab_visit_checkin(visit=attended, by=inst_a.contact)
    request_visit(member_b, sem_slot, group_size=1)
    request_visit(member_a, inst_a.slot)  # a lab visit: not machine time
    rows = machine_time_counts()
    assert rows == [
        {
            "institution_id": inst_a.page.pk,
            "field": "materials",
            "requests": 2,
            "approved": 1,
            "attended": 1,
        }
    ]
    later = timezone.localdate() + datetime.timedelta(days=30)
    assert machine_time_counts(date_from=later) == []
    district = inst_a.page.district
    assert machine_time_counts(area=district) == rows
    other = next(d for d in District.values if d != district)
    assert machine_time_counts(area=other) == []
    with translation.override("en"):
        assert sem_slot.instrument.display_name == "SEM"
