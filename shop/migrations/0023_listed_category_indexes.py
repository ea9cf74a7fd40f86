"""A department's listed products by category (partial indexes of what shoppers see).

At 200,000 products a department (41 categories, 50,000 products) listed by price and
bounded by the stored prices read both whole indexes, the category's and the price's, to
intersect them for 90 products; and the first matches the facets count among were found by
passing over 23,000 other departments' products in price order.
"""

from django.db import migrations, models

LISTED = models.Q(("is_active", True), ("seller_listed", True))


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0022_trigram_similarity_cost"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="product",
            index=models.Index(condition=LISTED, fields=["category", "lowest_price"],
                               name="product_category_lowest"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(condition=LISTED, fields=["category", "-highest_price"],
                               name="product_category_highest"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(condition=LISTED, fields=["category", "id"],
                               name="product_category_listed"),
        ),
    ]
