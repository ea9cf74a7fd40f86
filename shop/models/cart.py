"""The cart: kept in the database, one per signed-in customer, one per anonymous session."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shop.models.catalogue import Variant


class Cart(models.Model):
    # Null for an anonymous cart, which the session names by its id.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="cart",
        on_delete=models.CASCADE,
    )
    # The discount code the shopper entered, applied while it still may be.
    discount_code = models.ForeignKey(
        "shop.DiscountCode", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"Cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey(Variant, related_name="+", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_variant_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="cart_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"
