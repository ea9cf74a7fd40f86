"""The shop's key figures, one written definition each: the dashboard and the reports both
read them from here.

Locked definitions (shown on the dashboard as `DEFINITIONS` says them):
- An order counts on the day it was paid (`Order.paid_at`, in the store's time zone,
  settings.TIME_ZONE), whatever happened to it later: a paid order later refunded or cancelled
  by refund still counts, with its refund. Orders never paid (awaiting payment, expired,
  cancelled unpaid, or a payment that did not match) never count.
- Figures leave out tax and shipping. An order's refund is taken as carrying tax at the
  order's rate and counts without it: refunded total ÷ (1 + tax rate), never more than the
  order's subtotal − discount (its items after discounts), rounded to the cent per order
  (`item_refund`). A refund counts on the day its order was paid, not on the day it was made.
- A customer is an email address, compared in lower case.

Every figure comes from database aggregates grouped by day, week or month: the work does not
grow with the number of orders in Python. New and returning customers are read from each
order's `is_repeat_purchase`, set when it was paid.

Once the daily rollups are built (dashboard.rollups), `summary`, `series` and
`customers_before` read them instead (dashboard.rollup_figures): the same sums, kept per day
as the orders change, so a year costs a few hundred rows however many orders it holds. The
queries below stay the definitions, which the rollups are tested against to the cent. Before
the first build, the sessions of days that can no longer change are counted once and kept in
the cache (`session_days`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    DateField,
    DecimalField,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Least, Lower, Round, Trunc

from dashboard import rollup_figures
from dashboard.kpi_math import RATE_PLACES as RATE_PLACES  # the figures' own, read by others
from dashboard.kpi_math import add_up, bucket_start, figures_from, without_bounds
from dashboard.kpi_math import buckets as _buckets
from dashboard.kpi_math import change as change
from dashboard.models import SessionDay
from shop.models import Order, OrderLine

MAX_DAYS = 732  # two years, a leap day included
DEFAULT_DAYS = 30
GRANULARITIES = ("day", "week", "month")
MONEY = DecimalField(max_digits=14, decimal_places=2)
SESSION_DAY_SECONDS = 24 * 60 * 60


def store_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def today() -> date:
    """Today in the store's time zone."""
    return datetime.now(store_zone()).date()


@dataclass(frozen=True)
class Period:
    """Whole days in the store's time zone, `start` and `end` both included."""

    start: date
    end: date

    def __post_init__(self):
        if self.start > self.end:
            raise ValueError(
                f"The first day ({self.start:%Y-%m-%d}) is after the last day "
                f"({self.end:%Y-%m-%d}). Swap them."
            )
        if self.end >= date.max - timedelta(days=1):
            raise ValueError(f"{self.end:%Y-%m-%d} is too far ahead: choose an earlier last day.")
        if self.days > MAX_DAYS:
            raise ValueError(
                f"A range covers at most {MAX_DAYS} days; this one has {self.days}. "
                "Choose a shorter one."
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00), aware, in the store's time zone."""
        zone = store_zone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    @classmethod
    def last(cls, days: int, *, until: date | None = None) -> "Period":
        """The `days` days up to and including `until` (today by default)."""
        end = until or today()
        return cls(end - timedelta(days=days - 1), end)

    @classmethod
    def from_strings(cls, start: str | None, end: str | None) -> "Period":
        """A period from ISO dates (YYYY-MM-DD). Neither given: the last 30 days. Raises
        ValueError, saying what is wrong, for one missing, a bad date, a reversed range or
        one longer than MAX_DAYS."""
        start, end = (start or "").strip(), (end or "").strip()
        if not start and not end:
            return cls.last(DEFAULT_DAYS)
        if not start or not end:
            raise ValueError("Give both the first and the last day of the range.")
        return cls(_parse_day(start), _parse_day(end))


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"“{text[:20]}” is not a date: write it as YYYY-MM-DD.") from None


class FigureKind(StrEnum):
    """How to read a key figure's value."""

    MONEY = "money"  # a Decimal in the store's currency
    COUNT = "count"  # an int
    PERCENT = "percent"  # a Decimal fraction (0.125 is 12.5 %), rounded to four places


@dataclass(frozen=True)
class Kpi:
    """One figure: `kind` says how to read its value. A value is None where it cannot be
    worked out (nothing to divide by)."""

    key: str
    label: str
    definition: str
    kind: FigureKind


