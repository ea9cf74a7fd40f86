"""The transaction history finance reads: every capture, failure and refund is a row."""

from django.db import models

from shop.models import Order


class Payment(models.Model):
    class Kind(models.TextChoices):
        CAPTURE = "capture", "Capture"
        FAILURE = "failure", "Failure"
        REFUND = "refund", "Refund"

    order = models.ForeignKey(Order, related_name="payments", on_delete=models.PROTECT)
    provider = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    # The provider's own id for this capture, failure or refund.
    reference = models.CharField(max_length=255)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "reference"], name="payment_reference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.provider})"
