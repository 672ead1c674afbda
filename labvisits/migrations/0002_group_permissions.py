"""Give regulator staff what the "Enterprise services" admin menu needs for lab visits, and
make sure the "Institution contacts" group exists.

Both regulator groups see lab visits and manage visit slots for any lab. Institution
contacts get no admin permission at all: they work on the public site's contact dashboard,
which shows only their own institution's labs (the admin would show every institution's).
"""

from django.db import migrations

from portal.grants import group_grants

APP_LABEL = "labvisits"
_VISIT_SLOTS = [f"{action}_visitslot" for action in ("add", "change", "delete", "view")]
GRANTS = {
    "Regulator editors": ["view_labvisit", *_VISIT_SLOTS],
    "Regulator approvers": ["view_labvisit", *_VISIT_SLOTS],
    "Institution contacts": [],
}


class Migration(migrations.Migration):
    dependencies = [
        ("labvisits", "0001_initial"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
