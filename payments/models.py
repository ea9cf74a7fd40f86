"""The transaction history finance reads (every payment attempt, capture, failure, refund,
dispute and reversal is a row) and the inbox of webhooks as they arrived."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum

from shop.models import Order


class PaymentQuerySet(models.QuerySet):
    def total(self) -> Decimal:
        """The rows' amounts added up, to the cent (SQLite adds decimals as floats)."""
        total = self.aggregate(total=Sum("amount"))["total"] or 0
        return Decimal(total).quantize(Decimal("0.01"))


class Payment(models.Model):
    class Kind(models.TextChoices):
        ATTEMPT = "attempt", "Attempt"
        CAPTURE = "capture", "Capture"
        FAILURE = "failure", "Failure"
        REFUND = "refund", "Refund"
        DISPUTE = "dispute", "Dispute"
        REVERSAL = "reversal", "Reversal"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # an attempt under way, a refund not confirmed yet
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, related_name="payments", on_delete=models.PROTECT)
    provider = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUCCEEDED)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    # The provider's own id for this attempt, capture, refund, …; empty until the provider
    # has answered a refund request.
    reference = models.CharField(max_length=255, blank=True)
    # For refunds, disputes and reversals: the capture they take money from.
    capture_reference = models.CharField(max_length=255, blank=True)
    # A refund asked for by staff: order line id → units going back on sale, and whether a
    # full refund cancels the (unshipped) order.
    restock = models.JSONField(default=dict, blank=True)
    cancels_order = models.BooleanField(default=False)
    # A refund asked for by staff: order line id → the goods it gives back before tax, which
    # come out of that line's seller (empty: the store's, such as a goodwill amount).
    line_amounts = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When the provider confirmed it (a capture's or refund's date for the reports).
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "reference"], condition=~Q(reference=""),
                name="payment_reference_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "capture_reference"], name="payment_capture_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.provider})"


class WebhookEvent(models.Model):
    """One webhook as it arrived, stored once per (provider, event id) after its signature
    was checked, then applied. Staff replay the ones that failed or wait."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"  # stored, being applied
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"  # a type or an order this shop does not act on
        WAITING = "waiting", "Waiting"  # e.g. a refund before its capture: applied after it
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.TextField(help_text="The body exactly as it arrived.")
    verified_by = models.CharField("signature", max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    order_number = models.CharField(max_length=20, blank=True, db_index=True)
    capture_reference = models.CharField(max_length=255, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # When its personal fields were redacted (payments.retention): empty while it is whole.
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_unique"),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="webhook_status_idx")]
        permissions = [("replay_webhookevent", "Can replay webhook events")]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"
