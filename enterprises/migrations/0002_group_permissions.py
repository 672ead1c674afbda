"""Give regulator staff what the "Enterprise services" admin menu needs for enterprises.

Both regulator groups see enterprises and their members; approvers also change them, which
is what marking an enterprise verified requires (and ``verify_enterprise`` as well, should
the model ever declare it). Phones stay masked unless a group holds
``events.view_full_phone`` (approvers do, from events 0006).
"""

from django.db import migrations

from portal.grants import group_grants

APP_LABEL = "enterprises"
GRANTS = {
    "Regulator editors": ["view_enterprise", "view_membership"],
    "Regulator approvers": [
        "view_enterprise",
        "change_enterprise",
        "verify_enterprise",
        "view_membership",
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0001_initial"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
