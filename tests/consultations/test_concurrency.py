"""20 enterprises grab the same slot at once, each from a thread with its own database
connection: exactly one consultation is active, all others get ``slot_taken``.

Runs on SQLite (IMMEDIATE transactions queue the writers) and on PostgreSQL (the slot row
lock, then the partial unique constraint)."""

from __future__ import annotations

from consultations.exceptions import ConsultationError
from consultations.models import ACTIVE_STATES, Consultation
from consultations.services import booking
from tests import factories
from tests.concurrency import run_at_once

RUSH = 20


def test_rush_of_20_enterprises_on_one_slot(transactional_db, django_db_serialized_rollback):
    slot = factories.SlotFactory()
    owners = [factories.UserFactory() for _ in range(RUSH)]
    enterprises = [factories.EnterpriseFactory(owner=owner) for owner in owners]

    def attempt(n: int):
        def job() -> str:
            booking.consultation_request(
                enterprise=enterprises[n],
                user=owners[n],
                service="consulting",
                topic="抢同一时段",
                description="d",
                contact_name="王经理",
                contact_phone="+8613800001111",
                slot=slot.pk,
            )
            return "booked"

        return job

    outcomes, errors = run_at_once([attempt(n) for n in range(RUSH)], expected=ConsultationError)

    assert errors == []
    assert sorted(outcomes) == ["booked"] + ["slot_taken"] * (RUSH - 1)
    assert Consultation.objects.filter(slot=slot, state__in=ACTIVE_STATES).count() == 1
    assert Consultation.objects.count() == 1
