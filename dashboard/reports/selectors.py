"""The rows of the reports, read straight from the database a chunk at a time.

Every reader takes a Period and reads the orders the key figures count, their lines or
their promotions' discount rows (kpis.paid_orders, kpis.paid_lines: paid in the period, in
the store's time zone). Rows are plain tuples from `values_list`, never model instances, and
are fetched with `iterator(chunk_size=CHUNK)`, so memory stays the same however many orders a
range holds. The sales report's rows are also one query (`sales_orders`), which the writers
read through PostgreSQL's COPY there (copy_out).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import groupby

from django.db.models import (
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import ZERO, to_cents
from dashboard import kpis
from dashboard.kpis import Period, store_zone
from dashboard.selectors import UNLISTED
from payments.models import Payment
from shop.models import Order, OrderDiscount

CHUNK = 2000
STATUS_LABELS = dict(Order.Status.choices)


# The sales report's columns as fields of `sales_orders`.
SALES_FIELDS = (
    "paid_at", "number", "email", "status_label", "currency", "subtotal", "discount_total",
    "shipping_total", "tax_total", "total", "refunded_total", "item_refunds", "net_sales",
    "payment_provider", "capture_reference",
)


def sales_orders(period: Period) -> QuerySet:
    """The orders paid in the period, oldest payment first, with what the sales report shows
    of them beside their own fields (SALES_FIELDS): the status's label, item refunds, net
    sales and the succeeded capture's reference ("" without one).

    Item refunds are the order's refund as the key figures count it (kpis.item_refund: without
    tax, at most the items after discounts, in cents), so the column sums to the "Refunds"
    figure, and net sales (subtotal − discount − item refunds) to "Net sales"."""
    capture = Payment.objects.filter(
        order=OuterRef("pk"), kind=Payment.Kind.CAPTURE, status=Payment.Status.SUCCEEDED
    ).order_by("pk").values("reference")[:1]
    labels = [When(status=status, then=Value(str(label)))
              for status, label in STATUS_LABELS.items()]
    return (
        kpis.paid_orders(period)
        .annotate(
            capture_reference=Coalesce(Subquery(capture), Value("")),
            item_refunds=kpis.item_refund(),
            net_sales=ExpressionWrapper(F("subtotal") - F("discount_total") - F("item_refunds"),
                                        output_field=kpis.MONEY),
            status_label=Case(*labels, default=F("status"), output_field=CharField()),
        )
        .order_by("paid_at", "pk")
    )


def sales_rows(period: Period) -> Iterator[tuple]:
    """One row per order paid in the period, oldest payment first: paid (store time), number,
    email, status, currency, subtotal, discount, shipping, tax, total, refunded, item
    refunds, net sales, provider, the succeeded capture's reference (`sales_orders`)."""
    rows = sales_orders(period).values_list(*SALES_FIELDS)
    zone = store_zone()
    for paid_at, *rest in rows.iterator(chunk_size=CHUNK):
        yield (_local(paid_at, zone), *rest)


