"""The dashboard's rollups worked out from the rows they sum: for a build
(dashboard.rollup_build) of the whole history, and for a day counted again as it changes
(dashboard.rollups). Each sum as the dashboard's figures count it (dashboard.kpis)."""

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db.models import Count, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Lower, Mod

from core.money import ZERO, to_cents
from dashboard import kpis
from dashboard.models import SLOTS, DailyCustomers, DailyRisk, ProductSales

Kind = DailyCustomers.Kind
Span = ProductSales.Span
NEVER = DailyCustomers.NEVER
BATCH = 5000
SALES = ["orders", "gross", "discounts", "refunds", "units"]  # a DailySalesSlot row's sums


def local_day(moment: datetime) -> date:
    return moment.astimezone(kpis.store_zone()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = kpis.store_zone()
    return (datetime.combine(day, time.min, tzinfo=zone),
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone))


def slot_of(order_id: int) -> int:
    return order_id % SLOTS


def kind_of(repeat: bool) -> str:
    return Kind.REPEAT if repeat else Kind.FIRST


def sales_by_day(orders: QuerySet, lines: QuerySet) -> dict[date, dict]:
    """{day: its SALES sums} for the days these paid orders and their lines fall on."""
    by_day = (
        orders.annotate(day=kpis.bucket("paid_at", "day")).order_by().values("day")
        .annotate(orders=Count("pk"), gross=Sum("subtotal"), discounts=Sum("discount_total"),
                  refunds=Sum(kpis.item_refund()))
    )
    units = {
        row["day"]: row["units"]
        for row in lines.annotate(day=kpis.bucket("order__paid_at", "day")).order_by()
        .values("day").annotate(units=Sum("quantity"))
    }
    # Each sum to the cent, as kpis does with its own: SQLite adds in floating point.
    return {
        row["day"]: {
            "orders": row["orders"], "gross": to_cents(row["gross"] or ZERO),
            "discounts": to_cents(row["discounts"] or ZERO),
            "refunds": to_cents(row["refunds"] or ZERO), "units": units.get(row["day"]) or 0,
        }
        for row in by_day
    }


def product_of() -> Coalesce:
    """A line's product, as ProductSales keys it (NO_PRODUCT for a variant gone)."""
    return Coalesce("variant__product_id", Value(ProductSales.NO_PRODUCT),
                    output_field=IntegerField())


def products_by_day(lines: QuerySet) -> dict[date, dict[tuple[int, str], tuple]]:
    """{day: {(product, name sold as): (units, line totals)}} over these paid lines."""
    rows = (
        lines.annotate(day=kpis.bucket("order__paid_at", "day"), product=product_of())
        .order_by().values_list("day", "product", "product_name")
        .annotate(units=Sum("quantity"), revenue=Sum("line_total"))
    )
    found: dict[date, dict] = {}
    for day, product, name, units, revenue in rows.iterator(chunk_size=BATCH):
        found.setdefault(day, {})[(product, name)] = (units, to_cents(revenue))
    return found


def product_rows(by_day: dict[date, dict]) -> list[ProductSales]:
    """The day rows, and the month rows they add up to."""
    months: dict[tuple, list] = {}
    rows = []
    for day, sold in by_day.items():
        for (product, name), (units, revenue) in sold.items():
            rows.append(ProductSales(span=Span.DAY, start=day, product_id=product,
                                     product_name=name, units=units, revenue=revenue))
            month = months.setdefault((day.replace(day=1), product, name), [0, ZERO])
            month[0] += units
            month[1] += revenue
    rows += [ProductSales(span=Span.MONTH, start=start, product_id=product, product_name=name,
                          units=units, revenue=revenue)
             for (start, product, name), (units, revenue) in months.items()]
    return rows


def risk_counts(orders: QuerySet) -> Counter[tuple[date, int, int]]:
    """{(day placed, risk score, slot): orders} (UNSCORED for an order with no risk row).
    Each order in its own slot: a later change of its score moves it there."""
    rows = (
        orders.annotate(day=kpis.bucket("created_at", "day"), slot=Mod("pk", SLOTS),
                        score=Coalesce("risk__score", Value(DailyRisk.UNSCORED),
                                       output_field=IntegerField()))
        .order_by().values_list("day", "score", "slot").annotate(n=Count("pk"))
    )
    return Counter({(day, score, slot): n for day, score, slot, n in rows})


def customer_counts(orders: QuerySet) -> Counter[tuple[date, str, date]]:
    """{(day, kind, previous day): customers} over these paid orders, which must hold every
    earlier paid order of their customers."""
    rows = (
        orders.annotate(customer=Lower("email"), day=kpis.bucket("paid_at", "day"))
        .order_by("customer", "paid_at")
        .values_list("customer", "day", "is_repeat_purchase")
    )
    counts: Counter[tuple[date, str, date]] = Counter()
    current, last = None, {}
    for customer, day, repeat in rows.iterator(chunk_size=BATCH):
        if customer != current:
            current, last = customer, {}
        for kind in (Kind.PAID, kind_of(repeat)):
            previous = last.get(kind, NEVER)
            if previous != day:
                counts[(day, kind, previous)] += 1
                last[kind] = day
    return counts
