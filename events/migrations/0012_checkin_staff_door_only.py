"""Check-in staff get the door screen only: no registration lists or their exports of every
session (full names of everyone, PIPL's minimisation). The door screen needs ``check_in``
alone; regulator staff keep the lists."""

from django.db import migrations

GROUP = "Check-in staff"
TAKEN = ["view_registration"]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="events", codename__in=TAKEN)
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="events", codename__in=TAKEN)
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0011_override_checkin_group_permission")]

    operations = [migrations.RunPython(forwards, backwards)]
