"""Orders: shipping methods, the order with its snapshot of lines, and its timeline.

The status machine lives here, next to the statuses it names; services enforce it.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Round
from django.urls import reverse
from django.utils import timezone

from shop.models.addresses import PostalAddress
from shop.models.cart import Cart
from shop.models.catalogue import Variant

MONEY = {"max_digits": 12, "decimal_places": 2}


class ShippingMethod(models.Model):
    name = models.CharField(max_length=80)
    description = models.CharField(
        max_length=200, blank=True, help_text="For example “2–4 working days”."
    )
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    free_above = models.DecimalField(
        "free from", max_digits=10, decimal_places=2, null=True, blank=True,
        help_text="Free when the cart's subtotal reaches this amount. Leave empty for never.",
    )
    is_active = models.BooleanField("offered", default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "price", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="shipping_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Order(PostalAddress):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    number = models.CharField(max_length=20, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="orders",
        on_delete=models.SET_NULL,
    )
    email = models.EmailField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT
    )
    needs_review = models.BooleanField(
        default=False, help_text="The payment did not match the order, or looked risky."
    )
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY)
    shipping_total = models.DecimalField("shipping", **MONEY)
    tax_total = models.DecimalField("tax", **MONEY)
    discount_total = models.DecimalField("discount", default=Decimal("0.00"), **MONEY)
    # The part of the discount taken off the shipping (a free-shipping code); the rest is
    # the lines' own `discount`.
    shipping_discount = models.DecimalField(default=Decimal("0.00"), **MONEY)
    total = models.DecimalField(**MONEY)
    # What providers captured and refunded: normally the total and then refunds of it, but a
    # mismatched or late payment is captured all the same, and refunded from what it was.
    captured_total = models.DecimalField("captured", default=Decimal("0.00"), **MONEY)
    refunded_total = models.DecimalField("refunded", default=Decimal("0.00"), **MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    shipping_method = models.ForeignKey(
        ShippingMethod, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    shipping_method_name = models.CharField("shipping method", max_length=80)
    payment_provider = models.CharField(max_length=20)
    # Why the last payment attempt failed, in words for the shopper; cleared when they try
    # again or the order is paid. The order page and the return page show it.
    payment_failure = models.CharField(max_length=255, blank=True, editable=False)
    # The cart the order came from: it keeps its lines until the order is paid, so a shopper
    # whose payment fails still has them. Empty for orders from before it was kept.
    cart = models.ForeignKey(
        Cart, null=True, blank=True, related_name="orders", on_delete=models.SET_NULL,
        editable=False,
    )
    tracking_number = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField("placed", auto_now_add=True, db_index=True)
    # Fixed when the order is placed, so every process expires it at the same moment whatever
    # its own ORDER_PAYMENT_TIMEOUT_MINUTES says. Empty only on orders from before it was kept.
    pay_by = models.DateTimeField(
        "pay by", null=True, blank=True, help_text="Unpaid at this moment, the order expires."
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    # Whether the customer (the email address) had paid for an order before this one, set
    # when it is paid: the dashboard counts new and returning customers from it.
    is_repeat_purchase = models.BooleanField(default=False, editable=False)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was cancelled or expired."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Beside the model's own: what the staff roles (dashboard.roles) split up. Changing
        # an order in the admin is its review flag and notes.
        permissions = [
            ("fulfil_order", "Can mark orders shipped and delivered"),
            ("cancel_order", "Can cancel unpaid orders"),
            ("refund_order", "Can refund orders"),
            ("resend_order_email", "Can send an order's last email again"),
            ("review_order", "Can clear or cancel orders held for review"),
        ]
        constraints = [
            models.CheckConstraint(
                # Rounded to the cent: SQLite adds decimals as floating point.
                condition=Q(
                    total=Round(
                        F("subtotal") + F("shipping_total") + F("tax_total")
                        - F("discount_total"),
                        2,
                    )
                ),
                name="order_total_adds_up",
                violation_error_message="The total must be subtotal + shipping + tax − discount.",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, shipping_total__gte=0, tax_total__gte=0,
                            discount_total__gte=0, total__gte=0, shipping_discount__gte=0,
                            shipping_discount__lte=F("shipping_total")),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    captured_total__gte=0, refunded_total__gte=0,
                    refunded_total__lte=F("captured_total"),
                ),
                name="order_refund_within_captured",
                violation_error_message="More cannot be refunded than was captured.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="order_status_created"),
            models.Index(fields=["user", "-created_at"], name="order_user_newest"),
            models.Index(
                fields=["needs_review"], condition=Q(needs_review=True), name="order_needs_review"
            ),
            # The dashboard's and the reports' figures are by the day orders were paid.
            models.Index(
                fields=["paid_at"], condition=Q(paid_at__isnull=False), name="order_paid_at"
            ),
            # A customer is an email address, in any case.
            models.Index(Lower("email"), "paid_at", name="order_customer_paid"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("shop:order-detail", args=[self.number])

    @property
    def totals(self) -> dict:
        return {"subtotal": self.subtotal, "shipping": self.shipping_total, "tax": self.tax_total,
                "discount": self.discount_total, "total": self.total}

    @property
    def discount_rows(self) -> list[tuple[str, Decimal]]:
        """Each promotion's part of the discount, named by its code or its own name."""
        return [(row.code_text or row.name, row.amount) for row in self.discounts.all()]

    @property
    def parcels(self) -> list[tuple]:
        """(shipment, its lines) per seller, for an order that leaves in several parcels;
        empty for one from a single shop, whose page shows it as a whole (and reads no
        shipments)."""
        lines = list(self.lines.all())
        if len({line.seller_id for line in lines}) < 2:
            return []
        return [(shipment, [line for line in lines if line.seller_id == shipment.seller_id])
                for shipment in self.shipments.select_related("seller")]

    @property
    def payment_deadline(self) -> datetime:
        return self.pay_by or self.created_at + timedelta(
            minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES
        )

    @property
    def is_open(self) -> bool:
        """Still waiting for its payment, with its stock reserved."""
        return self.status == self.Status.AWAITING_PAYMENT

    @property
    def can_be_paid(self) -> bool:
        """Open and before its deadline: the shopper may start (another) payment."""
        return self.is_open and self.payment_deadline > timezone.now()


