"""The roles get the sellers' permissions where dashboard.roles says they hold them: owners
and managers everything about sellers, finance seeing them and recording payouts."""

from django.db import migrations

from dashboard import roles

SELLER_MODELS = ("seller", "sellerbranch", "sellermember", "shipment", "payout", "savedseller",
                 "sellerreview")


def grant(apps, schema_editor):
    every = roles.permission_ids(apps)
    names = {name for name in every
             if name.startswith("shop.") and name.rsplit("_", 1)[-1] in SELLER_MODELS}
    roles.grant_to_roles(apps, names | {"shop.review_seller", "shop.record_payout"})


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0005_role_permissions_revised"),
        ("shop", "0016_seller_reviews"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
