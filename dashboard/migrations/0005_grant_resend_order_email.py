"""The roles that send an order's last email again (dashboard.roles) get the permission."""

from django.db import migrations

from dashboard import roles


def grant(apps, schema_editor):
    roles.grant_to_roles(apps, {"shop.resend_order_email"})


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0004_staff_invitations"),
        ("shop", "0013_resend_order_email"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
