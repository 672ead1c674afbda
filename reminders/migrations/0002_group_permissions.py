"""Give the regulator groups what the reminders admin needs: approvers see reminders and
session notices and retry failed reminders; editors see both lists."""

from django.db import migrations

from portal.grants import group_grants

APP_LABEL = "reminders"
GRANTS = {
    "Regulator approvers": ["view_reminder", "change_reminder", "view_broadcast"],
    "Regulator editors": ["view_reminder", "view_broadcast"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
