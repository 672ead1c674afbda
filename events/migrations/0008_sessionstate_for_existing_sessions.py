"""Every existing session gets its SessionState: registrants were told its current time.

Without it the first publish of an activity page would only create the snapshots; with it,
a time change made before this migration ran is not announced twice, and one made after
is announced.
"""

from django.db import migrations

BATCH = 1000


def forwards(apps, schema_editor):
    Session = apps.get_model("events", "Session")
    SessionState = apps.get_model("events", "SessionState")
    missing = Session.objects.filter(state__isnull=True).order_by("pk")
    while True:
        rows = list(missing.values_list("pk", "starts_at", "ends_at")[:BATCH])
        if not rows:
            return
        SessionState.objects.bulk_create(
            [
                SessionState(session_id=pk, notified_starts_at=starts, notified_ends_at=ends)
                for pk, starts, ends in rows
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0007_sessionstate")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
