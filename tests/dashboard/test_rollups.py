"""The rollups against the orders, to the cent, in a store on New York time.

The orders are placed, paid, refunded and cancelled through the shop's own services, each at
a moment of its own (the clock moved by hand): some a second either side of a local
midnight, some on the day summer time begins (9 March 2025), some across the end of a month.
The figures the dashboard reads from the rollups (the key figures, the products and
categories sold, the flagged share) must then be those worked out from the orders directly,
for any period and any granularity.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Sum
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import kpis, rollup_build, rollup_figures, selectors
from dashboard.kpis import Period
from dashboard.models import (
    SLOTS,
    DailyCustomers,
    DailyRisk,
    DailySales,
    DailySalesSlot,
    ProductSales,
    SessionDay,
)
from shop.models import Order, OrderRisk
from shop.services import order_refunds, orders
from tests.factories import CategoryFactory, OrderFactory, OrderLineFactory, VariantFactory
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
FIRST_DAY = date(2025, 2, 24)
DAYS = 19  # 24 February to 14 March: a month ends; summer time begins on the 9th
CUSTOMERS = ["ada@example.com", "bob@example.com", "ADA@Example.com", "carol@example.com",
             "dan@example.com", "eve@example.com", "fay@example.com"]


@pytest.fixture(autouse=True)
def _new_york(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.STORE_TAX_RATE = Decimal("0.0825")


@pytest.fixture
def kept_in_step():
    """Rollups built over no orders: from here the receivers keep them."""
    rollup_build.build()


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=NEW_YORK)


def moments(rng: random.Random) -> datetime:
    """A moment in the days: a second either side of a local midnight a third of the time."""
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    if rng.random() < 0.33:
        return local(day, time(23, 59, 59)) if rng.random() < 0.5 else local(day, time(0, 0))
    return local(day, time(rng.randrange(24), rng.randrange(60)))


def assert_the_same(periods: list[Period]) -> None:
    for period in periods:
        assert rollup_figures.summary(period.start, period.end, today=kpis.today()) == (
            kpis.orders_summary(period)), period
        for granularity in kpis.GRANULARITIES:
            assert rollup_figures.series(
                period.start, period.end, granularity, today=kpis.today()
            ) == kpis.orders_series(period, granularity), (period, granularity)
        assert rollup_figures.customers_before(period.start) == (
            kpis.orders_customers_before(period.start))
        for by in ("revenue", "units"):
            assert selectors.top_products(period, by=by, limit=100) == (
                selectors.orders_top_products(period, by=by, limit=100)), (period, by)
        assert selectors.revenue_by_category(period) == (
            selectors.orders_revenue_by_category(period)), period
        for threshold in (0, 1, 30, 50):
            with override_settings(RISK_REVIEW_THRESHOLD=threshold):
                assert selectors.flagged_share(period) == (
                    selectors.orders_flagged_share(period)), (period, threshold)


def day_sums(day: date) -> dict:
    """A day's sums, added up over its slots."""
    return DailySalesSlot.objects.filter(day=day).aggregate(
        orders=Sum("orders"), gross=Sum("gross"), units=Sum("units"))


def random_periods(rng: random.Random, count: int) -> list[Period]:
    periods = [Period(FIRST_DAY - timedelta(days=1), FIRST_DAY + timedelta(days=DAYS)),
               Period(date(2025, 3, 1), date(2025, 3, 31)),  # a whole month's rows
               Period(date(2025, 2, 1), date(2025, 3, 31))]
    for _ in range(count):
        start = FIRST_DAY - timedelta(days=2) + timedelta(days=rng.randrange(DAYS + 2))
        periods.append(Period(start, start + timedelta(days=rng.randrange(DAYS))))
    return periods


