"""The dashboard's rollups kept in step with the orders as they change, once built
(dashboard.rollup_build); dashboard.rollup_figures reads them.

Use cases:
- `note_order_saved`, `note_order_deleted`, `note_line_changed` (dashboard.receivers): an
  order paid adds itself to its day's sums, its products' rows and its customer's (a few
  small statements); any other change to what the figures count (a refund, an edit in the
  admin, a line added to a paid order) works its day out again from the orders.
- `note_order_placed`, `note_risk_scored`, `note_risk_deleted`: an order placed counts on
  its day's risk rows, under its score as the score changes.

Every change runs in the transaction of the change, so a rollback takes the rollup's change
back with the order's. No row is shared by every payment of a day: a day's sums are spread
over SLOTS rows (DailySalesSlot, DailyCustomers, DailyRisk), a payment adding to the one its
order's id picks; readers add the slots up. Locks, in this order, so that two changes
never wait on each other in a circle:
1. the stock rows (shop's payment and refund take them before they save the order);
2. the day's slot rows: a payment its own slot's, a recount (`_recompute`) every slot of the
   day, in slot order, before it reads the orders, so that it never misses a payment it
   cannot see yet (that payment, waiting, adds itself to the recounted sums); then every
   slot of each later day whose customers the change counts again; days in ascending order;
3. ProductSales rows, in (span, start, product, name) order: a payment's in one statement;
4. DailyCustomers rows of a day whose slot rows are held;
5. DailyRisk rows, in (day, score, slot) order (but deleting a paid order, by hand in the
   admin, takes its risk row's first: Django deletes the risk row before the order).
`paid_at` is written once (by shop's mark_paid) and never moved: a change that moved an
order to another day or another customer, a variant deleted or moved to another product, or
rows written around the shop's services (bulk updates) need a build.

Before the first build nothing is kept (`rollup_figures.built`), and the dashboard reads
the orders directly.
"""


from datetime import date, datetime

from django.db import connection
from django.db.models import Model, Q, QuerySet, Sum
from django.db.models.functions import Lower

from core.money import ZERO, to_cents
from dashboard import kpis, rollup_figures
from dashboard import rollup_sums as sums
from dashboard.models import SLOTS, DailyCustomers, DailyRisk, DailySalesSlot, ProductSales
from shop.models import Order, OrderLine, OrderRisk

Kind = DailyCustomers.Kind
Span = ProductSales.Span
# What an order's save must touch for the figures to change; the customers' rows change only
# with the second set, the products' only with the third (a refund changes no line).
COUNTED_FIELDS = frozenset({"paid_at", "subtotal", "discount_total", "refunded_total",
                            "tax_rate", "email", "is_repeat_purchase"})
CUSTOMER_FIELDS = frozenset({"paid_at", "email", "is_repeat_purchase"})
# What a line's save must touch for the figures to change.
LINE_FIELDS = frozenset({"order", "variant", "product_name", "quantity", "line_total"})


def note_order_saved(order: Order, *, update_fields: frozenset[str] | None) -> None:
    """An order was saved with these fields (None: all of them)."""
    if order.paid_at is None:
        return
    if update_fields is not None and not update_fields & COUNTED_FIELDS:
        return
    if not rollup_figures.built():
        return
    day = sums.local_day(order.paid_at)
    if update_fields is not None and "paid_at" in update_fields:
        _add_paid_order(order, day)
        return
    customers = update_fields is None or bool(update_fields & CUSTOMER_FIELDS)
    _recompute(day, customer=order.email.lower() if customers else None,
               products=update_fields is None)


def note_order_deleted(order: Order) -> None:
    if not rollup_figures.built():
        return
    if order.paid_at is not None:
        _recompute(sums.local_day(order.paid_at), customer=order.email.lower(), products=True)
    _count_risk(order.pk, order.created_at, [(DailyRisk.UNSCORED, -1)])


def note_line_changed(line: OrderLine, *, update_fields: frozenset[str] | None = None) -> None:
    """A line of an order was saved (with these fields; None: all of them) or deleted: its
    order's day, if paid, counts again."""
    if update_fields is not None and not update_fields & LINE_FIELDS:
        return  # what was refunded or restocked of it: no figure counts that
    if not rollup_figures.built():
        return
    if OrderLine.order.is_cached(line):
        paid_at = line.order.paid_at
    else:
        paid_at = Order.objects.filter(pk=line.order_id).values_list("paid_at", flat=True).first()
    if paid_at is not None:
        _recompute(sums.local_day(paid_at), customer=None, products=True)


def note_order_placed(order: Order) -> None:
    """A new order counts on its day's risk rows, unscored until its risk row is saved."""
    if rollup_figures.built():
        _count_risk(order.pk, order.created_at, [(DailyRisk.UNSCORED, 1)])


