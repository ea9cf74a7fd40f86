import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """An order remembers the cart it came from (which keeps its lines until the order is
    paid) and why its last payment attempt failed (shown until the shopper tries again)."""

    dependencies = [("shop", "0009_product_search")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="cart",
            field=models.ForeignKey(
                blank=True, editable=False, null=True,
                on_delete=django.db.models.deletion.SET_NULL, related_name="orders",
                to="shop.cart",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="payment_failure",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
    ]
