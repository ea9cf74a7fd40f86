"""The figures read from the rollups (dashboard.rollups keeps them), however many orders
the period holds: for the key figures, its days' DailySalesSlot rows added up per day (at
most MAX_DAYS × SLOTS of them), its days' DailySales rows (sessions) and one aggregate of its
days' DailyCustomers rows; for the products and categories sold, the ProductSales rows of its
whole months and of its other days; for the flagged share, its days' DailyRisk rows. The
sessions of today and yesterday, which still change, are counted from their rows; a day
before them whose sessions were never counted is counted once and kept on its row.

The sums are those dashboard.kpis takes from the orders directly, and both hand them to
dashboard.kpi_math: the figures are the same, to the cent (tests/dashboard/test_rollups.py).
"""

from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, DateField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest, Trunc

from core.money import ZERO, to_cents
from dashboard.kpi_math import add_up, bucket_start, buckets, figures_from, next_bucket
from dashboard.models import (
    DailyCustomers,
    DailyRisk,
    DailySales,
    DailySalesSlot,
    ProductSales,
    RollupBuild,
    SessionDay,
)

BUILT_KEY = "dashboard:rollups-built"
NOT_BUILT_SECONDS = 60  # a build in another process says so itself, after it commits
SUMS = ("orders", "gross", "discounts", "refunds", "units")
Kind = DailyCustomers.Kind
Span = ProductSales.Span


def built() -> bool:
    """Whether the rollups were built (no query once the cache knows)."""
    known = cache.get(BUILT_KEY)
    if known is None:
        known = RollupBuild.objects.exists()
        cache.set(BUILT_KEY, known, None if known else NOT_BUILT_SECONDS)
    return known


def forget_built() -> None:
    cache.delete(BUILT_KEY)


def summary(start: date, end: date, *, today: date) -> dict:
    """Every key figure for the days from `start` to `end` (three queries, a fourth for
    the sessions of today and yesterday)."""
    days = _days(start, end, today=today)
    sums = _add_days(days.values())
    customers = _customers(start, end, "day", whole=True)[start]
    return figures_from({**sums, **customers}, sums, sums)


def series(start: date, end: date, granularity: str, *, today: date) -> list[dict]:
    """As dashboard.kpis.series: the figures per day, week or month, empty buckets included."""
    days = _days(start, end, today=today)
    customers = _customers(start, end, granularity)
    rows = []
    for first, last in buckets(start, end, granularity):
        sums = _add_days(days.get(first + timedelta(days=n))
                         for n in range((last - first).days + 1))
        figures = figures_from({**sums, **customers.get(first, {})}, sums, sums)
        rows.append({"start": first, "end": last, **figures})
    return rows


def customers_before(day: date) -> int:
    """How many customers had paid for an order before `day` began: each counted on their
    first day (one query)."""
    found = DailyCustomers.objects.filter(
        kind=Kind.PAID, previous_day=DailyCustomers.NEVER, day__lt=day
    ).aggregate(customers=Sum("customers"))
    return found["customers"] or 0


def count_closed_sessions(*, today: date, days: list[date] | None = None,
                          recount: bool = False) -> dict[date, tuple[int, int]]:
    """Count the sessions of `days` (every day with sessions, by default) that can no longer
    change (before yesterday: sessions are only recorded for today) and keep them on the
    days' rows; returns {day: (sessions, ordered)} for those counted. `recount` counts again
    days counted before."""
    closed = today - timedelta(days=2)
    rows = SessionDay.objects.filter(day__lte=closed)
    if days is not None:
        days = [day for day in days if day <= closed]
        if not days:
            return {}
        rows = rows.filter(day__gte=min(days), day__lte=max(days))
    counted = {
        row["day"]: (row["sessions"], row["ordered"])
        for row in rows.order_by().values("day").annotate(
            sessions=Count("day"), ordered=Count("day", filter=Q(ordered=True)))
    }
    wanted = set(days) if days is not None else set(counted)
    if not recount and days is None:
        wanted -= set(DailySales.objects.filter(sessions_counted=True)
                      .values_list("day", flat=True))
    found = {day: counted.get(day, (0, 0)) for day in wanted}
    DailySales.objects.bulk_create(
        [DailySales(day=day, sessions=n, ordered_sessions=ordered, sessions_counted=True)
         for day, (n, ordered) in found.items()],
        update_conflicts=True, unique_fields=["day"],
        update_fields=["sessions", "ordered_sessions", "sessions_counted"], batch_size=5000,
    )
    return found


def product_sums(start: date, end: date) -> list[dict]:
    """{"product", "name", "category", "revenue", "units"} for each product and name it was
    sold as on the days, with the product's category as it is now (one query): what
    `products_sold` and `categories_sold` rank."""
    return list(_product_rows(start, end)
                .values("product", name=F("product_name"),
                        category=F("product__category__name"))
                .annotate(revenue=Sum("revenue"), units=Sum("units")))


def products_sold(sums: list[dict], *, by: str, limit: int) -> list[dict]:
    """As dashboard.selectors.top_products: {"name", "revenue", "units"} of the best sellers
    by line totals or by units, from `product_sums`."""
    return _ranked(sums, "name", by=by)[:limit]


def categories_sold(sums: list[dict]) -> list[dict]:
    """As dashboard.selectors.revenue_by_category: {"name", "revenue", "units"} for each
    category of the products sold (as they are now), largest first, from `product_sums`."""
    return _ranked(sums, "category", by="revenue")


