from decimal import Decimal

from django.db import migrations

METHODS = [
    ("Standard", "3–5 working days", Decimal("5.00"), Decimal("75.00")),
    ("Express", "1–2 working days", Decimal("15.00"), None),
]


def add_methods(apps, schema_editor):
    """A new shop can take orders at once; staff change the rates in the admin."""
    ShippingMethod = apps.get_model("shop", "ShippingMethod")
    if ShippingMethod.objects.exists():
        return
    for position, (name, description, price, free_above) in enumerate(METHODS):
        ShippingMethod.objects.create(
            name=name, description=description, price=price, free_above=free_above,
            position=position,
        )


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_carts_orders_and_customers")]

    operations = [migrations.RunPython(add_methods, migrations.RunPython.noop)]
