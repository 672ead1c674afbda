"""Let regulator approvers (who edit the site settings) update the plan targets and the
regional figures."""

from django.db import migrations

GROUP = "Regulator approvers"


def _ensure_permissions(apps):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    app_config = global_apps.get_app_config("stats")
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
    permission = Permission.objects.get(content_type__app_label="stats", codename="change_plantargets")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="stats", codename="change_plantargets"
    ).first()
    if permission is None:
        return
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0005_enterprise_service_stat_and_plan_targets"),
        ("stats", "0002_statistics_group_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