def test_the_rollups_equal_the_orders_to_the_cent(kept_in_step, monkeypatch):
    rng = random.Random(11)
    categories = [CategoryFactory(), CategoryFactory()]
    variants = [VariantFactory(on_hand=500, price=Decimal(f"{rng.randrange(100, 9999)}.{n}9"),
                               product__category=categories[n % 2])
                for n in range(4)]
    paid = []
    for _ in range(70):
        moment = moments(rng)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        lines = [(variant, rng.randint(1, 3)) for variant in rng.sample(variants, 2)]
        order = place(*lines, email=rng.choice(CUSTOMERS))
        chance = rng.random()
        if chance < 0.15:
            orders.cancel_order(order_id=order.pk)  # never paid: never counted
        elif chance > 0.25:
            pay(order)
            paid.append(order.pk)
    # Each payment added to the slot its order's id picks. (A refund below works its day out
    # again into the first slot, so this is asked before any: after them it would hang on
    # which ids the database's sequence gave, which other tests move.)
    assert len(paid) > 40
    assert len(set(DailySalesSlot.objects.filter(orders__gt=0).values_list("slot", flat=True))) > 1
    # Refunds come later, in full or in part, some cancelling the order: each counts on the
    # day its order was paid, whatever day it is made.
    monkeypatch.setattr(timezone, "now", lambda: local(FIRST_DAY + timedelta(days=DAYS), time(12)))
    for pk in rng.sample(paid, 20):
        order = Order.objects.get(pk=pk)
        chance = rng.random()
        if chance < 0.3:
            order_refunds.record_refund(order_id=pk, amount=order.total, cancel=True)
        elif chance < 0.5:
            order_refunds.record_refund(order_id=pk, amount=order.total)
        else:
            part = (order.total * Decimal(rng.randrange(1, 99)) / 100).quantize(Decimal("0.01"))
            order_refunds.record_refund(order_id=pk, amount=part)
            order_refunds.record_refund(order_id=pk, amount=Decimal("0.01"))
    # Scores move, as a provider's report moves them.
    for risk in OrderRisk.objects.order_by("pk")[::3]:
        risk.score = rng.choice([0, 30, 55, 90])
        risk.save()

    assert_the_same(random_periods(rng, 25))


def test_orders_written_as_rows_are_counted_on_their_local_day(kept_in_step):
    # 23:59:59 on Saturday the 8th and 00:00 on Sunday the 9th in New York; an order of a
    # customer who comes back, then one before it for the same customer (a later day's
    # previous day moves); a line added to a paid order; an order deleted.
    first = OrderFactory(email="ada@example.com", paid_at=local(date(2025, 3, 8), time(23, 59, 59)),
                         subtotal=Decimal("10.00"))
    OrderLineFactory(order=first, quantity=2)
    second = OrderFactory(email="Ada@example.com", paid_at=local(date(2025, 3, 9), time(0)),
                          subtotal=Decimal("30.00"), is_repeat_purchase=True)
    OrderLineFactory(order=second, quantity=1)
    OrderFactory(email="ada@example.com", paid_at=local(date(2025, 3, 4), time(12)),
                 subtotal=Decimal("5.00"))
    gone = OrderFactory(email="bob@example.com", paid_at=local(date(2025, 3, 9), time(1)))
    gone.delete()

    assert day_sums(date(2025, 3, 8))["units"] == 2
    assert day_sums(date(2025, 3, 9))["orders"] == 1
    assert_the_same(random_periods(random.Random(3), 15))


def test_an_order_paid_adds_itself_to_its_day_and_its_customer_once(kept_in_step, monkeypatch):
    variant = VariantFactory(on_hand=50)
    moment = local(date(2025, 3, 5), time(10))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    for _ in range(3):  # three orders by one customer on one day: one customer that day
        pay(place((variant, 1), email="ada@example.com"))

    row = day_sums(date(2025, 3, 5))
    assert (row["orders"], row["gross"], row["units"]) == (3, Decimal("60.00"), 3)
    by_kind = {(c["kind"], c["previous_day"]): c["n"]
               for c in DailyCustomers.objects.filter(day=date(2025, 3, 5))
               .values("kind", "previous_day").annotate(n=Sum("customers"))}
    assert by_kind == {("paid", DailyCustomers.NEVER): 1, ("first", DailyCustomers.NEVER): 1,
                       ("repeat", DailyCustomers.NEVER): 1}
    figures = kpis.summary(Period(date(2025, 3, 5), date(2025, 3, 5)))
    assert (figures["new_customers"], figures["returning_customer_rate"]) == (1, Decimal("1"))


