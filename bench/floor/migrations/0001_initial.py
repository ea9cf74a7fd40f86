from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import migrations, models


def add_items(apps, schema_editor):
    Item = apps.get_model("floor", "Item")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    Item.objects.bulk_create(
        Item(name=f"Item {n:04d}", sku=f"FL-{n:04d}", price=Decimal(n % 200) + Decimal("0.95"),
             created_at=start + timedelta(hours=n))
        for n in range(1, 2001)
    )


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
                ("sku", models.CharField(max_length=32, unique=True)),
                ("price", models.DecimalField(decimal_places=2, max_digits=10)),
                ("created_at", models.DateTimeField()),
            ],
            options={"ordering": ["name"], "indexes": [models.Index(fields=["name"],
                                                                    name="floor_item_name_idx")]},
        ),
        migrations.RunPython(add_items, migrations.RunPython.noop),
    ]
