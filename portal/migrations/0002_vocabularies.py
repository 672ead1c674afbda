from django.db import migrations

FIELDS = [
    "automotive", "electronics", "materials", "food", "environment",
    "medical", "engineering", "equipment", "energy", "consumer",
]
SERVICES = ["consulting", "diagnosis", "certification"]


def create(apps, schema_editor):
    SectorField = apps.get_model("portal", "SectorField")
    ServiceType = apps.get_model("portal", "ServiceType")
    for order, code in enumerate(FIELDS):
        SectorField.objects.update_or_create(code=code, defaults={"sort_order": order})
    for order, code in enumerate(SERVICES):
        ServiceType.objects.update_or_create(code=code, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
