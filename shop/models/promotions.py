"""Promotions: automatic offers and discount codes, and what each gave an order.

A promotion is the rule (what it takes off, on what, when, for whom); an automatic one
applies by itself, the others through their codes. Use limits are counted from the
`OrderDiscount` rows of orders that are not cancelled or expired, under a lock on the code
(shop.promotions.codes), so a use comes back when its order does not go ahead.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from shop.models.catalogue import Category, Product
from shop.models.orders import MONEY, Order


class Promotion(models.Model):
    class Benefit(models.TextChoices):
        PERCENT = "percent", "Percentage off"
        AMOUNT = "amount", "Amount off"
        FREE_SHIPPING = "free_shipping", "Free shipping"
        BUY_X_GET_Y = "buy_x_get_y", "Buy X, get Y free"

    name = models.CharField(
        max_length=100, help_text="What shoppers read, e.g. “20% off Knitwear”."
    )
    automatic = models.BooleanField(
        "automatic offer", default=False,
        help_text="Applies by itself, with no code. Otherwise shoppers enter one of its codes.",
    )
    benefit = models.CharField(max_length=20, choices=Benefit.choices)
    value = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="The percentage (1–100) or the amount off. Not used by free shipping or "
                  "buy X get Y.",
    )
    buy_quantity = models.PositiveIntegerField(
        "buy", null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="Buy X get Y: the units paid for in each group (2 in “3 for 2”).",
    )
    free_quantity = models.PositiveIntegerField(
        "get free", null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="Buy X get Y: the cheapest units free in each group (1 in “3 for 2”).",
    )
    products = models.ManyToManyField(Product, blank=True, related_name="+")
    categories = models.ManyToManyField(
        Category, blank=True, related_name="+",
        help_text="Their subcategories included. No products and no categories: everything.",
    )
    min_subtotal = models.DecimalField(
        "minimum spend", null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="The items' total after automatic offers must reach this.",
    )
    starts_at = models.DateTimeField("starts", default=timezone.now)
    ends_at = models.DateTimeField("ends", null=True, blank=True, help_text="Empty: never.")
    priority = models.IntegerField(
        default=0, help_text="When offers give the same on a line, the higher priority applies."
    )
    combines = models.BooleanField(
        default=False,
        help_text="An offer: also applies on lines another offer has. "
                  "A code: may be used with the automatic offers in the cart.",
    )
    per_customer_limit = models.PositiveIntegerField(
        "uses per customer", null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="Codes only: how often one customer (email address) may use its codes.",
    )
    first_order_only = models.BooleanField(
        default=False, help_text="Codes only: for customers who have not paid for an order yet."
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-priority", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(benefit="percent") | Q(value__gt=0, value__lte=100),
                name="promotion_percent_in_range",
                violation_error_message="A percentage is more than 0 and at most 100.",
            ),
            models.CheckConstraint(
                condition=~Q(benefit="amount") | Q(value__gt=0),
                name="promotion_amount_positive",
                violation_error_message="An amount off is more than 0.",
            ),
            models.CheckConstraint(
                condition=~Q(benefit="buy_x_get_y")
                | Q(buy_quantity__isnull=False, free_quantity__isnull=False),
                name="promotion_buy_x_get_y_quantities",
                violation_error_message="Buy X get Y needs both quantities.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="promotion_ends_after_start",
                violation_error_message="It must end after it starts.",
            ),
        ]
        indexes = [models.Index(fields=["automatic", "is_active"], name="promotion_live")]

    def __str__(self) -> str:
        return self.name


class DiscountCode(models.Model):
    promotion = models.ForeignKey(Promotion, related_name="codes", on_delete=models.CASCADE)
    # Kept in capitals: shoppers type codes in any case.
    code = models.CharField(max_length=40, unique=True)
    max_uses = models.PositiveIntegerField(
        "uses", null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="How many orders may use it in all. Empty: no limit.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code=Upper("code")), name="discount_code_in_capitals",
                violation_error_message="Codes are kept in capitals.",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class OrderDiscount(models.Model):
    """What one promotion (through one of its codes, or by itself) took off one order, as
    it was placed: its name is copied, so the order reads the same if it changes."""

    order = models.ForeignKey(Order, related_name="discounts", on_delete=models.CASCADE)
    promotion = models.ForeignKey(
        Promotion, null=True, related_name="uses", on_delete=models.SET_NULL
    )
    code = models.ForeignKey(
        DiscountCode, null=True, blank=True, related_name="uses", on_delete=models.SET_NULL
    )
    name = models.CharField(max_length=100)
    code_text = models.CharField("code", max_length=40, blank=True)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    units = models.PositiveIntegerField(
        default=0, help_text="The units it took something off (none for shipping)."
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_discount_positive"),
        ]
        indexes = [models.Index(fields=["code", "order"], name="order_discount_code")]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"
