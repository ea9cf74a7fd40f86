"""The demo history's seasonal goods: sold by the week and the year, as their rows show, low on
stock, and forecast better by the model than by the last 4 weeks' average."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.contrib.sites.models import Site
from django.db import connection, transaction

from dashboard import forecasts, kpis, selectors
from dashboard.demo.history import seed_order_history
from dashboard.demo.seasons import SEASONAL, Seasons
from dashboard.demo.tastes import Offered
from dashboard.models import DemandForecast
from shop import demo
from shop.demo.sellers import load_demo_sellers
from shop.models import OrderLine, Variant

pytestmark = pytest.mark.django_db

UNTIL = date(2025, 12, 31)  # the history's last day: the blanket's season, not the bag's
TODAY = UNTIL + timedelta(days=1)
ORDERS = 3000  # as `make run` seeds them
YEAR = [UNTIL - timedelta(days=n) for n in range(365)]  # the newest first
CHAIR, HIP_PACK, SLEEPING_BAG, BLANKET = (season.noun for season in SEASONAL)


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    """The demo catalogue and its sellers with a year of history and its forecasts, made once
    for the module in a transaction rolled back after its last test."""
    with (django_db_blocker.unblock(), transaction.atomic(), pytest.MonkeyPatch.context() as mp):
        # As tests/conftest.py does for each test: a test that committed may have emptied
        # the tables of the rows the migrations wrote (the shipping methods).
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Site.objects.exists():
            connection.creation.deserialize_db_from_string(contents)
        mp.setattr(kpis, "today", lambda: TODAY)
        demo.load_demo_catalogue(draw_images=False)
        load_demo_sellers()
        seed_order_history(orders=ORDERS, until=UNTIL)
        forecasts.recompute()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def _today(shop, monkeypatch):
    monkeypatch.setattr(kpis, "today", lambda: TODAY)


def seasonal(noun: str) -> Variant:
    """The variant that sells in season: of the products of that noun, the one with the
    fewest units available (the first by SKU among equals)."""
    variants = Variant.objects.filter(product__name__endswith=noun, product__is_active=True)
    return min(variants, key=lambda variant: (variant.available, variant.sku))


def units_by_day(variant: Variant) -> Counter[date]:
    """The units of `variant` paid for on each day, in the store's time zone."""
    zone = kpis.store_zone()
    paid = OrderLine.objects.filter(variant=variant, order__paid_at__isnull=False)
    sold: Counter[date] = Counter()
    for quantity, paid_at in paid.values_list("quantity", "order__paid_at"):
        sold[paid_at.astimezone(zone).date()] += quantity
    return sold


def per_day(sold: Counter[date], days: list[date]) -> float:
    return sum(sold[day] for day in days) / len(days)


def on(weekdays: tuple[int, ...], days: list[date] = YEAR) -> list[date]:
    return [day for day in days if day.weekday() in weekdays]


def months(*numbers: int) -> list[date]:
    return [day for day in YEAR if day.month in numbers]


def test_the_camp_chair_sells_mostly_at_weekends(shop):
    sold = units_by_day(seasonal(CHAIR))

    assert sum(sold.values()) > 60
    assert per_day(sold, on((5, 6))) > 5 * per_day(sold, on((0, 1, 2, 3)))


def test_the_hip_pack_sells_more_and_more_over_the_last_months(shop):
    sold = units_by_day(seasonal(HIP_PACK))
    lately, before, long_before = YEAR[:60], YEAR[60:120], YEAR[150:]

    assert per_day(sold, lately) > 2 * per_day(sold, before) > 0
    assert per_day(sold, before) > 2 * per_day(sold, long_before)
    assert per_day(sold, on((5,), lately)) > 3 * per_day(sold, on((0, 1, 2), lately))


def test_the_sleeping_bag_sells_in_summer_and_the_blanket_in_winter(shop):
    bag, blanket = units_by_day(seasonal(SLEEPING_BAG)), units_by_day(seasonal(BLANKET))
    summer, winter = months(6, 7, 8), months(12, 1, 2)

    assert per_day(bag, summer) > 3 * per_day(bag, winter)
    assert per_day(blanket, winter) > 3 * per_day(blanket, summer)
    assert per_day(blanket, on((6,), winter)) > 3 * per_day(blanket, on((1, 2), winter))


@pytest.mark.parametrize("noun", [CHAIR, HIP_PACK, BLANKET])
def test_the_model_beats_the_naive_forecast_for_the_goods_in_season(shop, noun):
    kept = DemandForecast.objects.get(variant=seasonal(noun))

    assert kept.made_on == TODAY
    assert kept.backtest_days == 56
    assert kept.model_error < kept.naive_error
    assert kept.method == DemandForecast.Method.MODEL


def test_the_goods_out_of_season_sell_too_little_to_tell(shop):
    kept = DemandForecast.objects.filter(variant=seasonal(SLEEPING_BAG)).first()
    assert kept is None or sum(kept.daily[:7]) < 1


def test_the_seasonal_goods_lead_the_low_stock_panel_with_their_forecasts(_today):
    rows = selectors.low_stock()
    top = {row.variant.sku: row for row in rows[:3]}

    for noun in (CHAIR, HIP_PACK):
        variant = seasonal(noun)
        assert variant.available <= variant.low_stock_threshold
        row = top[variant.sku]
        assert row.reorder.method == "Trend and weekday"
        assert row.reorder.quantity > 0
        assert row.reorder.runs_out[1] == TODAY  # none left


def test_the_blanket_has_a_few_left_and_runs_out_soon(_today):
    blanket = seasonal(BLANKET)
    [row] = [row for row in forecasts.reorders() if row.variant == blanket]

    assert 0 < row.available <= blanket.low_stock_threshold
    assert TODAY < row.reorder.runs_out[1] < TODAY + timedelta(days=30)


def test_a_catalogue_without_seasonal_goods_sells_none():
    offered = [Offered(pk, pk, f"Thing {pk}", 1, 1, "Red", 10, 1.0) for pk in range(5)]
    seasons = Seasons(offered, available=dict.fromkeys(range(5), 3),
                      sku={pk: f"T{pk}" for pk in range(5)}, days=YEAR, seed=1)

    assert seasons.variants == []
    assert all(seasons.extras(day) == [] for day in YEAR)
