"""The owner gets the permission to close a customer's account and erase their personal data
from the admin, with the rest of the staff administration (dashboard.roles)."""

from django.db import migrations

from dashboard import roles


def grant(apps, schema_editor):
    roles.grant_to_roles(apps, {"shop.erase_user"})


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0011_daily_rollups"),
        ("shop", "0020_privacy"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
