"""Products a customer keeps for later."""

from django.conf import settings
from django.db import models

from shop.models.catalogue import Product


class WishlistItem(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="wishlist", on_delete=models.CASCADE
    )
    product = models.ForeignKey(Product, related_name="+", on_delete=models.CASCADE)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="wishlist_product_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.product_id}"
