"""The key figures against orders worked out by hand, in a store on New York time.

The week of Monday 3 to Sunday 9 March 2025 holds the change to summer time (9 March, 2 am),
so its last day ends at 04:00 UTC on the 10th, and its first began at 05:00 UTC on the 3rd.
"""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import kpis
from dashboard.kpis import Period
from dashboard.models import SessionDay
from shop.models import Order
from tests.dashboard.history import mark_repeat_purchases
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

Status = Order.Status
WEEK = Period(date(2025, 3, 3), date(2025, 3, 9))


@pytest.fixture(autouse=True)
def _new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def paid(email: str, at: datetime, subtotal: str, *units: int, discount: str = "0.00",
         refunded: str = "0.00", status: str = Status.PAID, shipping: str = "5.00",
         tax: str = "2.00", tax_rate: str = "0") -> Order:
    """A paid order of `subtotal`, with a line of each quantity in `units`, its whole total
    captured and `refunded` of it refunded."""
    order = OrderFactory(
        email=email, status=status, paid_at=at, subtotal=Decimal(subtotal),
        discount_total=Decimal(discount), shipping_total=Decimal(shipping),
        tax_total=Decimal(tax), tax_rate=Decimal(tax_rate),
    )
    Order.objects.filter(pk=order.pk).update(captured_total=order.total,
                                             refunded_total=Decimal(refunded))
    for quantity in units:
        OrderLineFactory(order=order, quantity=quantity)
    return order


def sessions(day: date, count: int, *, ordered: int = 0) -> None:
    SessionDay.objects.bulk_create(
        SessionDay(day=day, key=f"{day}-{n}", ordered=n < ordered) for n in range(count)
    )


@pytest.fixture
def shop_week():
    # In the week
    paid("ada@example.com", utc(2025, 3, 3, 14), "100.00", 2, 1, discount="10.00")
    # 23:30 on the 3rd in New York
    paid("bob@example.com", utc(2025, 3, 4, 4, 30), "50.00", 1, refunded="20.00",
         status=Status.PARTIALLY_REFUNDED)
    # Refunded in full, tax and shipping too: the refund counts up to the items' 40.00
    paid("ADA@example.com", utc(2025, 3, 5, 15), "40.00", 4, refunded="47.00",
         status=Status.REFUNDED)
    # 23:59 on Sunday the 9th, summer time
    paid("carol@example.com", utc(2025, 3, 10, 3, 59), "30.00", 3)
    # Never paid: left out however big
    OrderFactory(email="dan@example.com", status=Status.EXPIRED, subtotal=Decimal("999.00"))
    OrderFactory(email="dan@example.com", status=Status.CANCELLED, subtotal=Decimal("999.00"))
    OrderFactory(email="dan@example.com", subtotal=Decimal("999.00"))  # awaiting payment
    # Outside: 00:00 on Monday the 10th in New York, and 23:59 on Sunday the 2nd
    paid("dan@example.com", utc(2025, 3, 10, 4), "70.00", 5)
    paid("eve@example.com", utc(2025, 3, 3, 4, 59), "60.00", 2)
    # Bob bought before, long ago
    paid("bob@example.com", utc(2025, 2, 1, 12), "25.00", 1)
    sessions(date(2025, 3, 3), 3, ordered=1)
    sessions(date(2025, 3, 9), 1, ordered=1)
    sessions(date(2025, 3, 2), 2)
    sessions(date(2025, 3, 10), 5, ordered=5)
    mark_repeat_purchases()


def test_the_week_adds_up_as_worked_out_by_hand(shop_week):
    assert kpis.summary(WEEK) == {
        "gross_sales": Decimal("220.00"),
        "discounts": Decimal("10.00"),
        "refunds": Decimal("60.00"),
        "net_sales": Decimal("150.00"),
        "orders": 4,
        "average_order_value": Decimal("52.50"),
        "units_sold": 11,
        "sessions": 4,
        "conversion_rate": Decimal("0.5000"),
        "new_customers": 2,  # ada and carol; bob bought in February
        "returning_customer_rate": Decimal("0.6667"),  # ada (twice this week) and bob, of 3
    }


def test_the_previous_week_is_the_seven_days_before(shop_week):
    previous = WEEK.previous()
    assert previous == Period(date(2025, 2, 24), date(2025, 3, 2))
    figures = kpis.summary(previous)
    assert figures["orders"] == 1 and figures["gross_sales"] == Decimal("60.00")
    assert figures["sessions"] == 2 and figures["conversion_rate"] == Decimal("0.0000")
    assert figures["new_customers"] == 1
    assert figures["returning_customer_rate"] == Decimal("0.0000")