# Paid and not yet shipped, nor refunded in full: cancelled only by refunding it in full.
PAID_UNSHIPPED = frozenset({Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED})
# Paid for and not wholly refunded: the customer bought what is in it.
PURCHASED = frozenset({
    Order.Status.PAID, Order.Status.PARTIALLY_SHIPPED, Order.Status.SHIPPED,
    Order.Status.DELIVERED, Order.Status.PARTIALLY_REFUNDED,
})

# Where each status may go next. Anything else is an illegal transition and raises.
TRANSITIONS: dict[str, frozenset[str]] = {
    Order.Status.AWAITING_PAYMENT: frozenset({
        Order.Status.PAID, Order.Status.CANCELLED, Order.Status.EXPIRED,
    }),
    Order.Status.PAID: frozenset({
        Order.Status.PARTIALLY_SHIPPED, Order.Status.SHIPPED, Order.Status.REFUNDED,
        Order.Status.PARTIALLY_REFUNDED, Order.Status.CANCELLED,
    }),
    # Refunded in part before it shipped: it may still ship, or be refunded in full.
    Order.Status.PARTIALLY_REFUNDED: frozenset({
        Order.Status.PARTIALLY_SHIPPED, Order.Status.SHIPPED, Order.Status.REFUNDED,
        Order.Status.CANCELLED,
    }),
    # Some sellers' shipments have left, others not yet: shipped once they all have.
    # Once shipped, a partial refund is an event on the timeline, not a status: the order
    # stays shipped or delivered and cannot ship again.
    Order.Status.PARTIALLY_SHIPPED: frozenset({Order.Status.SHIPPED, Order.Status.REFUNDED}),
    Order.Status.SHIPPED: frozenset({Order.Status.DELIVERED, Order.Status.REFUNDED}),
    Order.Status.DELIVERED: frozenset({Order.Status.REFUNDED}),
    Order.Status.CANCELLED: frozenset(),
    Order.Status.EXPIRED: frozenset(),
    Order.Status.REFUNDED: frozenset(),
}