def score_before(risk: OrderRisk) -> int | None:
    """The score a risk row about to be saved has in the database (None: a new row, or
    nothing kept)."""
    if risk._state.adding or not rollup_figures.built():
        return None
    return OrderRisk.objects.filter(pk=risk.pk).values_list("score", flat=True).first()


def note_risk_scored(risk: OrderRisk, *, before: int | None) -> None:
    """The order's risk row was saved with its score, `before` it was `before` (None: the
    row is new)."""
    before = DailyRisk.UNSCORED if before is None else before
    if before != risk.score and rollup_figures.built():
        _count_risk(risk.order_id, _placed_at(risk), [(before, -1), (risk.score, 1)])


def note_risk_deleted(risk: OrderRisk) -> None:
    if rollup_figures.built():
        _count_risk(risk.order_id, _placed_at(risk), [(risk.score, -1), (DailyRisk.UNSCORED, 1)])


def _placed_at(risk: OrderRisk) -> datetime:
    if OrderRisk.order.is_cached(risk):
        return risk.order.created_at
    return Order.objects.filter(pk=risk.order_id).values_list("created_at", flat=True).get()


def _count_risk(order_id: int, placed_at: datetime, changes: list[tuple[int, int]]) -> None:
    day, slot = sums.local_day(placed_at), sums.slot_of(order_id)
    _add(DailyRisk, ["day", "score", "slot"],
         [{"day": day, "score": score, "slot": slot, "orders": n} for score, n in changes])


def _add_paid_order(order: Order, day: date) -> None:
    """The order was just paid: add it to its slot of its day's sums, its lines to their
    products' rows and its customer to the day's customers (in the order of the module's
    docstring)."""
    slot = sums.slot_of(order.pk)
    sold = list(
        OrderLine.objects.filter(order=order).order_by()
        .values("product_name", product=sums.product_of())
        .annotate(units=Sum("quantity"), revenue=Sum("line_total"))
    )
    refund = ZERO
    if order.refunded_total:  # a refund recorded before the capture came in
        refund = Order.objects.filter(pk=order.pk).values_list(
            kpis.item_refund(), flat=True).get()
    _add(DailySalesSlot, ["day", "slot"], [{
        "day": day, "slot": slot, "orders": 1, "gross": order.subtotal,
        "discounts": order.discount_total, "refunds": to_cents(refund),
        "units": sum(row["units"] for row in sold),
    }])
    customer = order.email.lower()
    earlier = (
        Order.objects.annotate(customer=Lower("email"))
        .filter(customer=customer, paid_at__isnull=False).exclude(pk=order.pk)
        .values_list("paid_at", "is_repeat_purchase")
    )
    kind = Kind.REPEAT if order.is_repeat_purchase else Kind.FIRST
    history = [(sums.local_day(paid_at), repeat) for paid_at, repeat in earlier]
    counted, later_days = [], set()
    for each in (Kind.PAID, kind):
        days = {d for d, repeat in history if each == Kind.PAID or sums.kind_of(repeat) == each}
        if day in days:
            continue  # the customer is counted on this day already
        previous = max((d for d in days if d < day), default=sums.NEVER)
        counted.append({"day": day, "kind": each, "previous_day": previous, "slot": slot,
                        "customers": 1})
        later = min((d for d in days if d > day), default=None)
        if later is not None:  # paid before a day it had paid on: that day's previous moves
            later_days.add(later)
    for later in sorted(later_days):  # slot rows before product rows, days in order
        _lock_day(later)
    _add(ProductSales, ["span", "start", "product", "product_name"],
         [row for each in sold for row in _spans(day, each)])
    _add(DailyCustomers, ["day", "kind", "previous_day", "slot"], counted)
    for later in sorted(later_days):
        _recompute_customers(later)


def _spans(day: date, sold: dict) -> list[dict]:
    """A day's sales of a product as rows to add to its day and to its month."""
    return [{"span": span, "start": start, "product": sold["product"],
             "product_name": sold["product_name"], "units": sold["units"],
             "revenue": sold["revenue"]}
            for span, start in ((Span.DAY, day), (Span.MONTH, day.replace(day=1)))]


def _lock_day(day: date) -> None:
    """Every slot row of the day, made if missing, locked in slot order until the
    transaction ends: no payment of the day adds to its sums meanwhile."""
    DailySalesSlot.objects.bulk_create(
        [DailySalesSlot(day=day, slot=slot) for slot in range(SLOTS)], ignore_conflicts=True)
    list(DailySalesSlot.objects.select_for_update().filter(day=day).order_by("slot")
         .values_list("pk", flat=True))


