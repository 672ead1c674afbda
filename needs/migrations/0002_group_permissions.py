"""Let regulator staff see needs and their offers in the "Enterprise services" admin menu.

Both regulator groups read needs and offers (rows change only through the public pages'
services). Enterprises, institution contacts and experts work on the public site and get no
admin permission.
"""

from django.db import migrations

APP_LABEL = "needs"
GRANTS = {
    "Regulator editors": ["view_need", "view_offer"],
    "Regulator approvers": ["view_need", "view_offer"],
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
        ("needs", "0001_initial"),
        ("cms", "0003_groups_and_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
