"""The roles get the permission to clear or cancel orders held for review where
dashboard.roles says they hold it: owners, managers and finance."""

from django.db import migrations

from dashboard import roles


def grant(apps, schema_editor):
    roles.grant_to_roles(apps, {"shop.review_order"})


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0009_demand_forecasts"),
        ("shop", "0019_order_risk"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
