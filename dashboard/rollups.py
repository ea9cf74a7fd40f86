"""The dashboard's daily rollups: built from the orders and sessions, then kept in step with
the orders as they change. dashboard.rollup_figures reads them.

Use cases:
- `build`: every day's rows worked out afresh from the rows they sum (`manage.py
  build_dashboard_rollups`, the demo's history, the benchmark's seed), but for the sessions
  of days whose SessionDay rows are gone, kept as they were. One transaction: the dashboard
  sees the old rollups or the new ones, never a mix. Orders paid while it runs may
  be missed: build when no payment comes in, or build again.
- `note_order_saved`, `note_order_deleted`, `note_line_changed` (dashboard.receivers): an
  order paid adds itself to its day (a few small queries); any other change to what the
  figures count (a refund, an edit in the admin, a line added to a paid order) works its
  day out again from the orders. Both run in the transaction of the change, with the day's
  DailySales row locked first, so that two changes of one day never interleave and a
  rollback takes the rollup's change back with the order's. `paid_at` is written once (by
  shop's mark_paid) and never moved: a change that moved an order to another day or another
  customer would need a build.

Before the first build nothing is kept (`rollup_figures.built`), and the dashboard reads
the orders directly.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.utils import timezone

from core.money import ZERO, to_cents
from dashboard import kpis, rollup_figures
from dashboard.models import DailyCustomers, DailySales, RollupBuild
from shop.models import Order, OrderLine

Kind = DailyCustomers.Kind
NEVER = DailyCustomers.NEVER
# What an order's save must touch for the figures to change; the customers' rows change only
# with the second set.
COUNTED_FIELDS = frozenset({"paid_at", "subtotal", "discount_total", "refunded_total",
                            "tax_rate", "email", "is_repeat_purchase"})
CUSTOMER_FIELDS = frozenset({"paid_at", "email", "is_repeat_purchase"})
BATCH = 5000
SALES = ["orders", "gross", "discounts", "refunds", "units"]  # a DailySales row's order sums


@dataclass(frozen=True)
class Built:
    days: int
    customer_rows: int
    seconds: float


def local_day(moment: datetime) -> date:
    return moment.astimezone(kpis.store_zone()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = kpis.store_zone()
    return (datetime.combine(day, time.min, tzinfo=zone),
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone))


# --- the whole history ----------------------------------------------------------------------


@transaction.atomic
def build() -> Built:
    """Every day's rollups worked out afresh from the orders and sessions."""
    started = timezone.now()
    # The sessions kept on the rows stay: a day whose SessionDay rows are gone (reduced to
    # its totals by the retention job) cannot be counted again.
    DailySales.objects.update(**dict.fromkeys(SALES, 0))
    DailyCustomers.objects.all().delete()
    sales = _sales_by_day(Order.objects.filter(paid_at__isnull=False),
                          OrderLine.objects.filter(order__paid_at__isnull=False))
    DailySales.objects.bulk_create(sales.values(), update_conflicts=True, unique_fields=["day"],
                                   update_fields=SALES, batch_size=BATCH)
    customers = _customer_counts(Order.objects.filter(paid_at__isnull=False))
    DailyCustomers.objects.bulk_create(
        (DailyCustomers(day=day, kind=kind, previous_day=previous, customers=n)
         for (day, kind, previous), n in customers.items()),
        batch_size=BATCH,
    )
    rollup_figures.count_closed_sessions(today=kpis.today(), recount=True)
    days = sorted(sales)
    RollupBuild.objects.all().delete()
    RollupBuild.objects.create(built_at=started, first_day=days[0] if days else None,
                               last_day=days[-1] if days else None)
    rollup_figures.forget_built()  # here, for this transaction, and after it commits
    transaction.on_commit(rollup_figures.forget_built)
    return Built(len(sales), len(customers),
                 round((timezone.now() - started).total_seconds(), 2))


# --- keeping in step ------------------------------------------------------------------------


def note_order_saved(order: Order, *, update_fields: frozenset[str] | None) -> None:
    """An order was saved with these fields (None: all of them)."""
    if order.paid_at is None:
        return
    if update_fields is not None and not update_fields & COUNTED_FIELDS:
        return
    if not rollup_figures.built():
        return
    day = local_day(order.paid_at)
    if update_fields is not None and "paid_at" in update_fields:
        _add_paid_order(order, day)
        return
    customers = update_fields is None or bool(update_fields & CUSTOMER_FIELDS)
    _recompute(day, customer=order.email.lower() if customers else None)


def note_order_deleted(order: Order) -> None:
    if order.paid_at is not None and rollup_figures.built():
        _recompute(local_day(order.paid_at), customer=order.email.lower())


def note_line_changed(line: OrderLine) -> None:
    """A line of an order was saved or deleted: its order's day, if paid, counts again."""
    if not rollup_figures.built():
        return
    if OrderLine.order.is_cached(line):
        paid_at = line.order.paid_at
    else:
        paid_at = Order.objects.filter(pk=line.order_id).values_list("paid_at", flat=True).first()
    if paid_at is not None:
        _recompute(local_day(paid_at), customer=None)


