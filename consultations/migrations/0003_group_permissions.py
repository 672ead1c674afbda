"""Give regulator staff what the "Enterprise services" admin menu needs for consultations.

Both regulator groups see consultations and manage experts' availability on their behalf
(weekly rules, exceptions). Approvers also assign or reassign an expert
(``assign_consultation``) and change consultations.
"""

from django.db import migrations

from portal.grants import group_grants

APP_LABEL = "consultations"
_AVAILABILITY = [
    f"{action}_{model}"
    for model in ("availability", "availabilityexception")
    for action in ("add", "change", "delete", "view")
]
GRANTS = {
    "Regulator editors": ["view_consultation", "view_slot", *_AVAILABILITY],
    "Regulator approvers": [
        "view_consultation",
        "change_consultation",
        "assign_consultation",
        "view_slot",
        *_AVAILABILITY,
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0002_consultation_no_overlap_postgres"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