def test_changes_against_the_previous_period_are_percentages(shop_week):
    current, previous = kpis.summary(WEEK), kpis.summary(WEEK.previous())
    assert kpis.change(current["gross_sales"], previous["gross_sales"]) == Decimal("266.7")
    assert kpis.change(current["orders"], previous["orders"]) == Decimal("300.0")
    assert kpis.change(current["refunds"], previous["refunds"]) is None  # from nothing
    assert kpis.change(Decimal("45"), Decimal("60")) == Decimal("-25.0")
    assert kpis.change(None, Decimal("1")) is None


def test_each_day_has_its_own_figures_and_empty_days_are_there(shop_week):
    days = kpis.daily(WEEK)
    assert [row["day"] for row in days] == WEEK.each_day()
    monday, tuesday, wednesday = days[0], days[1], days[2]
    assert monday["orders"] == 2 and monday["gross_sales"] == Decimal("150.00")
    assert monday["net_sales"] == Decimal("120.00")
    assert monday["average_order_value"] == Decimal("70.00")
    assert monday["units_sold"] == 4
    assert monday["conversion_rate"] == Decimal("0.3333")
    assert monday["new_customers"] == 1  # ada; bob is back
    assert monday["returning_customer_rate"] == Decimal("0.5000")
    assert tuesday == {"day": date(2025, 3, 4), "gross_sales": Decimal("0.00"),
                       "discounts": Decimal("0.00"), "refunds": Decimal("0.00"),
                       "net_sales": Decimal("0.00"), "orders": 0, "average_order_value": None,
                       "units_sold": 0, "sessions": 0, "conversion_rate": None,
                       "new_customers": 0, "returning_customer_rate": None}
    assert wednesday["net_sales"] == Decimal("0.00")  # refunded in full
    assert wednesday["returning_customer_rate"] == Decimal("1.0000")
    assert days[6]["orders"] == 1 and days[6]["units_sold"] == 3  # Sunday, 23:59


def test_the_days_add_up_to_the_week(shop_week):
    days, week = kpis.daily(WEEK), kpis.summary(WEEK)
    for key in ("gross_sales", "discounts", "refunds", "net_sales", "orders", "units_sold",
                "sessions", "new_customers"):
        assert sum(row[key] for row in days) == week[key], key


def test_weeks_start_on_monday_in_the_store_time_zone(shop_week):
    rows = kpis.series(Period(date(2025, 3, 1), date(2025, 3, 14)), "week")
    assert [(row["start"], row["end"]) for row in rows] == [
        (date(2025, 3, 1), date(2025, 3, 2)),
        (date(2025, 3, 3), date(2025, 3, 9)),
        (date(2025, 3, 10), date(2025, 3, 14)),
    ]
    assert [row["orders"] for row in rows] == [1, 4, 1]
    assert [row["sessions"] for row in rows] == [2, 4, 5]


def test_months_group_whole_months(shop_week):
    rows = kpis.series(Period(date(2025, 1, 15), date(2025, 3, 31)), "month")
    assert [(row["start"], row["end"]) for row in rows] == [
        (date(2025, 1, 15), date(2025, 1, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 3, 31)),
    ]
    assert [row["gross_sales"] for row in rows] == [
        Decimal("0.00"), Decimal("25.00"), Decimal("350.00")
    ]


def test_new_and_returning_customers_are_read_from_the_stored_repeat_purchase_mark(db):
    # Ada paid before, in an order no longer in the database: her order still says so.
    ada = paid("ada@example.com", utc(2025, 3, 4, 12), "10.00", 1)
    Order.objects.filter(pk=ada.pk).update(is_repeat_purchase=True)
    paid("bob@example.com", utc(2025, 3, 5, 12), "10.00", 1)
    figures = kpis.summary(WEEK)
    assert figures["new_customers"] == 1  # bob
    assert figures["returning_customer_rate"] == Decimal("0.5000")  # ada, of two


def session_reads(period: Period) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        count = kpis.summary(period)["sessions"]
    return count, [q["sql"] for q in queries if "dashboard_sessionday" in q["sql"]]


def test_sessions_of_days_gone_by_are_counted_once_and_then_kept(db):
    sessions(date(2025, 3, 4), 3, ordered=1)
    assert session_reads(WEEK)[0] == 3
    SessionDay.objects.create(day=date(2025, 3, 4), key="late")  # no visit comes this late

    assert session_reads(WEEK) == (3, [])  # not read again
    assert kpis.series(WEEK, "day")[1]["sessions"] == 3

    kpis.forget_session_days(WEEK.each_day())
    count, reads = session_reads(WEEK)
    assert count == 4 and len(reads) == 1


def test_sessions_of_today_and_yesterday_are_always_counted_afresh(db):
    today = kpis.today()
    period = Period.last(3)
    SessionDay.objects.create(day=today, key="a")
    assert session_reads(period)[0] == 1
    SessionDay.objects.create(day=today - timedelta(days=1), key="b")
    SessionDay.objects.create(day=today, key="c")
    SessionDay.objects.create(day=today - timedelta(days=2), key="d")  # kept as it was

    count, reads = session_reads(period)
    assert count == 3 and len(reads) == 1


