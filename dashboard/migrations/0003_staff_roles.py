"""The staff roles as groups, with the permissions dashboard.roles gives them. The
permissions are made first (Django makes them only after every migration has run), for
every installed app's models as they are now: the apps whose migrations run after this one
have their permissions too. Roles that exist already are left as they are: the owner may
have edited them."""

from django.db import migrations

from dashboard import roles


def make_roles(apps, schema_editor):
    every = roles.permission_ids(apps)
    Group = apps.get_model("auth", "Group")
    for role in roles.ROLES:
        group, made = Group.objects.get_or_create(name=role)
        if made:
            held = roles.permissions_of(role, set(every))
            group.permissions.set([every[name] for name in held if name in every])


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dashboard", "0002_staff_role_permissions"),
        ("payments", "0004_staff_role_permissions"),
        ("shop", "0012_staff_role_permissions"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
