"""What the shop knows of where an order came from and how it was paid, and the risk score
shop.risk works out from it: one row per order, written when it is placed and brought up to
date as its payment arrives."""

from django.db import models
from django.db.models import Q

from shop.models.orders import Order


class OrderRisk(models.Model):
    class Stage(models.TextChoices):
        PLACED = "placed", "When it was placed"
        PAID = "paid", "When it was paid"
        PROVIDER = "provider", "When the provider reported on the payment"

    order = models.OneToOneField(
        Order, primary_key=True, related_name="risk", on_delete=models.CASCADE
    )
    # The order's own time, copied so that the counts over a window use one table's index.
    placed_at = models.DateTimeField()
    # The email in lower case without a "+tag", and the street address in lower-case letters
    # and digits (its line1, postal code and country: not the flat, which a reshipper varies).
    email_key = models.CharField(max_length=254)
    address_key = models.CharField(max_length=200)
    client_ip = models.GenericIPAddressField("client address", null=True, blank=True)
    # Declined or failed payment tries on the order.
    failed_tries = models.PositiveIntegerField(default=0)
    # What the provider says of the payment, when it says it.
    card_fingerprint = models.CharField(max_length=64, blank=True)
    billing_country = models.CharField(max_length=2, blank=True)
    provider_risk_level = models.CharField(max_length=20, blank=True)
    provider_risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    seller_protection = models.CharField(max_length=30, blank=True)
    score = models.PositiveSmallIntegerField(default=0)
    reasons = models.JSONField(default=list)  # [{"rule": …, "points": …, "why": …}]
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.PLACED)
    assessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "order risk"
        indexes = [
            models.Index(fields=["email_key", "placed_at"], name="risk_email"),
            models.Index(fields=["address_key", "placed_at"], name="risk_address"),
            models.Index(fields=["client_ip", "placed_at"], name="risk_client"),
            models.Index(fields=["card_fingerprint", "placed_at"], name="risk_card",
                         condition=~Q(card_fingerprint="")),
            models.Index(fields=["placed_at", "score"], name="risk_placed"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.score}"
