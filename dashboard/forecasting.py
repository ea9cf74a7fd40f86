"""Daily demand forecasts of one variant from its sales history, with their backtest: plain
numbers in and out, no database (dashboard.forecasts reads the history and keeps the
results).

The model, in one paragraph: the units sold on day t are taken to be a level, plus a trend
(so much more or less each day), plus an effect of the day of the week (the seven effects
adding up to nothing), fitted by least squares to the last FIT_DAYS days of sales (days
without a sale count as zero); a forecast is the fitted line carried forward with its
weekday effect, never below zero. The naive forecast beside it is the last NAIVE_DAYS
days' average, the same every day.

The backtest replays the last BACKTEST_WEEKS weeks: for each, both forecasts are made from
the days before it and compared with what sold in it; the mean absolute error per day over
those weeks is each method's error. The method with the smaller error is the one used, and
its backtest's root mean square error gives the range: over h days the units sold are
expected within the forecast ± Z × RMSE × √h (days taken as independent), so a forecast
never claims more precision than its backtest showed.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

FIT_DAYS = 84  # twelve weeks
NAIVE_DAYS = 28
BACKTEST_WEEKS = 8
Z = 1.28  # about 80 % of outcomes inside the range, were the errors normal


@dataclass(frozen=True)
class Backtest:
    model_error: float  # mean absolute error per day
    naive_error: float
    days: int  # days compared

    @property
    def uses_model(self) -> bool:
        return self.model_error <= self.naive_error


@dataclass(frozen=True)
class Forecast:
    """Units expected on each of the coming days (`daily`, from `start`), by the method the
    backtest chose, and the spread its backtest showed (`rmse`, per day)."""

    start: date
    daily: tuple[float, ...]
    rmse: float
    backtest: Backtest

    def units(self, days: int) -> tuple[float, float, float]:
        """(low, expected, high) units sold over the first `days` days."""
        expected = sum(self.daily[:days])
        spread = Z * self.rmse * math.sqrt(days)
        # To a millionth of a unit: sums of fitted values carry rounding errors.
        return (round(max(0.0, expected - spread), 6), round(expected, 6),
                round(expected + spread, 6))

    def runs_out(self, available: int) -> tuple[date | None, date | None, date | None]:
        """(earliest, expected, latest) day by which `available` units are sold; None when
        the forecast's horizon ends first."""
        first: list[date | None] = [None, None, None]
        expected = 0.0
        for day, units in enumerate(self.daily, start=1):
            expected += units
            spread = Z * self.rmse * math.sqrt(day)
            # The earliest stock-out comes with the high demand, the latest with the low.
            bounds = (expected + spread, expected, max(0.0, expected - spread))
            for place, sold in enumerate(bounds):
                if first[place] is None and round(sold, 6) >= available:
                    first[place] = self.start + timedelta(days=day - 1)
            if first[2] is not None:
                break
        return first[0], first[1], first[2]


def forecast(history: list[float], *, first_day: date, horizon: int) -> Forecast:
    """The next `horizon` days after `history` (units per day, the last on the day before
    the forecast starts; `first_day` is history[0]'s date)."""
    start = first_day + timedelta(days=len(history))
    model_errors, naive_errors = _errors(history, first_day)
    test = _backtest(model_errors, naive_errors)
    if test.uses_model:
        daily, errors = model(history, first_day=first_day, horizon=horizon), model_errors
    else:
        daily, errors = [naive(history)] * horizon, naive_errors
    if errors:
        rmse = math.sqrt(sum(error * error for error in errors) / len(errors))
    else:  # no backtest: as uncertain as the sales themselves vary
        rmse = float(np.std(history)) if history else 0.0
    return Forecast(start, tuple(daily), rmse, test)


def model(history: list[float], *, first_day: date, horizon: int) -> list[float]:
    """Level + trend + weekday effects, fitted on the last FIT_DAYS days, carried forward."""
    fitted = history[-FIT_DAYS:]
    offset = len(history) - len(fitted)
    if len(fitted) < 14:  # too little to tell a week's shape from noise
        return [naive(history)] * horizon
    days = np.arange(offset, offset + len(fitted))
    design = _design(days, first_day)
    coefficients, *_ = np.linalg.lstsq(design, np.asarray(fitted, dtype=float), rcond=None)
    ahead = np.arange(len(history), len(history) + horizon)
    return [max(0.0, float(value)) for value in _design(ahead, first_day) @ coefficients]


def naive(history: list[float]) -> float:
    recent = history[-NAIVE_DAYS:]
    return sum(recent) / len(recent) if recent else 0.0


def backtest(history: list[float], *, first_day: date) -> Backtest:
    """Both methods' mean absolute error per day over the last BACKTEST_WEEKS weeks (each
    week forecast from the days before it)."""
    return _backtest(*_errors(history, first_day))


def _backtest(model_errors: list[float], naive_errors: list[float]) -> Backtest:
    days = len(model_errors)
    if not days:
        return Backtest(0.0, 0.0, 0)
    return Backtest(sum(map(abs, model_errors)) / days, sum(map(abs, naive_errors)) / days, days)


def _errors(history: list[float], first_day: date) -> tuple[list[float], list[float]]:
    model_errors: list[float] = []
    naive_errors: list[float] = []
    for week in range(BACKTEST_WEEKS, 0, -1):
        cut = len(history) - 7 * week
        if cut < NAIVE_DAYS:
            continue
        before, actual = history[:cut], history[cut:cut + 7]
        predicted = model(before, first_day=first_day, horizon=7)
        flat = naive(before)
        model_errors += [p - a for p, a in zip(predicted, actual, strict=True)]
        naive_errors += [flat - a for a in actual]
    return model_errors, naive_errors


def _design(days: np.ndarray, first_day: date) -> np.ndarray:
    """Columns: 1, the day's number, and six weekday contrasts (Sunday is minus all of
    them), so the weekday effects add up to nothing."""
    weekday = (first_day.weekday() + days) % 7
    contrasts = np.zeros((len(days), 6))
    for n in range(6):
        contrasts[:, n] = np.where(weekday == n, 1.0, np.where(weekday == 6, -1.0, 0.0))
    return np.column_stack([np.ones(len(days)), days.astype(float), contrasts])
