"""The rows of the reports, read straight from the database a chunk at a time.

Every reader takes a Period and counts an order on the day it was paid (the store's time
zone), as the key figures do (dashboard.kpis). Rows are plain tuples from `values_list`,
never model instances, and are fetched with `iterator(chunk_size=CHUNK)`, so memory stays
the same however many orders a range holds.
"""

from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from dashboard.kpis import Period, store_zone
from payments.models import Payment
from shop.models import Order, OrderLine

CHUNK = 2000
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
STATUS_LABELS = dict(Order.Status.choices)
UNKNOWN_CATEGORY = "No longer in the catalogue"
MONEY = DecimalField(max_digits=14, decimal_places=2)


def sales_rows(period: Period) -> Iterator[tuple]:
    """One row per order paid in the period, oldest payment first: paid (store time), number,
    email, status, currency, subtotal, discount, shipping, tax, total, refunded, item
    refunds, net sales, provider, the succeeded capture's reference.

    Item refunds are the refund up to the value of the items after discounts, as the key
    figures count it, so the column sums to the "Refunds" figure and net sales to "Net
    sales"."""
    capture = Payment.objects.filter(
        order=OuterRef("pk"), kind=Payment.Kind.CAPTURE, status=Payment.Status.SUCCEEDED
    ).order_by("pk").values("reference")[:1]
    rows = (
        _paid_in(Order.objects.all(), "paid_at", period)
        .annotate(capture_reference=Subquery(capture))
        .order_by("paid_at", "pk")
        .values_list(
            "paid_at", "number", "email", "status", "currency", "subtotal", "discount_total",
            "shipping_total", "tax_total", "total", "refunded_total", "payment_provider",
            "capture_reference",
        )
    )
    zone = store_zone()
    for (paid_at, number, email, status, currency, subtotal, discount, shipping, tax, total,
         refunded, provider, reference) in rows.iterator(chunk_size=CHUNK):
        item_refunds = min(refunded, subtotal - discount)
        yield (
            _local(paid_at, zone), number, email, STATUS_LABELS.get(status, status), currency,
            subtotal, discount, shipping, tax, total, refunded, item_refunds,
            subtotal - discount - item_refunds, provider, reference or "",
        )


def product_rows(period: Period) -> Iterator[tuple]:
    """One row per SKU sold in orders paid in the period, best net sales first: SKU,
    product, category, units sold, gross, refunds, net, on hand, reserved, available.

    Gross is the sum of the line totals; refunds are the units returned to stock times
    their unit price; the stock columns are the variant's now (empty once it is deleted)."""
    rows = (
        _with_sales(_sold_lines(period).values("sku"))
        .annotate(
            product=Coalesce(Max("variant__product__name"), Max("product_name")),
            category=Max("variant__product__category__name"),
            parent=Max("variant__product__category__parent__name"),
            on_hand=Max("variant__on_hand"),
            reserved=Max("variant__reserved"),
        )
        .order_by("-net", "sku")
        .values_list("sku", "product", "parent", "category", "units", "gross", "refunds",
                     "net", "on_hand", "reserved")
    )
    for (sku, product, parent, category, units, gross, refunds, net, on_hand,
         reserved) in rows.iterator(chunk_size=CHUNK):
        available = on_hand - reserved if on_hand is not None else None
        yield (sku, product, _category(parent, category), units, _cents(gross),
               _cents(refunds), _cents(net), on_hand, reserved, available)


def top_products(period: Period, *, limit: int = 10) -> list[tuple[str, Decimal]]:
    """The `limit` products with the highest net sales in the period: (name, net)."""
    rows = (
        _with_sales(_sold_lines(period).values(
            name=Coalesce("variant__product__name", "product_name")
        ))
        .order_by("-net", "name")
        .values_list("name", "net")[:limit]
    )
    return [(name, _cents(net)) for name, net in rows]


def category_sales(period: Period) -> list[tuple[str, Decimal]]:
    """Net sales in the period per top-level category, highest first: (name, net)."""
    rows = (
        _with_sales(_sold_lines(period).values(name=Coalesce(
            "variant__product__category__parent__name", "variant__product__category__name",
            Value(UNKNOWN_CATEGORY),
        )))
        .order_by("-net", "name")
        .values_list("name", "net")
    )
    return [(name, _cents(net)) for name, net in rows]


def _sold_lines(period: Period) -> QuerySet:
    """The lines of the orders paid in the period, unordered, ready to be grouped."""
    return _paid_in(OrderLine.objects.all(), "order__paid_at", period).order_by()


def _with_sales(groups: QuerySet) -> QuerySet:
    """Lines grouped by `.values(…)`, each group with units, gross (the line totals), refunds
    (units returned × unit price) and net (gross − refunds)."""
    refunded = ExpressionWrapper(F("quantity_restocked") * F("unit_price"), output_field=MONEY)
    return (
        groups.annotate(
            units=Sum("quantity"),
            gross=Coalesce(Sum("line_total"), ZERO, output_field=MONEY),
            refunds=Coalesce(Sum(refunded), ZERO, output_field=MONEY),
        )
        .annotate(net=ExpressionWrapper(F("gross") - F("refunds"), output_field=MONEY))
    )


def _paid_in(queryset: QuerySet, field: str, period: Period) -> QuerySet:
    start, end = period.bounds()
    return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})


def _local(moment: datetime, zone) -> datetime:
    """The store's wall-clock time, without a zone: spreadsheets hold no time zones."""
    return timezone.localtime(moment, zone).replace(tzinfo=None)


def _cents(amount) -> Decimal:
    """Sums come back from SQLite without their decimal places; give them two."""
    return Decimal(amount).quantize(CENT, ROUND_HALF_UP)


def _category(parent: str | None, name: str | None) -> str:
    if name is None:
        return UNKNOWN_CATEGORY
    return f"{parent} / {name}" if parent else name
