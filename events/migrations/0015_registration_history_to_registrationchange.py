"""Every row of a registration's history moves to the shared shape (``RegistrationChange``,
a ``portal.models.StateChange``): who, when, from, to and the note are kept as they are;
``event`` is the new status, or ``changed`` when the status stayed. Rows keep their order
(copied in primary-key order, with their moment). Backwards, the rows go back.
"""

from django.db import migrations

BATCH = 1000


def _event(from_status: str, to_status: str) -> str:
    # As events.services.registration.registration_change_event (migrations copy, not import).
    return "changed" if from_status == to_status else to_status


def forwards(apps, schema_editor):
    StatusChange = apps.get_model("events", "StatusChange")
    RegistrationChange = apps.get_model("events", "RegistrationChange")
    last = 0
    while True:
        rows = list(StatusChange.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        RegistrationChange.objects.bulk_create(
            RegistrationChange(
                registration_id=row.registration_id,
                event=_event(row.from_status, row.to_status),
                from_state=row.from_status,
                to_state=row.to_status,
                changed_by_id=row.changed_by_id,
                note=row.note,
                created_at=row.changed_at,
            )
            for row in rows
        )
        last = rows[-1].pk


def backwards(apps, schema_editor):
    StatusChange = apps.get_model("events", "StatusChange")
    RegistrationChange = apps.get_model("events", "RegistrationChange")
    last = 0
    while True:
        rows = list(RegistrationChange.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        StatusChange.objects.bulk_create(
            StatusChange(
                registration_id=row.registration_id,
                from_status=row.from_state,
                to_status=row.to_state,
                changed_by_id=row.changed_by_id,
                note=row.note[:200],
                changed_at=row.created_at,
            )
            for row in rows
        )
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("events", "0014_registrationchange")]

    operations = [migrations.RunPython(forwards, backwards)]