def test_nothing_is_kept_before_the_first_build(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: local(date(2025, 3, 5), time(10)))
    pay(place((VariantFactory(), 1)))
    assert not rollup_figures.built() and not DailySalesSlot.objects.exists()

    call_command("build_dashboard_rollups", stdout=(out := _Out()))

    assert rollup_figures.built() and "Built the rollups of 1 days" in out.text
    assert kpis.summary(Period(date(2025, 3, 5), date(2025, 3, 5)))["orders"] == 1


def test_sessions_of_closed_days_are_counted_once_and_kept_on_their_rows(kept_in_step):
    today = kpis.today()
    closed, yesterday = today - timedelta(days=5), today - timedelta(days=1)
    SessionDay.objects.bulk_create([SessionDay(day=closed, key="a", ordered=True),
                                    SessionDay(day=closed, key="b"),
                                    SessionDay(day=yesterday, key="c")])
    period = Period(closed, today)

    assert kpis.summary(period)["sessions"] == 3
    assert DailySales.objects.get(day=closed).sessions_counted
    SessionDay.objects.bulk_create([SessionDay(day=closed, key="late"),
                                    SessionDay(day=today, key="d")])
    figures = kpis.summary(period)
    assert figures["sessions"] == 4  # the closed day as counted; today as it is now
    assert figures["conversion_rate"] == Decimal("0.2500")


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_a_build_gives_what_the_receivers_kept(kept_in_step, monkeypatch):
    rng = random.Random(5)
    variant = VariantFactory(on_hand=100)
    for _ in range(15):
        moment = moments(rng)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        pay(place((variant, rng.randint(1, 2)), email=rng.choice(CUSTOMERS)))
    kept = everything_kept()
    rollup_build.build()
    assert kept == everything_kept()


def everything_kept() -> tuple:
    """What the rollups hold, however it is shared out among slots."""
    return (
        list(DailySalesSlot.objects.order_by("day").values("day").annotate(
            orders=Sum("orders"), gross=Sum("gross"), discounts=Sum("discounts"),
            refunds=Sum("refunds"), units=Sum("units"))),
        list(DailyCustomers.objects.order_by("day", "kind", "previous_day")
             .values("day", "kind", "previous_day").annotate(n=Sum("customers"))),
        sorted(ProductSales.objects.values_list("span", "start", "product", "product_name",
                                                "units", "revenue")),
        list(DailyRisk.objects.order_by("day", "score").values("day", "score")
             .annotate(n=Sum("orders")).filter(n__gt=0)),
    )


def test_moments_are_in_the_store_days():
    assert local(date(2025, 3, 9), time(0)).astimezone(UTC) == datetime(2025, 3, 9, 5, tzinfo=UTC)


def test_a_build_keeps_the_sessions_of_days_whose_rows_are_gone(kept_in_step):
    day = kpis.today() - timedelta(days=30)
    SessionDay.objects.bulk_create([SessionDay(day=day, key="a"), SessionDay(day=day, key="b")])
    rollup_build.build()
    SessionDay.objects.filter(day=day).delete()  # reduced to the day's totals

    rollup_build.build()

    assert DailySales.objects.get(day=day).sessions == 2
    assert kpis.summary(Period(day, day))["sessions"] == 2


def test_a_refund_reaches_the_stock_before_its_days_figures_as_a_payment_does(kept_in_step):
    """A payment takes its stock rows, then its day's rollup row; a refund that restocks takes
    them in the same order, so the two never wait on each other in a circle."""
    variant = VariantFactory(on_hand=10)
    order = pay(place((variant, 2)))
    line = order.lines.get()

    with CaptureQueriesContext(connection) as done:
        order_refunds.record_refund(order_id=order.pk, amount=Decimal("1.00"),
                                    restock={line.pk: 1})

    tables = [query["sql"] for query in done.captured_queries]
    stock = next(n for n, sql in enumerate(tables) if '"shop_variant"' in sql)
    figures = next(n for n, sql in enumerate(tables) if '"dashboard_dailysalesslot"' in sql)
    assert stock < figures


def first_write(statements: list[str], table: str) -> int:
    return next(n for n, sql in enumerate(statements)
                if f'"{table}"' in sql and sql.startswith(("INSERT", "UPDATE", "DELETE")))


def later_days_lock(statements: list[str], day: date) -> int:
    """Where the slot rows of `day` are made (if missing) and locked: `_lock_day`."""
    return next(n for n, sql in enumerate(statements)
                if '"dashboard_dailysalesslot"' in sql and sql.startswith("INSERT")
                and str(day) in sql)


