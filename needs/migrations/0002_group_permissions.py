"""Let regulator staff see needs and their offers in the "Enterprise services" admin menu.

Both regulator groups read needs and offers (rows change only through the public pages'
services). Enterprises, institution contacts and experts work on the public site and get no
admin permission.
"""

from django.db import migrations

from portal.grants import group_grants

APP_LABEL = "needs"
GRANTS = {
    "Regulator editors": ["view_need", "view_offer"],
    "Regulator approvers": ["view_need", "view_offer"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0001_initial"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
