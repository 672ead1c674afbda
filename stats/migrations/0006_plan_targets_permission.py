"""Let regulator approvers (who edit the site settings) update the plan targets and the
regional figures."""

from django.db import migrations

from portal.grants import group_grants

GROUP = "Regulator approvers"

APP_LABEL = "stats"
GRANTS = {GROUP: ["change_plantargets"]}


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0005_enterprise_service_stat_and_plan_targets"),
        ("stats", "0002_statistics_group_permissions"),
    ]

    operations = [group_grants(APP_LABEL, GRANTS)]
