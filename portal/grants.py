"""Group permissions given by data migrations: one operation, ``group_grants``, for every
app, so that each migration states only what it grants.

Core module: it imports no feature app (a migration names its app by label).
"""

from __future__ import annotations

from django.db import migrations


def permissions_create(apps, app_label: str) -> None:
    """Create ``app_label``'s model permissions now. Django creates them after all
    migrations ran (post_migrate); a fresh database must get its grants in the same
    ``migrate``."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    app_config = global_apps.get_app_config(app_label)
    original = app_config.models_module
    app_config.models_module = original or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = original


def group_grants(app_label: str, grants: dict[str, list[str]]) -> migrations.RunPython:
    """The operation giving each group (created if missing, as the staff groups of a fresh
    database are) the permissions of ``app_label`` named by codename; backwards it takes
    exactly those away again and keeps the groups."""

    def _permissions(apps, codenames: list[str]):
        Permission = apps.get_model("auth", "Permission")
        return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)

    def forwards(apps, schema_editor) -> None:
        permissions_create(apps, app_label)
        Group = apps.get_model("auth", "Group")
        for name, codenames in grants.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.add(*_permissions(apps, codenames))

    def backwards(apps, schema_editor) -> None:
        Group = apps.get_model("auth", "Group")
        for name, codenames in grants.items():
            group = Group.objects.filter(name=name).first()
            if group is not None:
                group.permissions.remove(*_permissions(apps, codenames))

    return migrations.RunPython(forwards, backwards)
