"""Sellers: the shops of the marketplace, their people and branches, the shipments each
sends for an order, and what the store has paid them.

The store itself is the first seller (made by a migration, `is_store`), so a single-seller
shop is the special case of the same rows, not a separate code path.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

MONEY = {"max_digits": 12, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2,
           "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}


class SellerQuerySet(models.QuerySet):
    def approved(self) -> "SellerQuerySet":
        """The shops whose products shoppers see."""
        return self.filter(status=Seller.Status.APPROVED)


class Seller(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField("shop name", max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to="sellers/", blank=True)
    contact_email = models.EmailField()
    return_address = models.TextField(blank=True)
    return_policy = models.TextField(blank=True)
    # One address per line: the shop's own site and its social pages.
    links = models.TextField("links", blank=True, help_text="One web address per line.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # The store's share of each line sold, in per cent. Lines copy it when they are bought,
    # so a change applies to orders placed after it only.
    commission_rate = models.DecimalField("commission (%)", default=Decimal("0"), **PERCENT)
    decision_reason = models.TextField(
        blank=True, help_text="Why the application was rejected or the shop suspended."
    )
    is_store = models.BooleanField(default=False, editable=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # Cached from shop reviews, like a product's.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)

    objects = SellerQuerySet.as_manager()

    class Meta:
        ordering = ["-is_store", "name"]
        permissions = [("review_seller", "Can approve, reject, suspend and reinstate sellers")]
        constraints = [
            models.UniqueConstraint(fields=["is_store"], condition=Q(is_store=True),
                                    name="one_store_seller"),
        ]
        indexes = [models.Index(fields=["status", "name"], name="seller_status_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("shop:seller-detail", args=[self.slug])

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


STORE_SLUG = "store"


def store_seller_id() -> int:
    """The store's own seller: every product belongs to it unless another seller's. Made by
    a migration; made again here should a test database have been emptied."""
    seller, _ = Seller.objects.get_or_create(
        is_store=True,
        defaults={"name": settings.STORE_NAME, "slug": STORE_SLUG,
                  "contact_email": settings.DEFAULT_FROM_EMAIL,
                  "status": Seller.Status.APPROVED},
    )
    return seller.pk


class SellerBranch(models.Model):
    seller = models.ForeignKey(Seller, related_name="branches", on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    address = models.TextField()
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "branches"

    def __str__(self) -> str:
        return f"{self.seller}: {self.name}"


class SellerMember(models.Model):
    """A person who runs a seller's shop in the seller portal, for that shop only."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    seller = models.ForeignKey(Seller, related_name="members", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="seller_memberships",
                             on_delete=models.CASCADE)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "user"], name="seller_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.seller})"


class Shipment(models.Model):
    """One seller's part of an order: its lines leave in one parcel with one tracking
    number. Made when the order is placed; the order's status follows its shipments."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not shipped yet"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled: refunded before it left"

    order = models.ForeignKey("shop.Order", related_name="shipments", on_delete=models.CASCADE)
    seller = models.ForeignKey(Seller, related_name="shipments", on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # This parcel's share of the order's shipping charge (the whole of it with one seller).
    shipping = models.DecimalField(default=Decimal("0.00"), **MONEY)
    tracking_number = models.CharField(max_length=80, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "seller__is_store", "seller__name"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seller"], name="shipment_per_seller"),
        ]
        indexes = [models.Index(fields=["seller", "status"], name="shipment_seller_status")]

    def __str__(self) -> str:
        return f"{self.order} from {self.seller}"


class Payout(models.Model):
    """Money the store paid a seller for the orders paid in a period: recording it settles
    the seller's lines of those orders."""

    seller = models.ForeignKey(Seller, related_name="payouts", on_delete=models.PROTECT)
    start = models.DateField()
    end = models.DateField(help_text="The last day included.")
    amount = models.DecimalField(**MONEY)
    reference = models.CharField(max_length=100, help_text="The bank transfer's reference.")
    paid_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    related_name="+", on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-paid_at", "-pk"]
        permissions = [("record_payout", "Can record payouts to sellers as paid")]

    def __str__(self) -> str:
        return f"{self.seller}: {self.amount} ({self.reference})"