class OrderLine(models.Model):
    """A line as it was bought: name, SKU, price and quantity are copied, never looked up."""

    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey(
        Variant, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    product_name = models.CharField(max_length=200)
    options = models.CharField(max_length=60, blank=True)
    sku = models.CharField("SKU", max_length=64)
    unit_price = models.DecimalField(**MONEY)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(**MONEY)
    # The promotions' share of the order's discount on this line, in cents: the line is paid
    # line_total minus discount, plus tax on that.
    discount = models.DecimalField(default=Decimal("0.00"), **MONEY)
    quantity_restocked = models.PositiveIntegerField(default=0)
    # Whose line it is: the seller ships it, is paid for it less the commission copied here
    # when it was bought, and bears the refunds made for it (`refunded`, before tax).
    seller = models.ForeignKey(
        "shop.Seller", related_name="order_lines", on_delete=models.PROTECT, db_default=1
    )
    commission_rate = models.DecimalField(
        "commission (%)", max_digits=5, decimal_places=2, default=Decimal("0")
    )
    refunded = models.DecimalField(default=Decimal("0.00"), **MONEY)
    payout = models.ForeignKey("shop.Payout", null=True, blank=True, related_name="lines",
                               on_delete=models.PROTECT)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=F("line_total")),
                name="order_line_discount_within_total",
            ),
            models.CheckConstraint(
                condition=Q(quantity_restocked__lte=F("quantity")),
                name="order_line_restock_within_quantity",
            ),
            models.CheckConstraint(
                # Rounded to the cent: SQLite subtracts decimals as floating point.
                condition=Q(refunded__gte=0,
                            refunded__lte=Round(F("line_total") - F("discount"), 2)),
                name="order_line_refund_within_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["variant", "order"], name="order_line_variant"),
            models.Index(fields=["seller", "order"], name="order_line_seller"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"

    @property
    def name(self) -> str:
        return f"{self.product_name} ({self.options})" if self.options else self.product_name

    @property
    def total(self) -> Decimal:
        return self.line_total

    @property
    def paid(self) -> Decimal:
        """The line after its share of the discount, before tax."""
        return self.line_total - self.discount


class OrderEvent(models.Model):
    """One entry of an order's timeline: what happened, when, who did it, and a note."""

    class Kind(models.TextChoices):
        PLACED = "placed", "Order placed"
        PAID = "paid", "Payment received"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        PAYMENT_MISMATCH = "payment_mismatch", "Payment needs review"
        RISK = "risk", "Held for review: risk"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired unpaid"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        PAYMENT_UPDATE = "payment_update", "Payment update"
        REFUNDED = "refunded", "Refunded"
        DISPUTED = "disputed", "Payment disputed"
        NOTE = "note", "Note"

    order = models.ForeignKey(Order, related_name="events", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
        on_delete=models.SET_NULL, help_text="Empty when the shop or a payment provider acted.",
    )
    is_internal = models.BooleanField(default=False, help_text="Shown to staff only.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.get_kind_display()}"


class OrderEmail(models.Model):
    """An email about an order, written in the transaction of the change it tells of and
    marked when it has gone: the task that sends it sends it once, however often it runs."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Order confirmed"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        CANCELLED = "cancelled", "Order cancelled"
        SHIPPED = "shipped", "Order shipped"
        REFUNDED = "refunded", "Refund"

    order = models.ForeignKey(Order, related_name="emails", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The parcel a "shipped" email is about, when the order leaves in several.
    shipment = models.ForeignKey("shop.Shipment", null=True, blank=True, related_name="+",
                                 on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.get_kind_display()}"
