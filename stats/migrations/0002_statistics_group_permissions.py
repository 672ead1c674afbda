"""Let regulator editors and approvers see the statistics dashboard and reports."""

from django.db import migrations

from portal.grants import group_grants

GROUPS = ("Regulator editors", "Regulator approvers")

APP_LABEL = "stats"
GRANTS = {name: ["view_statistics"] for name in GROUPS}


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_initial"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
