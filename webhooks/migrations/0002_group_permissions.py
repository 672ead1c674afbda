"""Give regulator approvers the webhooks admin: they manage the endpoints (whose signing
secrets they see), see the deliveries and retry failed ones. Nobody else gets it by default."""

from django.db import migrations

from portal.grants import group_grants

APP_LABEL = "webhooks"
GRANTS = {
    "Regulator approvers": [
        "add_endpoint",
        "change_endpoint",
        "delete_endpoint",
        "view_endpoint",
        "view_delivery",
        "change_delivery",
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
