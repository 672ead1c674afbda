"""Regulator approvers may check a ticket in outside its check-in time, with a reason."""

from django.db import migrations

from portal.grants import group_grants

APP_LABEL = "events"
GRANTS = {"Regulator approvers": ["override_checkin"]}


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0010_checkin_nonce_override"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
