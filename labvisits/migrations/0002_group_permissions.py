"""Give regulator staff what the "Enterprise services" admin menu needs for lab visits, and
make sure the "Institution contacts" group exists.

Both regulator groups see lab visits and manage visit slots for any lab. Institution
contacts get no admin permission at all: they work on the public site's contact dashboard,
which shows only their own institution's labs (the admin would show every institution's).
"""

from django.db import migrations

APP_LABEL = "labvisits"
_VISIT_SLOTS = [f"{action}_visitslot" for action in ("add", "change", "delete", "view")]
GRANTS = {
    "Regulator editors": ["view_labvisit", *_VISIT_SLOTS],
    "Regulator approvers": ["view_labvisit", *_VISIT_SLOTS],
    "Institution contacts": [],
}


def _ensure_permissions(apps):
    # Permissions are normally created after all migrations ran (post_migrate); create them
    # now so that a fresh database gets the grants in the same `migrate`.
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    app_config = global_apps.get_app_config(APP_LABEL)
    original = app_config.models_module
    app_config.models_module = original or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = original


def forwards(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=APP_LABEL, codename__in=codenames)
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label=APP_LABEL, codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("labvisits", "0001_initial"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
