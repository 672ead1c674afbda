from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("events", "0015_registration_history_to_registrationchange")]

    operations = [migrations.DeleteModel(name="StatusChange")]
