"""Demand forecasts and their backtest (dashboard.forecasting) on made series whose shape is
known: weekly seasonality and a trend the model must find, and series where it cannot beat
the naive forecast, which is then the one used."""

import random
from datetime import date, timedelta

import pytest

from dashboard import forecasting

MONDAY = date(2026, 1, 5)
WEEK = (2, 2, 3, 3, 5, 9, 8)  # Monday to Sunday: busy weekends


def seasonal(days: int, *, trend: float = 0.0, noise: float = 0.0, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [max(0.0, WEEK[day % 7] + trend * day + rng.gauss(0, noise)) for day in range(days)]


def test_the_model_finds_the_week_and_the_trend():
    history = seasonal(140, trend=0.05)
    daily = forecasting.model(history, first_day=MONDAY, horizon=7)
    expected = [WEEK[day % 7] + 0.05 * day for day in range(140, 147)]
    assert daily == pytest.approx(expected, abs=1e-6)


def test_on_a_seasonal_series_the_model_beats_the_naive_forecast_and_is_used():
    history = seasonal(182, trend=0.02, noise=0.8)
    test = forecasting.backtest(history, first_day=MONDAY)
    assert test.days == 56  # eight weeks replayed
    assert test.model_error < 0.6 * test.naive_error
    made = forecasting.forecast(history, first_day=MONDAY, horizon=14)
    assert made.backtest.uses_model
    assert made.start == MONDAY + timedelta(days=182)
    assert made.daily[5] > made.daily[0]  # a Saturday sells more than a Monday
    assert 0.5 < made.rmse < 1.5  # about the noise put in


def test_where_the_model_is_no_better_the_naive_forecast_is_used():
    rng = random.Random(7)
    history = [float(rng.choice([0, 0, 0, 1, 3])) for _ in range(120)]  # no shape at all
    made = forecasting.forecast(history, first_day=MONDAY, horizon=7)
    assert made.backtest.naive_error < made.backtest.model_error  # nine numbers fit to noise
    assert not made.backtest.uses_model
    assert set(made.daily) == {forecasting.naive(history)}


def test_the_range_widens_with_the_days_and_holds_the_expected_units():
    made = forecasting.Forecast(MONDAY, (2.0,) * 30, rmse=1.0,
                                backtest=forecasting.Backtest(1.0, 2.0, 56))
    low, expected, high = made.units(4)
    assert expected == 8.0
    assert (low, high) == pytest.approx((8 - 1.28 * 2, 8 + 1.28 * 2))
    assert made.units(16)[2] - made.units(16)[1] == pytest.approx(1.28 * 4)


def test_the_stock_out_day_comes_with_its_range():
    made = forecasting.Forecast(MONDAY, (2.0,) * 30, rmse=1.0,
                                backtest=forecasting.Backtest(1.0, 2.0, 56))
    earliest, expected, latest = made.runs_out(20)
    assert expected == MONDAY + timedelta(days=9)  # the tenth day sells the twentieth unit
    assert earliest < expected < latest
    assert made.runs_out(1000) == (None, None, None)  # not within the horizon


def test_little_history_falls_back_to_the_average():
    made = forecasting.forecast([1.0, 2.0, 3.0], first_day=MONDAY, horizon=3)
    assert made.daily == (2.0, 2.0, 2.0)
    assert made.backtest.days == 0
    assert forecasting.forecast([], first_day=MONDAY, horizon=2).daily == (0.0, 0.0)
