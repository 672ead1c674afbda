"""The database refuses what the shared-instrument rules forbid, without the services: a
machine-time slot in another lab than its instrument's, an instrument whose lab belongs to
another institution or that moves away from its slots, an empty name, a field that is not a
plan field (migration labvisits 0006: check constraints and triggers)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from labvisits.models import Instrument, VisitSlot
from tests import factories

pytestmark = pytest.mark.django_db


def refused(action) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


def test_a_machine_time_slot_must_be_in_its_instruments_lab(inst_a, inst_b):
    sem = factories.InstrumentFactory(lab=inst_a.lab)
    slot = factories.VisitSlotFactory(lab=inst_a.lab, instrument=sem)
    assert slot.instrument == sem

    refused(lambda: factories.VisitSlotFactory(lab=inst_b.lab, instrument=sem))
    refused(lambda: VisitSlot.objects.filter(pk=slot.pk).update(lab=inst_b.lab))
    refused(lambda: VisitSlot.objects.filter(pk=inst_b.slot.pk).update(instrument=sem))


def test_an_instrument_without_a_lab_cannot_have_machine_time(inst_a):
    listed_only = factories.InstrumentFactory(institution=inst_a.page)
    assert listed_only.lab is None
    refused(lambda: factories.VisitSlotFactory(lab=inst_a.lab, instrument=listed_only))


def test_an_instruments_lab_belongs_to_its_institution(inst_a, inst_b):
    refused(lambda: factories.InstrumentFactory(institution=inst_a.page, lab=inst_b.lab))
    sem = factories.InstrumentFactory(lab=inst_a.lab)
    refused(lambda: Instrument.objects.filter(pk=sem.pk).update(lab=inst_b.lab))
    refused(lambda: Instrument.objects.filter(pk=sem.pk).update(institution=inst_b.page))


def test_an_instrument_with_slots_does_not_move_to_another_lab(inst_a):
    sem = factories.InstrumentFactory(lab=inst_a.lab)
    factories.VisitSlotFactory(lab=inst_a.lab, instrument=sem)
    other_lab = factories.LabFactory(institution=inst_a.page)
    refused(lambda: Instrument.objects.filter(pk=sem.pk).update(lab=other_lab))
    # Without slots it may move within its institution.
    idle = factories.InstrumentFactory(lab=inst_a.lab)
    Instrument.objects.filter(pk=idle.pk).update(lab=other_lab)
    idle.refresh_from_db()
    assert idle.lab == other_lab


def test_an_instrument_needs_a_name_and_a_plan_field(inst_a):
    refused(lambda: factories.InstrumentFactory(lab=inst_a.lab, name=""))
    refused(lambda: factories.InstrumentFactory(lab=inst_a.lab, field="astrology"))


def test_a_booked_instrument_cannot_be_deleted(inst_a):
    sem = factories.InstrumentFactory(lab=inst_a.lab)
    factories.VisitSlotFactory(lab=inst_a.lab, instrument=sem)
    with pytest.raises(ProtectedError):
        sem.delete()