@pytest.mark.parametrize("change", ["paid", "edited"])
def test_a_customers_later_day_is_locked_before_any_product_row(
    kept_in_step, monkeypatch, change
):
    """A change that counts a later day's customers again takes that day's slot rows before
    the product rows, as the module's lock order says: a payment of that later day takes
    its slot, then product rows, so the other way round the two could wait in a circle."""
    variant = VariantFactory(on_hand=10)
    monkeypatch.setattr(timezone, "now", lambda: local(date(2025, 3, 5), time(10)))
    earlier = place((variant, 1), email="ada@example.com")
    monkeypatch.setattr(timezone, "now", lambda: local(date(2025, 3, 7), time(10)))
    pay(place((variant, 1), email="ada@example.com"))
    monkeypatch.setattr(timezone, "now", lambda: local(date(2025, 3, 5), time(10, 5)))
    if change == "edited":
        pay(earlier)
        earlier.refresh_from_db()

    with CaptureQueriesContext(connection) as done:
        if change == "paid":
            pay(earlier)
        else:
            earlier.save()  # by hand, in the admin: every field

    statements = [query["sql"] for query in done.captured_queries]
    assert later_days_lock(statements, date(2025, 3, 7)) < first_write(
        statements, "dashboard_productsales")
    assert_the_same([Period(date(2025, 3, 1), date(2025, 3, 31))])


def test_a_payment_locks_only_its_own_slot_of_its_day(kept_in_step):
    """Payments at once do not queue on one row of the day: each adds to the slot its order
    picks, and takes no lock on the others."""
    variant = VariantFactory(on_hand=10)
    order = place((variant, 1))

    with CaptureQueriesContext(connection) as done:
        pay(order)

    touching = [query["sql"] for query in done.captured_queries
                if '"dashboard_dailysalesslot"' in query["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    assert not any("FOR UPDATE" in query["sql"] and "dashboard_" in query["sql"]
                   for query in done.captured_queries)
    row = DailySalesSlot.objects.get()
    assert (row.slot, row.orders) == (order.pk % SLOTS, 1)


def test_the_comparison_fails_when_a_rollup_drifts(kept_in_step, monkeypatch):
    """A cent or a unit kept wrong anywhere is caught: the checks above can fail."""
    monkeypatch.setattr(timezone, "now", lambda: local(date(2025, 3, 5), time(10)))
    pay(place((VariantFactory(on_hand=10), 2)))
    periods = [Period(date(2025, 3, 1), date(2025, 3, 31)), Period(date(2025, 3, 5),
                                                                     date(2025, 3, 5))]
    assert_the_same(periods)
    drifts = [
        lambda: DailySalesSlot.objects.update(gross=F("gross") + Decimal("0.01")),
        lambda: ProductSales.objects.filter(span="month").update(revenue=F("revenue") + 1),
        lambda: ProductSales.objects.filter(span="day").update(units=F("units") + 1),
        lambda: DailyRisk.objects.filter(score__gte=0).update(orders=F("orders") + 1),
    ]
    for drift in drifts:
        with transaction.atomic():
            drift()
            with pytest.raises(AssertionError):
                assert_the_same(periods)
            transaction.set_rollback(True)


def test_the_categories_sold_are_the_products_own_as_they_are_now():
    tees = CategoryFactory(name="Tees")
    shirt = VariantFactory(product__category=tees).product
    gone = VariantFactory().product
    day = date(2025, 3, 3)
    for product_id, revenue in ((shirt.pk, "30.00"), (gone.pk, "5.00"),
                                (ProductSales.NO_PRODUCT, "2.00")):
        ProductSales.objects.create(span=ProductSales.Span.DAY, start=day, product_id=product_id,
                                    product_name="Shirt", units=1, revenue=Decimal(revenue))
    gone.delete()
    tees.name = "T-shirts"
    tees.save()

    sold = rollup_figures.categories_sold(rollup_figures.product_sums(day, day))

    assert [(row["name"], row["revenue"], row["units"]) for row in sold] == [
        ("T-shirts", Decimal("30.00"), 1), (None, Decimal("7.00"), 2),
    ]