def test_a_refund_counts_without_the_tax_it_carries(db):
    # 50.00 of items and 4.00 of tax at 8 %, no shipping: all 54.00 given back
    paid("ada@example.com", utc(2025, 3, 4, 12), "50.00", 1, shipping="0.00", tax="4.00",
         tax_rate="0.0800", refunded="54.00", status=Status.REFUNDED)
    # half of the same order given back: 27.00 ÷ 1.08
    paid("bob@example.com", utc(2025, 3, 5, 12), "50.00", 1, shipping="0.00", tax="4.00",
         tax_rate="0.0800", refunded="27.00", status=Status.PARTIALLY_REFUNDED)
    figures = kpis.summary(WEEK)
    assert figures["refunds"] == Decimal("75.00")  # 50.00 + 25.00
    assert figures["net_sales"] == Decimal("25.00")


def test_a_full_refund_with_shipping_counts_the_items_after_discounts(db):
    # 100.00 of items, 10.00 off, 5.00 of shipping, 8 % tax on items and shipping (8.40):
    # 103.40 given back is 95.74 without tax, more than the 90.00 the items came to
    paid("ada@example.com", utc(2025, 3, 4, 12), "100.00", 1, discount="10.00",
         shipping="5.00", tax="8.40", tax_rate="0.0800", refunded="103.40",
         status=Status.REFUNDED)
    figures = kpis.summary(WEEK)
    assert figures["refunds"] == Decimal("90.00")
    assert figures["net_sales"] == Decimal("0.00")


def test_each_orders_refund_is_rounded_to_the_cent_before_they_are_added(db):
    # 1.00 ÷ 1.08 = 0.9259…: 0.93 each, 2.79 for three (not 2.78 from 2.7777…)
    for n in range(3):
        paid(f"buyer{n}@example.com", utc(2025, 3, 4, 12), "10.00", 1, shipping="0.00",
             tax="0.80", tax_rate="0.0800", refunded="1.00", status=Status.PARTIALLY_REFUNDED)
    assert kpis.summary(WEEK)["refunds"] == Decimal("2.79")
    assert kpis.daily(WEEK)[1]["refunds"] == Decimal("2.79")


def test_money_sums_come_out_in_cents(db):
    # SQLite adds decimals in floating point: there these subtotals add up to 949793.300000001.
    rng = random.Random(4)
    subtotals = [Decimal(rng.randrange(1, 10**6)) / 100 for _ in range(200)]
    Order.objects.bulk_create(
        OrderFactory.build(status=Status.PAID, paid_at=utc(2025, 3, 4, 12) + timedelta(minutes=n),
                           subtotal=subtotal)
        for n, subtotal in enumerate(subtotals)
    )
    assert sum(subtotals) == Decimal("949793.30")
    week, tuesday = kpis.summary(WEEK), kpis.daily(WEEK)[1]
    for figures in (week, tuesday):
        assert str(figures["gross_sales"]) == str(figures["net_sales"]) == "949793.30"
        assert str(figures["refunds"]) == str(figures["discounts"]) == "0.00"


def test_an_empty_period_has_zeros_and_nothing_to_divide(db):
    figures = kpis.summary(WEEK)
    assert figures["gross_sales"] == Decimal("0.00") and figures["orders"] == 0
    assert figures["average_order_value"] is None
    assert figures["conversion_rate"] is None
    assert figures["returning_customer_rate"] is None
    assert set(figures) == set(kpis.KEYS)


def test_customers_before_a_day_count_each_email_once(shop_week):
    # bob (once, in February) and eve (the 2nd): ada is new on the 3rd
    assert kpis.customers_before(date(2025, 3, 3)) == 2


def test_every_figure_has_a_written_definition():
    assert len(kpis.DEFINITIONS) == 11
    assert all(kpi.definition and kpi.kind in {"money", "count", "percent"}
               for kpi in kpis.DEFINITIONS)


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2025-03-09", "2025-03-03", "is after the last day"),
    ("2025-3-x", "2025-03-09", "is not a date"),
    ("2023-01-01", "2025-03-09", "at most 732 days"),
    ("2025-03-03", "", "both the first and the last day"),
])
def test_a_bad_range_is_refused_with_a_reason(start, end, message):
    with pytest.raises(ValueError, match=message):
        Period.from_strings(start, end)


def test_no_range_means_the_last_30_days(settings):
    period = Period.from_strings(None, None)
    assert period.days == 30 and period.end == kpis.today()


def test_a_period_spans_whole_local_days():
    start, end = WEEK.bounds()
    assert start == utc(2025, 3, 3, 5) and end == utc(2025, 3, 10, 4)


def test_two_years_of_kept_session_counts_push_nothing_else_out_of_the_cache():
    cache.set("ratelimit:someone", 5)
    until = kpis.today() - timedelta(days=3)

    kpis.session_days(Period(until - timedelta(days=729), until))

    assert cache.get("ratelimit:someone") == 5
