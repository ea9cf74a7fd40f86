"""Names the site after the store, so account emails speak in the store's name."""

from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations


def name_the_site(apps, schema_editor):
    site = apps.get_model("sites", "Site")
    domain = settings.ALLOWED_HOSTS[0].lstrip(".") if settings.ALLOWED_HOSTS else "localhost"
    site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"name": settings.STORE_NAME, "domain": domain}
    )
    # The row was written with an explicit id; move the id sequence past it, as Django's own
    # default site does, so the next site added does not collide with it.
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [site]):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(name_the_site, migrations.RunPython.noop)]
