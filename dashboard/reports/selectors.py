"""The rows of the reports, read straight from the database a chunk at a time.

Every reader takes a Period and reads the orders and lines the key figures count
(kpis.paid_orders, kpis.paid_lines: paid in the period, in the store's time zone). Rows are
plain tuples from `values_list`, never model instances, and are fetched with
`iterator(chunk_size=CHUNK)`, so memory stays the same however many orders a range holds.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from django.db.models import Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import ZERO, to_cents
from dashboard import kpis
from dashboard.kpis import Period, store_zone
from dashboard.selectors import UNLISTED
from payments.models import Payment
from shop.models import Order

CHUNK = 2000
STATUS_LABELS = dict(Order.Status.choices)


def sales_rows(period: Period) -> Iterator[tuple]:
    """One row per order paid in the period, oldest payment first: paid (store time), number,
    email, status, currency, subtotal, discount, shipping, tax, total, refunded, item
    refunds, net sales, provider, the succeeded capture's reference.

    Item refunds are the order's refund as the key figures count it (kpis.item_refund: without
    tax, at most the items after discounts, in cents), so the column sums to the "Refunds"
    figure and net sales to "Net sales"."""
    capture = Payment.objects.filter(
        order=OuterRef("pk"), kind=Payment.Kind.CAPTURE, status=Payment.Status.SUCCEEDED
    ).order_by("pk").values("reference")[:1]
    rows = (
        kpis.paid_orders(period)
        .annotate(capture_reference=Subquery(capture), item_refunds=kpis.item_refund())
        .order_by("paid_at", "pk")
        .values_list(
            "paid_at", "number", "email", "status", "currency", "subtotal", "discount_total",
            "shipping_total", "tax_total", "total", "refunded_total", "item_refunds",
            "payment_provider", "capture_reference",
        )
    )
    zone = store_zone()
    for (paid_at, number, email, status, currency, subtotal, discount, shipping, tax, total,
         refunded, item_refunds, provider, reference) in rows.iterator(chunk_size=CHUNK):
        item_refunds = to_cents(item_refunds)
        yield (
            _local(paid_at, zone), number, email, STATUS_LABELS.get(status, status), currency,
            subtotal, discount, shipping, tax, total, refunded, item_refunds,
            subtotal - discount - item_refunds, provider, reference or "",
        )


def product_rows(period: Period) -> Iterator[tuple]:
    """One row per SKU sold in orders paid in the period, best net sales first: SKU,
    product, category, units sold, gross, discounts, refunds, net sales, on hand, reserved,
    available.

    Gross is the sum of the line totals. Discounts and refunds are made per order, not per
    line: each order's discount, and its refund as the Refunds figure counts it
    (kpis.item_refund), is shared out to its lines in proportion to their line totals
    (`_shares`), and an order's shares add up to its discount and refund to the cent. So the
    columns add up to the dashboard's Gross sales, Discounts, Refunds and Net sales exactly.
    Net sales = gross − discounts − refunds, as the key figure. The stock columns are the
    variant's now (empty once it is deleted). Rows are held one per SKU, to sort them."""
    shares = _shares(period)
    rows = (
        kpis.paid_lines(period).values("sku")
        .annotate(
            units=Sum("quantity"),
            gross=Coalesce(Sum("line_total"), ZERO, output_field=kpis.MONEY),
            product=Coalesce(Max("variant__product__name"), Max("product_name")),
            category=Max("variant__product__category__name"),
            parent=Max("variant__product__category__parent__name"),
            on_hand=Max("variant__on_hand"),
            reserved=Max("variant__reserved"),
        )
        .values_list("sku", "product", "parent", "category", "units", "gross", "on_hand",
                     "reserved")
    )
    table = []
    for sku, product, parent, category, units, gross, on_hand, reserved in rows.iterator(
        chunk_size=CHUNK
    ):
        gross = to_cents(gross)
        discounts, refunds = shares.get(sku, (ZERO, ZERO))
        available = on_hand - reserved if on_hand is not None else None
        table.append((sku, product, _category(parent, category), units, gross, discounts,
                      refunds, gross - discounts - refunds, on_hand, reserved, available))
    table.sort(key=lambda row: (-row[7], row[0]))
    yield from table


def _shares(period: Period) -> dict[str, list[Decimal]]:
    """Each SKU's shares of its orders' discounts and refunds, in one pass over the period's
    lines, an order's lines together. A line's share of an order's amount is by cumulative
    rounding: the amount's share of the order's lines up to and including this one (by pk),
    rounded to the cent, less its share of the lines before it, rounded. Rounding each share
    by itself would leave an order's shares a cent or two off its amount (three lines of a
    third of 0.10 are 0.03 each, 0.09 in all); this way they add up to it exactly, each
    within a cent of its exact share. Nothing from an order of nothing."""
    lines = (
        kpis.paid_lines(period)
        .annotate(refund=kpis.item_refund("order__"))
        .order_by("order_id", "pk")
        .values_list("order_id", "sku", "line_total", "order__subtotal",
                     "order__discount_total", "refund")
    )
    shares: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    order = through = None
    for order_id, sku, line_total, subtotal, discount, refund in lines.iterator(
        chunk_size=CHUNK
    ):
        if order_id != order:
            order, through = order_id, ZERO
        before, through = through, through + line_total
        if subtotal:
            for n, amount in enumerate((discount, to_cents(refund or ZERO))):
                shares[sku][n] += (to_cents(amount * through / subtotal)
                                   - to_cents(amount * before / subtotal))
    return shares


def _local(moment: datetime, zone) -> datetime:
    """The store's wall-clock time, without a zone: spreadsheets hold no time zones."""
    return timezone.localtime(moment, zone).replace(tzinfo=None)


def _category(parent: str | None, name: str | None) -> str:
    if name is None:
        return UNLISTED
    return f"{parent} / {name}" if parent else name
