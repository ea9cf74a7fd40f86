"""The key figures' arithmetic, shared by the two ways of reading them: from the orders
directly (dashboard.kpis) and from the daily rollups (dashboard.rollup_figures). Pure: no
queries. Both ways hand `figures_from` the same sums, so they give the same figures."""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from core.money import ZERO, to_cents

RATE_PLACES = Decimal("0.0001")
# The figures in the order DEFINITIONS gives them (dashboard.kpis checks they agree).
KEYS = (
    "gross_sales", "discounts", "refunds", "net_sales", "orders", "average_order_value",
    "units_sold", "sessions", "conversion_rate", "new_customers", "returning_customer_rate",
)


def change(current: Decimal | int | None, previous: Decimal | int | None) -> Decimal | None:
    """The change from `previous` to `current` as a percentage (12.5 for +12.5 %), rounded to
    one place; None when either is unknown or `previous` is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )


def buckets(start: date, end: date, granularity: str) -> list[tuple[date, date]]:
    """The (first day, last day) of each bucket from `start` to `end`, clipped to them."""
    result, first = [], start
    while first <= end:
        last = min(next_bucket(bucket_start(first, granularity), granularity),
                   end + timedelta(days=1)) - timedelta(days=1)
        result.append((first, last))
        first = last + timedelta(days=1)
    return result


def add_up(days: Iterable[dict | None]) -> dict[str, int]:
    counts = [day for day in days if day]
    return {"sessions": sum(day["sessions"] for day in counts),
            "ordered": sum(day["ordered"] for day in counts)}


def bucket_start(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def next_bucket(first: date, granularity: str) -> date:
    if granularity == "week":
        return first + timedelta(days=7)
    if granularity == "month":
        return (first + timedelta(days=32)).replace(day=1)
    return first + timedelta(days=1)


def figures_from(orders: dict, units: dict, sessions: dict) -> dict[str, Decimal | int | None]:
    # Rounded to the cent: SQLite adds decimals in floating point (768305.599999994).
    gross = to_cents(orders.get("gross") or ZERO)
    discounts = to_cents(orders.get("discounts") or ZERO)
    refunds = to_cents(orders.get("refunds") or ZERO)
    count = orders.get("orders") or 0
    customers = orders.get("customers") or 0
    visits = sessions.get("sessions") or 0
    return {
        "gross_sales": gross,
        "discounts": discounts,
        "refunds": refunds,
        "net_sales": gross - discounts - refunds,
        "orders": count,
        "average_order_value": to_cents((gross - discounts) / count) if count else None,
        "units_sold": units.get("units") or 0,
        "sessions": visits,
        "conversion_rate": rate(sessions.get("ordered") or 0, visits),
        "new_customers": orders.get("new") or 0,
        "returning_customer_rate": rate(orders.get("returning") or 0, customers),
    }


def without_bounds(row: dict) -> dict:
    return {key: row[key] for key in KEYS}


def rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP) if whole else None

