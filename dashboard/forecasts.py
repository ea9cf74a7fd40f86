"""Stock forecasts: each variant's demand forecast kept in DemandForecast, recomputed by
`recompute` (a daily task and `manage.py forecast_demand`), and what to reorder from them.

A variant is forecast from its units sold per day (paid orders, the store's days) over the
last HISTORY_DAYS days, by dashboard.forecasting; one that sold nothing in them has no
forecast. What to reorder: enough for the lead time and the cover after it (its product's
own, else the settings REORDER_LEAD_DAYS and REORDER_COVER_DAYS) at the high end of the
forecast's range, less what is available now.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from core.db_routers import reading_from_replica
from dashboard import forecasting, kpis
from dashboard.kpis import Period, paid_lines
from dashboard.models import DemandForecast
from shop.models import Product, Variant

HISTORY_DAYS = forecasting.FIT_DAYS + 7 * forecasting.BACKTEST_WEEKS
HORIZON = 120  # days forecast, enough for the longest lead time and cover together
BATCH = 1000


@dataclass(frozen=True)
class Summary:
    """Every forecast's backtest together: the mean absolute error per variant-day of the
    model and of the naive forecast, over `variants` variants, and how many use the model."""

    variants: int
    model_error: float
    naive_error: float
    use_model: int


@dataclass(frozen=True)
class Reorder:
    """What a variant needs: `expected` (and `high`) units sold over `lead_days` and
    `cover_days`, `available` now, and so `quantity` to order; when it runs out, with its
    range."""

    lead_days: int
    cover_days: int
    expected: float
    high: float
    available: int
    quantity: int
    runs_out: tuple[date | None, date | None, date | None]
    per_day: float
    method: str


def recompute() -> int:
    """Forecast every variant that sold in the last HISTORY_DAYS days from today's history,
    replacing the forecasts there were; returns how many were made. The sales are read from
    the replica when there is one; which variants still exist, from the primary."""
    today = kpis.today()
    first_day = today - timedelta(days=HISTORY_DAYS)
    series: defaultdict[int, list[float]] = defaultdict(lambda: [0.0] * HISTORY_DAYS)
    with reading_from_replica():
        for variant, day, units in _units_by_day(Period(first_day, today - timedelta(days=1))):
            series[variant][(day - first_day).days] += units
    made = []
    for variant, history in series.items():
        forecast = forecasting.forecast(history, first_day=first_day, horizon=HORIZON)
        test = forecast.backtest
        made.append(DemandForecast(
            variant_id=variant, made_on=forecast.start,
            method=DemandForecast.Method.MODEL if test.uses_model else DemandForecast.Method.NAIVE,
            daily=[round(units, 3) for units in forecast.daily], rmse=forecast.rmse,
            model_error=test.model_error, naive_error=test.naive_error,
            backtest_days=test.days,
        ))
    with transaction.atomic():
        # A variant deleted after the replica's copy of its sales has no forecast to keep.
        existing = set(Variant.objects.values_list("pk", flat=True))
        made = [forecast for forecast in made if forecast.variant_id in existing]
        DemandForecast.objects.all().delete()
        DemandForecast.objects.bulk_create(made, batch_size=BATCH)
    return len(made)


def summary() -> Summary:
    """The backtest of every forecast kept (one query)."""
    rows = list(DemandForecast.objects.filter(backtest_days__gt=0).values_list(
        "model_error", "naive_error", "backtest_days", "method"))
    days = sum(row[2] for row in rows)
    if not days:
        return Summary(0, 0.0, 0.0, 0)
    return Summary(
        len(rows), sum(error * n for error, _, n, _ in rows) / days,
        sum(error * n for _, error, n, _ in rows) / days,
        sum(1 for *_, method in rows if method == DemandForecast.Method.MODEL),
    )


def reorder(forecast: DemandForecast, *, product: Product, available: int,
            today: date | None = None) -> Reorder:
    """What `forecast`'s variant (of `product`) needs, with `available` units now (see the
    module)."""
    today = today or kpis.today()
    kept = _from_today(forecast, today)
    lead = _or_setting(product.reorder_lead_days, settings.REORDER_LEAD_DAYS)
    cover = _or_setting(product.reorder_cover_days, settings.REORDER_COVER_DAYS)
    days = max(1, min(lead + cover, len(kept.daily)))
    _, expected, high = kept.units(days)
    quantity = max(0, math.ceil(high - available))
    return Reorder(lead, cover, expected, high, available, quantity, kept.runs_out(available),
                   expected / days, forecast.get_method_display())


def _or_setting(own: int | None, setting: int) -> int:
    return setting if own is None else own


@dataclass(frozen=True)
class ToOrder:
    """A variant to reorder, with its forecast's backtest errors."""

    variant: Variant
    available: int
    reorder: Reorder
    model_error: float
    naive_error: float

    @property
    def why(self) -> str:
        reorder = self.reorder
        return (
            f"Sells about {reorder.per_day:.1f} a day ({reorder.method.lower()}; its backtest "
            f"missed by {self.model_error:.2f} a day, the last 4 weeks' average by "
            f"{self.naive_error:.2f}). Over {reorder.lead_days} days' lead time and "
            f"{reorder.cover_days} days' cover it is expected to sell "
            f"{reorder.expected:.0f}, up to {reorder.high:.0f}; {self.available} available."
        )


def reorders() -> list[ToOrder]:
    """Every variant on sale whose forecast says to order some now, the soonest to run out
    first (one query)."""
    today = kpis.today()
    found = []
    for forecast in (DemandForecast.objects.select_related("variant__product")
                     .filter(variant__product__is_active=True).order_by("variant__sku")):
        variant = forecast.variant
        available = max(0, variant.on_hand - variant.reserved)
        needed = reorder(forecast, product=variant.product, available=available, today=today)
        if needed.quantity:
            found.append(ToOrder(variant, available, needed, forecast.model_error,
                                 forecast.naive_error))
    return sorted(found, key=lambda row: row.reorder.runs_out[1] or date.max)


def _from_today(forecast: DemandForecast, today: date) -> forecasting.Forecast:
    """The forecast from today on (it was made on an earlier day, when the task last ran)."""
    skip = max(0, (today - forecast.made_on).days)
    test = forecasting.Backtest(forecast.model_error, forecast.naive_error,
                                forecast.backtest_days)
    return forecasting.Forecast(today, tuple(forecast.daily[skip:]), forecast.rmse, test)


def _units_by_day(period: Period):
    """(variant pk, day, units) sold in orders paid in the period."""
    return (
        paid_lines(period).filter(variant__isnull=False)
        .annotate(day=kpis.bucket("order__paid_at", "day"))
        .values_list("variant_id", "day").annotate(units=Sum("quantity"))
    )