def product_rows(period: Period) -> Iterator[tuple]:
    """One row per SKU sold in orders paid in the period, best net sales first: SKU,
    product, category, units sold, gross, discounts, refunds, net sales, on hand, reserved,
    available.

    Gross is the sum of the line totals. A line's discount is its own (what the promotions
    took off it) and a share of the rest of its order's discount (free shipping); its
    refund a share of its order's refund as the Refunds figure counts it (kpis.item_refund);
    shares are in proportion to the line totals (`_shares`), and an order's lines add up to
    its discount and refund to the cent. So the
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
    """Each SKU's discounts and shares of its orders' refunds, in one pass over the period's
    lines, an order's lines together. A line has its own discount, plus a share of what its
    order's discount holds beyond its lines' (the shipping's). A line's share of an order's
    amount is by cumulative rounding: the amount's share of the order's lines up to and
    including this one (by pk), rounded to the cent, less its share of the lines before it,
    rounded. Rounding each share by itself would leave an order's shares a cent or two off
    its amount (three lines of a third of 0.10 are 0.03 each, 0.09 in all); this way they
    add up to it exactly, each within a cent of its exact share. Nothing from an order of
    nothing."""
    lines = (
        kpis.paid_lines(period)
        .annotate(refund=kpis.item_refund("order__"))
        .order_by("order_id", "pk")
        .values_list("order_id", "sku", "line_total", "discount", "order__subtotal",
                     "order__discount_total", "refund")
    )
    shares: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for _, order_lines in groupby(lines.iterator(chunk_size=CHUNK), key=lambda row: row[0]):
        order_lines = list(order_lines)
        _, _, _, _, subtotal, discount, refund = order_lines[0]
        if not subtotal:
            continue
        rest = discount - sum((row[3] for row in order_lines), ZERO)
        through = ZERO
        for _, sku, line_total, own, *_ in order_lines:
            before, through = through, through + line_total
            shares[sku][0] += own
            for n, amount in enumerate((rest, to_cents(refund or ZERO))):
                shares[sku][n] += (to_cents(amount * through / subtotal)
                                   - to_cents(amount * before / subtotal))
    return shares


def promotion_rows(period: Period) -> Iterator[tuple]:
    """One row per promotion, and per code of one, that took something off orders paid in
    the period, the largest discount first: promotion (its name as the orders recorded it),
    code (blank for an automatic offer), orders, units, discount given, then the gross sales,
    net sales and average order value of those orders, and the average order value of the
    period's orders with no discount at all (the same on every row, to compare against).

    Rows group the orders' discount rows by (name, code) as recorded, so a promotion renamed
    since reads as it did when it was used. An order counts once in each row whose promotion
    it used: an order with an offer and a code is in both rows, so orders and sales do not
    add up across rows, but the discounts do, to the Discounts figure. Gross and net sales
    are the whole orders', as the sales report's: subtotal, and subtotal − discount (all of
    it, every promotion's) − item refunds. Rows are held one per promotion, to sort them."""
    without = undiscounted_average(period)
    uses = _discount_uses(period).order_by("name", "code_text", "order_id", "pk")
    table = [
        (name, code, *_tally(group).figures(), without)
        for (name, code), group in groupby(uses.iterator(chunk_size=CHUNK),
                                           key=lambda use: use[:2])
    ]
    table.sort(key=lambda row: (-row[4], row[0], row[1]))  # by discount given, name, code
    yield from table


def promotion_totals(period: Period) -> list:
    """The promotions report's totals row: each discounted order counted once (orders, their
    gross and net sales and average order value), the units and discounts of every row
    added up, and the average order value of the orders with no discount."""
    uses = _discount_uses(period).order_by("order_id", "pk")
    return ["Total", None, *_tally(uses.iterator(chunk_size=CHUNK)).figures(),
            undiscounted_average(period)]


def undiscounted_average(period: Period) -> Decimal | None:
    """The average order value (subtotal ÷ orders, as the key figure) of the orders paid in
    the period with nothing taken off; None without any (one query)."""
    found = kpis.paid_orders(period).filter(discount_total=0).aggregate(
        gross=Sum("subtotal"), orders=Count("pk")
    )
    return _average(to_cents(found["gross"] or ZERO), found["orders"])


def _discount_uses(period: Period) -> QuerySet:
    """What each promotion took off each order the key figures count (kpis.paid_orders),
    with that order's amounts: (name, code, order, units, amount, subtotal, the order's
    whole discount, its item refund)."""
    return (
        OrderDiscount.objects.filter(order__in=kpis.paid_orders(period))
        .annotate(item_refund=kpis.item_refund("order__"))
        .values_list("name", "code_text", "order_id", "units", "amount", "order__subtotal",
                     "order__discount_total", "item_refund")
    )


@dataclass
class _Tally:
    """Discount rows added up, each order's own amounts once however many rows it has."""

    orders: int = 0
    units: int = 0
    given: Decimal = ZERO  # what the rows took off
    gross: Decimal = ZERO
    discounts: Decimal = ZERO  # the orders' whole discounts
    refunds: Decimal = ZERO

    def figures(self) -> tuple:
        """Orders, units, discount given, gross sales, net sales, average order value."""
        net = self.gross - self.discounts - self.refunds
        return (self.orders, self.units, self.given, self.gross, net,
                _average(self.gross - self.discounts, self.orders))


def _tally(uses: Iterable[tuple]) -> _Tally:
    """Discount rows added up; they come ordered by order, an order's rows together."""
    tally, order = _Tally(), None
    for _, _, order_id, units, amount, subtotal, discount, refund in uses:
        tally.units += units
        tally.given += amount
        if order_id != order:
            order = order_id
            tally.orders += 1
            tally.gross += subtotal
            tally.discounts += discount
            tally.refunds += to_cents(refund or ZERO)
    return tally


def _average(amount: Decimal, orders: int) -> Decimal | None:
    return to_cents(amount / orders) if orders else None


def _local(moment: datetime, zone) -> datetime:
    """The store's wall-clock time, without a zone: spreadsheets hold no time zones."""
    return timezone.localtime(moment, zone).replace(tzinfo=None)


def _category(parent: str | None, name: str | None) -> str:
    if name is None:
        return UNLISTED
    return f"{parent} / {name}" if parent else name
