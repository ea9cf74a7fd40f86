"""The key figures read from the daily rollups (dashboard.rollups keeps them): for a period,
its days' DailySales rows (at most MAX_DAYS of them, added up here) and one aggregate of its
days' DailyCustomers rows, however many orders the period holds. The sessions of today and
yesterday, which still change, are counted from their rows; a day before them whose
sessions were never counted is counted once and kept on its row.

The sums are those dashboard.kpis takes from the orders directly, and both hand them to
dashboard.kpi_math: the figures are the same, to the cent (tests/dashboard/test_rollups.py).
"""

from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, DateField, F, Q, Sum, Value
from django.db.models.functions import Cast, Greatest, Trunc

from core.money import ZERO
from dashboard.kpi_math import add_up, buckets, figures_from
from dashboard.models import DailyCustomers, DailySales, RollupBuild, SessionDay

BUILT_KEY = "dashboard:rollups-built"
NOT_BUILT_SECONDS = 60  # a build in another process says so itself, after it commits
SUMS = ("orders", "gross", "discounts", "refunds", "units")
Kind = DailyCustomers.Kind


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


# --- the rows -------------------------------------------------------------------------------


def _days(start: date, end: date, *, today: date) -> dict[date, dict]:
    """{day: its sums and sessions} for the days of the period with any."""
    rows = DailySales.objects.filter(day__gte=start, day__lte=end).values(
        "day", *SUMS, "sessions", "ordered_sessions", "sessions_counted")
    days = {row["day"]: {**row, "ordered": row["ordered_sessions"]} for row in rows}
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
        first = Value(start, output_field=DateField())
    elif granularity == "day":
        first = F("day")
    else:
        # PostgreSQL truncates a date to a timestamp: the first day, as a date again.
        truncated = Trunc("day", granularity, output_field=DateField())
        first = Cast(Greatest(truncated, Value(start, output_field=DateField())), DateField())
    found = (
        rows.annotate(first=first).order_by().values("first", "kind")
        .annotate(n=Sum("customers", filter=Q(previous_day__lt=F("first"))))
    )
    names = {Kind.PAID: "customers", Kind.FIRST: "new", Kind.REPEAT: "returning"}
    result: dict[date, dict] = {start: {}} if whole else {}
    for row in found:
        result.setdefault(row["first"], {})[names[row["kind"]]] = row["n"] or 0
    return result