DEFINITIONS: tuple[Kpi, ...] = (
    Kpi("gross_sales", "Gross sales",
        "The price of the items in paid orders, before discounts, without tax and shipping. "
        "Every figure counts an order on the day it was paid.", FigureKind.MONEY),
    Kpi("discounts", "Discounts", "Discounts given on those orders.", FigureKind.MONEY),
    Kpi("refunds", "Refunds",
        "Money refunded on those orders, without tax: for each order, the amount refunded "
        "÷ (1 + the order’s tax rate), as a refund is taken to carry tax at the order’s "
        "rate, and never more than the order’s subtotal − discount; rounded to the cent "
        "and counted on the day the order was paid.", FigureKind.MONEY),
    Kpi("net_sales", "Net sales", "Gross sales − discounts − refunds.", FigureKind.MONEY),
    Kpi("orders", "Orders",
        "Orders paid, including ones refunded or cancelled after payment. Orders never paid "
        "(awaiting payment, expired, cancelled unpaid) are left out.", FigureKind.COUNT),
    Kpi("average_order_value", "Average order value",
        "(Gross sales − discounts) ÷ orders, without tax and shipping.", FigureKind.MONEY),
    Kpi("units_sold", "Units sold", "Units in the lines of those orders.", FigureKind.COUNT),
    Kpi("sessions", "Sessions",
        "Visits to the storefront: each browser counts once on each day it is shown a page "
        "(known by a cookie of the shop’s; a client that keeps no cookies, once a day for "
        "its address).",
        FigureKind.COUNT),
    Kpi("conversion_rate", "Conversion rate", "Sessions that placed an order ÷ sessions.",
        FigureKind.PERCENT),
    Kpi("new_customers", "New customers",
        "Customers (one per email address) whose first paid order falls in the period.",
        FigureKind.COUNT),
    Kpi("returning_customer_rate", "Returning customer rate",
        "Customers who paid in the period and have more than one paid order up to its end "
        "÷ customers who paid in the period.", FigureKind.PERCENT),
)
KEYS = tuple(kpi.key for kpi in DEFINITIONS)


def summary(period: Period) -> dict[str, Decimal | int | None]:
    """Every figure of DEFINITIONS for the whole period: from the rollups once built (three
    queries), else from the orders (`orders_summary`)."""
    if rollup_figures.built():
        return rollup_figures.summary(period.start, period.end, today=today())
    return orders_summary(period)


def orders_summary(period: Period) -> dict[str, Decimal | int | None]:
    """`summary` read from the orders, lines and sessions themselves (three queries)."""
    orders = _customers(paid_orders(period)).aggregate(**_order_aggregates())
    units = paid_lines(period).aggregate(units=Sum("quantity"))
    sessions = add_up(session_days(period).values())
    return figures_from(orders, units, sessions)


def daily(period: Period) -> list[dict]:
    """One dict per day of the period, empty days included: {"day": date, **figures}."""
    return [{"day": row["start"], **without_bounds(row)} for row in series(period, "day")]