def _recompute(day: date, *, customer: str | None, products: bool) -> None:
    """Work the day's sums out again from its orders (into its first slot; the others
    emptied); with `products`, its products' rows too; with `customer` (whose orders
    changed), its customers, and those of the customer's next day of each kind, whose
    previous day may have moved."""
    start, end = sums.day_bounds(day)
    days = {day}
    if customer is not None:
        later = (Order.objects.annotate(customer=Lower("email"))
                 .filter(customer=customer, paid_at__gte=end))
        for each in (Q(), Q(is_repeat_purchase=False), Q(is_repeat_purchase=True)):
            first = later.filter(each).order_by("paid_at").values_list("paid_at", flat=True)[:1]
            days.update(sums.local_day(paid_at) for paid_at in first)
    for each_day in sorted(days):  # every slot row it counts again, before any other row
        _lock_day(each_day)
    paid = Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
    lines = OrderLine.objects.filter(order__paid_at__gte=start, order__paid_at__lt=end)
    found = sums.sales_by_day(paid, lines).get(day, dict.fromkeys(sums.SALES, 0))
    DailySalesSlot.objects.filter(day=day).exclude(slot=0).update(**dict.fromkeys(sums.SALES, 0))
    DailySalesSlot.objects.filter(day=day, slot=0).update(**found)
    if products:
        _recompute_products(day, lines)
    if customer is not None:
        for each_day in sorted(days):
            _recompute_customers(each_day)


def _recompute_products(day: date, lines: QuerySet) -> None:
    """The day's product rows from its lines, and its month's moved by the difference."""
    key = ("product", "product_name")
    rows = ProductSales.objects.filter(span=Span.DAY, start=day)
    kept = {(row["product"], row["product_name"]): row
            for row in rows.values(*key, "units", "revenue")}
    found = sums.products_by_day(lines).get(day, {})
    rows.delete()
    ProductSales.objects.bulk_create(
        ProductSales(span=Span.DAY, start=day, product_id=product, product_name=name,
                     units=units, revenue=revenue)
        for (product, name), (units, revenue) in found.items())
    month = day.replace(day=1)
    moved = []
    for product, name in sorted(set(kept) | set(found)):
        units, revenue = found.get((product, name), (0, ZERO))
        was = kept.get((product, name), {"units": 0, "revenue": ZERO})
        if (units, revenue) != (was["units"], was["revenue"]):
            moved.append({"span": Span.MONTH, "start": month, "product": product,
                          "product_name": name, "units": units - was["units"],
                          "revenue": revenue - was["revenue"]})
    _add(ProductSales, ["span", "start", "product", "product_name"], moved)
    # A product no longer sold that month has no row, as it has no line.
    ProductSales.objects.filter(span=Span.MONTH, start=month, units=0).delete()


def _recompute_customers(day: date) -> None:
    """The day's customer rows counted again; its slot rows are held (`_lock_day`)."""
    start, end = sums.day_bounds(day)
    theirs = (Order.objects.annotate(customer=Lower("email"))
              .filter(paid_at__gte=start, paid_at__lt=end).values("customer"))
    orders = (Order.objects.annotate(customer=Lower("email"))
              .filter(paid_at__isnull=False, paid_at__lt=end, customer__in=theirs))
    counts = {key: n for key, n in sums.customer_counts(orders).items() if key[0] == day}
    DailyCustomers.objects.filter(day=day).delete()
    DailyCustomers.objects.bulk_create(
        DailyCustomers(day=day, kind=kind, previous_day=previous, customers=n)
        for (day, kind, previous), n in counts.items()
    )


def _add(model: type[Model], keys: list[str], rows: list[dict]) -> None:
    """Add each row's other fields to the row of `model` its `keys` name, made if missing:
    one statement, the rows in key order, so that two changes lock the rows they share in
    the same order."""
    if not rows:
        return
    fields = list(rows[0])
    sums = [name for name in fields if name not in keys]
    column = {name: model._meta.get_field(name) for name in fields}
    rows = sorted(rows, key=lambda row: tuple(row[name] for name in keys))
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    names = ", ".join(quote(column[name].column) for name in fields)
    conflict = ", ".join(quote(column[name].column) for name in keys)
    added = ", ".join(f"{each} = {table}.{each} + EXCLUDED.{each}"
                      for each in (quote(column[name].column) for name in sums))
    # Only the models' own names go into the text; every value is a parameter.
    sql = (f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(rows))} "  # noqa: S608
           f"ON CONFLICT ({conflict}) DO UPDATE SET {added}")
    values = [column[name].get_db_prep_save(row[name], connection)
              for row in rows for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
