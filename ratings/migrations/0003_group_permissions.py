"""Regulator staff see the ratings and mark low ones handled (``ratings.change_rating``):
they get the notice of each low rating."""

from django.db import migrations

from portal.grants import group_grants

APP_LABEL = "ratings"
GRANTS = {
    "Regulator approvers": ["view_rating", "change_rating"],
    "Regulator editors": ["view_rating"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0002_copy_consultation_ratings"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
