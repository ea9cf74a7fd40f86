"""The roles as dashboard.roles has them now, on a database that had them before: those that
send an order's last email again get the permission, and managers lose what would let them
act on other people's accounts (their email addresses, second factors, sessions)."""

from django.db import migrations

from dashboard import roles


def revise(apps, schema_editor):
    roles.grant_to_roles(apps, {"shop.resend_order_email"})
    every = roles.permission_ids(apps)
    Group = apps.get_model("auth", "Group")
    for manager in Group.objects.filter(name=roles.MANAGER):
        manager.permissions.remove(*(every[name] for name in roles.STAFF_ADMIN if name in every))


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0004_staff_invitations"),
        ("shop", "0013_resend_order_email"),
    ]

    operations = [migrations.RunPython(revise, migrations.RunPython.noop)]
