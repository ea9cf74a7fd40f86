"""Shops a customer keeps for later, beside the products on their wishlist."""

from django.conf import settings
from django.db import models

from shop.models.sellers import Seller


class SavedSeller(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="saved_sellers", on_delete=models.CASCADE
    )
    seller = models.ForeignKey(Seller, related_name="+", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "seller"], name="saved_seller_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.seller_id}"
