"""Names the site after the store, so account emails speak in the store's name."""

from django.conf import settings
from django.db import migrations


def name_the_site(apps, schema_editor):
    site = apps.get_model("sites", "Site")
    domain = settings.ALLOWED_HOSTS[0].lstrip(".") if settings.ALLOWED_HOSTS else "localhost"
    site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"name": settings.STORE_NAME, "domain": domain}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(name_the_site, migrations.RunPython.noop)]
