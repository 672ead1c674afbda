"""The moderation workflow and its task are named in Chinese, the admin's default language.

Wagtail stores a workflow's name as one string and shows it as it is inside its own
translated labels ("提交给%(workflow_name)s"), so the English names made by 0003 showed up
inside the Chinese admin as "提交给Regulator review".
"""

from django.db import migrations

NAMES = {
    # model: (old name, new name)
    "Workflow": ("Regulator review", "监管部门审核"),
    "Task": ("Approver review", "审批人审核"),
}


def rename(apps, *, old: int, new: int) -> None:
    for model, names in NAMES.items():
        apps.get_model("wagtailcore", model).objects.filter(name=names[old]).update(
            name=names[new]
        )


def forwards(apps, schema_editor):
    rename(apps, old=0, new=1)


def backwards(apps, schema_editor):
    rename(apps, old=1, new=0)


class Migration(migrations.Migration):
    dependencies = [("cms", "0004_site_settings_privacy_page")]
    operations = [migrations.RunPython(forwards, backwards)]