def _ranked(sums: list[dict], key: str, *, by: str) -> list[dict]:
    """The sums added up by `key`, largest first by `by` then by the other, then by name
    (none last, as the database orders them)."""
    found: dict[str | None, dict] = {}
    for row in sums:
        each = found.setdefault(row[key], {"name": row[key], "revenue": ZERO, "units": 0})
        each["revenue"] += row["revenue"]
        each["units"] += row["units"]
    rows = [{**row, "revenue": to_cents(row["revenue"])} for row in found.values()]
    other = "units" if by == "revenue" else "revenue"
    return sorted(rows, key=lambda row: (-row[by], -row[other], row["name"] is None,
                                         row["name"] or ""))


def placed_and_flagged(start: date, end: date, *, threshold: int) -> tuple[int, int]:
    """How many orders were placed on the days, and how many of them score `threshold` or
    more for risk (one query)."""
    found = DailyRisk.objects.filter(day__gte=start, day__lte=end).aggregate(
        placed=Sum("orders"), flagged=Sum("orders", filter=Q(score__gte=threshold)))
    return found["placed"] or 0, found["flagged"] or 0


# --- the rows -------------------------------------------------------------------------------


def _product_rows(start: date, end: date) -> QuerySet:
    """The ProductSales rows that add up to the days from `start` to `end`: a month's row
    for each calendar month wholly inside them, a day's for each day left at their ends."""
    first = start if start.day == 1 else next_bucket(bucket_start(start, "month"), "month")
    past = end + timedelta(days=1)
    after = past if past.day == 1 else end.replace(day=1)  # the day after the whole months
    months = []
    while first < after:
        months.append(first)
        first = next_bucket(first, "month")
    rows = ProductSales.objects.order_by()
    if not months:
        return rows.filter(span=Span.DAY, start__gte=start, start__lte=end)
    return rows.filter(
        Q(span=Span.MONTH, start__in=months)
        | Q(span=Span.DAY, start__gte=start, start__lt=months[0])
        | Q(span=Span.DAY, start__gte=after, start__lte=end)
    )


def _days(start: date, end: date, *, today: date) -> dict[date, dict]:
    """{day: its sums and sessions} for the days of the period with any."""
    sums = (DailySalesSlot.objects.filter(day__gte=start, day__lte=end).order_by()
            .values("day").annotate(**{key: Sum(key) for key in SUMS}))
    days = {row["day"]: row for row in sums}
    sessions = DailySales.objects.filter(day__gte=start, day__lte=end).values(
        "day", "sessions", "ordered_sessions", "sessions_counted")
    for row in sessions:
        days.setdefault(row["day"], {}).update(row, ordered=row["ordered_sessions"])
    closed = today - timedelta(days=2)
    uncounted = [
        start + timedelta(days=n) for n in range((min(end, closed) - start).days + 1)
        if not days.get(start + timedelta(days=n), {}).get("sessions_counted")
    ]
    if uncounted:
        for day, (n, ordered) in count_closed_sessions(today=today, days=uncounted).items():
            days.setdefault(day, {}).update(sessions=n, ordered=ordered)
    if end > closed:
        live = (
            SessionDay.objects.filter(day__gt=closed, day__gte=start, day__lte=end)
            .order_by().values("day")
            .annotate(sessions=Count("day"), ordered=Count("day", filter=Q(ordered=True)))
        )
        for row in live:
            days.setdefault(row["day"], {}).update(sessions=row["sessions"],
                                                   ordered=row["ordered"])
    return days


class _TruncOfDate(Trunc):
    """A date field truncated to a date (no time zone applies to a date). PostgreSQL has no
    date_trunc for a date: it would take it as a timestamp with time zone, converting every
    row through the session's zone, which took a third of the customers' query by month at
    100,000 orders (30 ms against 21). As a timestamp without one, nothing is converted; the
    first day, as a date again."""

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"DATE_TRUNC(%s, ({sql})::timestamp)::date", (self.kind, *params)


def _add_days(days) -> dict:
    present = [day for day in days if day]
    sums = {key: sum((day.get(key) or 0 for day in present), start=0) for key in SUMS}
    for key in ("gross", "discounts", "refunds"):
        sums[key] = sums[key] or ZERO
    return {**sums, **add_up(present)}


def _customers(start: date, end: date, granularity: str, *, whole: bool = False) -> dict:
    """{bucket's first day: {"customers", "new", "returning"}}: each customer counted once
    in a bucket, on their first day in it (their previous day falls before it). `whole`:
    one bucket, the whole period."""
    rows = DailyCustomers.objects.filter(day__gte=start, day__lte=end)
    if whole:
        # Only the rows of each customer's first day in the period, found by the index on
        # the previous day: a year's rows at 100,000 orders took 15 ms added up, these 1 ms.
        # A kind with none is absent, and counts as none.
        rows = rows.filter(previous_day__lt=start)
        first = Value(start, output_field=DateField())
    elif granularity == "day":
        first = F("day")
    else:
        truncated = _TruncOfDate("day", granularity, output_field=DateField())
        first = Greatest(truncated, Value(start, output_field=DateField()))
    found = (
        rows.annotate(first=first).order_by().values("first", "kind")
        .annotate(n=Sum("customers", filter=Q(previous_day__lt=F("first"))))
    )
    names = {Kind.PAID: "customers", Kind.FIRST: "new", Kind.REPEAT: "returning"}
    result: dict[date, dict] = {start: {}} if whole else {}
    for row in found:
        result.setdefault(row["first"], {})[names[row["kind"]]] = row["n"] or 0
    return result