def _add_paid_order(order: Order, day: date) -> None:
    """The order was just paid: add it to its day's sums and its customer to the day's
    customers (the day's row locked first, see the module's docstring)."""
    row = _locked(day)
    units = OrderLine.objects.filter(order=order).aggregate(units=Sum("quantity"))["units"]
    refund = ZERO
    if order.refunded_total:  # a refund recorded before the capture came in
        refund = Order.objects.filter(pk=order.pk).values_list(
            kpis.item_refund(), flat=True).get()
    row.orders += 1
    row.gross += order.subtotal
    row.discounts += order.discount_total
    row.refunds = to_cents(row.refunds + refund)
    row.units += units or 0
    row.save(update_fields=SALES)
    customer = order.email.lower()
    earlier = (
        Order.objects.annotate(customer=Lower("email"))
        .filter(customer=customer, paid_at__isnull=False).exclude(pk=order.pk)
        .values_list("paid_at", "is_repeat_purchase")
    )
    kind = Kind.REPEAT if order.is_repeat_purchase else Kind.FIRST
    history = [(local_day(paid_at), repeat) for paid_at, repeat in earlier]
    for each in (Kind.PAID, kind):
        days = {d for d, repeat in history if each == Kind.PAID or _kind(repeat) == each}
        if day in days:
            continue  # the customer is counted on this day already
        previous = max((d for d in days if d < day), default=NEVER)
        _add_customers(day, each, previous, 1)
        later = min((d for d in days if d > day), default=None)
        if later is not None:  # paid before a day it had paid on: that day's previous moves
            _locked(later)
            _add_customers(later, each, previous, -1)
            _add_customers(later, each, day, 1)


def _kind(repeat: bool) -> str:
    return Kind.REPEAT if repeat else Kind.FIRST


def _add_customers(day: date, kind: str, previous: date, n: int) -> None:
    rows = DailyCustomers.objects.filter(day=day, kind=kind, previous_day=previous)
    if not rows.update(customers=F("customers") + n):
        DailyCustomers.objects.create(day=day, kind=kind, previous_day=previous, customers=n)
    elif n < 0:
        rows.filter(customers=0).delete()


def _locked(day: date) -> DailySales:
    """The day's DailySales row, made if missing, locked until the transaction ends."""
    row = DailySales.objects.select_for_update().filter(day=day).first()
    if row is None:
        DailySales.objects.bulk_create([DailySales(day=day)], ignore_conflicts=True)
        row = DailySales.objects.select_for_update().get(day=day)
    return row


def _recompute(day: date, *, customer: str | None) -> None:
    """Work the day's sums out again from its orders; with `customer` (whose orders
    changed), its customers too, and those of the customer's next day of each kind, whose
    previous day may have moved."""
    row = _locked(day)
    start, end = day_bounds(day)
    found = _sales_by_day(Order.objects.filter(paid_at__gte=start, paid_at__lt=end),
                          OrderLine.objects.filter(order__paid_at__gte=start,
                                                   order__paid_at__lt=end)).get(day)
    for field in SALES:
        setattr(row, field, getattr(found, field) if found else 0)
    row.save(update_fields=SALES)
    if customer is None:
        return
    days = {day}
    later = (Order.objects.annotate(customer=Lower("email"))
             .filter(customer=customer, paid_at__gte=end))
    for each in (Q(), Q(is_repeat_purchase=False), Q(is_repeat_purchase=True)):
        first = later.filter(each).order_by("paid_at").values_list("paid_at", flat=True).first()
        if first is not None:
            days.add(local_day(first))
    for each_day in sorted(days):
        _recompute_customers(each_day)


def _recompute_customers(day: date) -> None:
    _locked(day)
    start, end = day_bounds(day)
    theirs = (Order.objects.annotate(customer=Lower("email"))
              .filter(paid_at__gte=start, paid_at__lt=end).values("customer"))
    orders = (Order.objects.annotate(customer=Lower("email"))
              .filter(paid_at__isnull=False, paid_at__lt=end, customer__in=theirs))
    counts = {key: n for key, n in _customer_counts(orders).items() if key[0] == day}
    DailyCustomers.objects.filter(day=day).delete()
    DailyCustomers.objects.bulk_create(
        DailyCustomers(day=day, kind=kind, previous_day=previous, customers=n)
        for (day, kind, previous), n in counts.items()
    )


# --- the sums -------------------------------------------------------------------------------


def _sales_by_day(orders: QuerySet, lines: QuerySet) -> dict[date, DailySales]:
    """{day: an unsaved DailySales} for the days these paid orders and their lines fall on."""
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
        row["day"]: DailySales(
            day=row["day"], orders=row["orders"], gross=to_cents(row["gross"] or ZERO),
            discounts=to_cents(row["discounts"] or ZERO),
            refunds=to_cents(row["refunds"] or ZERO), units=units.get(row["day"]) or 0,
        )
        for row in by_day
    }


def _customer_counts(orders: QuerySet) -> Counter[tuple[date, str, date]]:
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
        for kind in (Kind.PAID, _kind(repeat)):
            previous = last.get(kind, NEVER)
            if previous != day:
                counts[(day, kind, previous)] += 1
                last[kind] = day
    return counts