def series(period: Period, granularity: str) -> list[dict]:
    """The figures per day, week (from Monday) or month, one dict per bucket, empty ones
    included: {"start": first day, "end": last day (both within the period), **figures}.
    The first and last buckets of a week or month series may be partial (three queries)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"Choose one of {', '.join(GRANULARITIES)}, not “{granularity}”.")
    if rollup_figures.built():
        return rollup_figures.series(period.start, period.end, granularity, today=today())
    return orders_series(period, granularity)


def orders_series(period: Period, granularity: str) -> list[dict]:
    """`series` read from the orders, lines and sessions themselves (three queries)."""
    order_bucket = {"bucket": bucket("paid_at", granularity)}
    orders = _by_bucket(_customers(paid_orders(period)).annotate(**order_bucket),
                        _order_aggregates())
    line_bucket = {"bucket": bucket("order__paid_at", granularity)}
    units = _by_bucket(paid_lines(period).annotate(**line_bucket), {"units": Sum("quantity")})
    by_day = session_days(period)
    rows = []
    for first, last in buckets(period, granularity):
        key = bucket_start(first, granularity)
        sessions = add_up(by_day.get(day) for day in Period(first, last).each_day())
        figures = figures_from(orders.get(key, {}), units.get(key, {}), sessions)
        rows.append({"start": first, "end": last, **figures})
    return rows


def buckets(period: Period, granularity: str) -> list[tuple[date, date]]:
    """The (first day, last day) of each bucket, clipped to the period."""
    return _buckets(period.start, period.end, granularity)


def session_days(period: Period) -> dict[date, dict[str, int]]:
    """{day: {"sessions": …, "ordered": …}} for the days of the period with sessions (one
    query at most).

    Sessions are only ever recorded for today, so a day before yesterday no longer changes:
    its counts are kept in the cache for SESSION_DAY_SECONDS, and only the days not kept
    there are counted in the database. The storefront's millions of session rows are then
    read once, not on every look at the dashboard."""
    closed = today() - timedelta(days=2)
    keys = {_session_day_key(day): day for day in period.each_day() if day <= closed}
    kept = {keys[key]: counts for key, counts in cache.get_many(list(keys)).items()}
    missing = [day for day in period.each_day() if day not in kept]
    if not missing:
        return {day: counts for day, counts in kept.items() if counts["sessions"]}
    rows = (
        SessionDay.objects.filter(day__gte=missing[0], day__lte=missing[-1])
        .order_by("day").values("day")
        .annotate(sessions=Count("day"), ordered=Count("day", filter=Q(ordered=True)))
    )
    counted = {row["day"]: {"sessions": row["sessions"], "ordered": row["ordered"]}
               for row in rows}
    cache.set_many({
        _session_day_key(day): counted.get(day, {"sessions": 0, "ordered": 0})
        for day in missing if day <= closed
    }, SESSION_DAY_SECONDS)
    found = {**kept, **{day: counted[day] for day in missing if day in counted}}
    return {day: counts for day, counts in sorted(found.items()) if counts["sessions"]}


def forget_session_days(days: Iterable[date]) -> None:
    """Drop the kept counts of these days: for sessions added to past days (the demo)."""
    cache.delete_many([_session_day_key(day) for day in days])


def customers_before(day: date) -> int:
    """How many customers had paid for an order before `day` began (one query)."""
    if rollup_figures.built():
        return rollup_figures.customers_before(day)
    return orders_customers_before(day)


def orders_customers_before(day: date) -> int:
    """`customers_before` counted from the orders (one query)."""
    start = datetime.combine(day, time.min, tzinfo=store_zone())
    found = Order.objects.filter(paid_at__lt=start).aggregate(
        customers=Count(Lower("email"), distinct=True)
    )
    return found["customers"]


def first_paid_day() -> date | None:
    """The day (in the store's time zone) the shop's first order was paid; None before any
    (one query, read from the index on `paid_at`)."""
    first = Order.objects.filter(paid_at__isnull=False).aggregate(first=Min("paid_at"))["first"]
    return first.astimezone(store_zone()).date() if first else None



# --- the queries ------------------------------------------------------------------------


def paid_orders(period: Period) -> QuerySet:
    """The orders the figures count: those paid in the period (the store's days)."""
    start, end = period.bounds()
    return Order.objects.filter(paid_at__gte=start, paid_at__lt=end)


def paid_lines(period: Period) -> QuerySet:
    """The lines of `paid_orders(period)`, unordered, ready to be grouped."""
    start, end = period.bounds()
    return OrderLine.objects.filter(order__paid_at__gte=start, order__paid_at__lt=end).order_by()


def item_refund(prefix: str = "") -> Round:
    """An order's refund as the Refunds figure counts it, as a database expression: refunded
    total ÷ (1 + tax rate), at most subtotal − discount, rounded to the cent. `prefix` reaches
    the order from another model ("order__" from its lines)."""
    without_tax = F(f"{prefix}refunded_total") / (Value(Decimal(1)) + F(f"{prefix}tax_rate"))
    items = F(f"{prefix}subtotal") - F(f"{prefix}discount_total")
    return Round(Least(without_tax, items, output_field=MONEY), 2, output_field=MONEY)


def _customers(orders: QuerySet) -> QuerySet:
    # An order that is no repeat purchase is its customer's first paid one: a customer with
    # such an order in the period is new; one with a repeat purchase in it has, by the
    # period's end, more than one paid order.
    return orders.annotate(customer=Lower("email"))


def _order_aggregates() -> dict:
    return {
        "gross": Sum("subtotal"),
        "discounts": Sum("discount_total"),
        "refunds": Sum(item_refund()),
        "orders": Count("pk"),
        "customers": Count("customer", distinct=True),
        "new": Count("customer", distinct=True, filter=Q(is_repeat_purchase=False)),
        "returning": Count("customer", distinct=True, filter=Q(is_repeat_purchase=True)),
    }


def _session_day_key(day: date) -> str:
    return f"dashboard:sessions:{day.isoformat()}"


def bucket(field: str, granularity: str) -> Trunc:
    """The first day of the bucket a moment falls in, in the store's time zone."""
    return Trunc(field, granularity, output_field=DateField(), tzinfo=store_zone())


def _by_bucket(queryset: QuerySet, aggregates: dict) -> dict[date, dict]:
    rows = queryset.order_by().values("bucket").annotate(**aggregates)
    return {row["bucket"]: row for row in rows}
