"""What the recommendation rows are read from: the tables a rebuild writes
(recommendations.services), never edited by hand."""

from django.db import models

from shop.models import Product


class ProductLink(models.Model):
    """`other` is recommended beside `product` by one source, with its score (higher first).
    Each product keeps its best scoring.TOP of each source."""

    class Source(models.TextChoices):
        BOUGHT = "bought", "Customers also bought"
        SIMILAR = "similar", "Similar products"

    product = models.ForeignKey(Product, related_name="+", on_delete=models.CASCADE)
    other = models.ForeignKey(Product, related_name="+", on_delete=models.CASCADE)
    source = models.CharField(max_length=10, choices=Source.choices)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "source", "other"],
                                    name="product_link_once"),
            models.CheckConstraint(condition=~models.Q(product=models.F("other")),
                                   name="product_link_not_to_itself"),
        ]
        indexes = [models.Index(fields=["product", "source", "-score"],
                                name="product_link_best_first")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.product_id} → {self.other_id} ({self.source} {self.score:.3f})"


class ProductScore(models.Model):
    """How well a product sells: `sold`, the paid orders holding it in the last
    BEST_SELLER_DAYS; `trending`, its page's views and its paid orders in the last
    TRENDING_DAYS (an order weighing as much as ORDER_WEIGHT views)."""

    product = models.OneToOneField(Product, primary_key=True, related_name="+",
                                   on_delete=models.CASCADE)
    sold = models.PositiveIntegerField(default=0)
    trending = models.FloatField(default=0)

    class Meta:
        indexes = [models.Index(fields=["-sold"], name="product_score_sold"),
                   models.Index(fields=["-trending"], name="product_score_trending")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.product_id}: {self.sold} sold, trending {self.trending:.1f}"
