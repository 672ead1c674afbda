"""On PostgreSQL: an expert never has two overlapping confirmed consultations.

An exclusion constraint on (expert, time range) for confirmed rows. It needs btree_gist for
the equality on ``expert_id``. SQLite has no such constraint; there the booking service
checks for overlaps inside its transaction, which holds SQLite's single write lock.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CREATE = """
ALTER TABLE consultations_consultation
ADD CONSTRAINT consultation_expert_no_overlap
EXCLUDE USING gist (
    expert_id WITH =,
    tstzrange(starts_at, ends_at, '[)') WITH &&
) WHERE (state = 'confirmed')
"""
DROP = "ALTER TABLE consultations_consultation DROP CONSTRAINT consultation_expert_no_overlap"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(create, drop),
    ]
