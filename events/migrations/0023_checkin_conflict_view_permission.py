"""Regulator staff see the tickets presented twice at the door (the admin's list over all
sessions); check-in staff see their session's on its check-in screen."""

from django.db import migrations

from portal.grants import group_grants

GROUPS = ["Regulator editors", "Regulator approvers"]
CODENAME = "view_checkinconflict"

APP_LABEL = "events"
GRANTS = {name: [CODENAME] for name in GROUPS}


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0022_checkin_conflict"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
