"""Stock forecasts from the shop's rows: recomputed from paid orders, their backtest printed
by `manage.py forecast_demand`, the low-stock panel's stock-out day and reorder quantity, and
the Reorder report as finance opens it."""

import csv
import io
import math
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from dashboard import forecasting, forecasts, kpis, selectors, tasks
from dashboard.models import DemandForecast
from shop.models import Order
from tests.factories import OrderFactory, OrderLineFactory, VariantFactory
from tests.second_factor import sign_in_clerk

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)  # a Monday
WEEK = (1, 1, 2, 2, 3, 5, 4)  # Monday to Sunday


@pytest.fixture(autouse=True)
def _today(monkeypatch, settings):
    settings.TIME_ZONE = "UTC"
    settings.REORDER_LEAD_DAYS, settings.REORDER_COVER_DAYS = 7, 14
    monkeypatch.setattr(kpis, "today", lambda: TODAY)


def sell(variant, day: date, units: int) -> None:
    at = datetime.combine(day, time(12), tzinfo=UTC)
    order = OrderFactory(status=Order.Status.PAID, paid_at=at)
    OrderLineFactory(order=order, variant=variant, quantity=units)


@pytest.fixture
def lamp():
    """A lamp that has sold by a steady weekly pattern for twenty weeks: 18 a week."""
    variant = VariantFactory(sku="LAMP-1", on_hand=20, low_stock_threshold=25,
                             product__name="Desk Lamp")
    for back in range(1, 141):
        day = TODAY - timedelta(days=back)
        sell(variant, day, WEEK[day.weekday()])
    return variant


def test_the_weekly_pattern_is_learnt_and_beats_the_naive_forecast(lamp):
    assert forecasts.recompute() == 1
    kept = DemandForecast.objects.get(variant=lamp)
    assert kept.made_on == TODAY
    assert kept.method == DemandForecast.Method.MODEL
    assert kept.daily[:7] == pytest.approx(list(WEEK), abs=1e-3)  # Monday first
    assert kept.model_error == pytest.approx(0, abs=1e-6)
    assert kept.naive_error > 0.5
    assert kept.backtest_days == 56


def test_a_variant_that_sold_nothing_lately_has_no_forecast(lamp):
    quiet = VariantFactory(sku="QUIET")
    sell(quiet, TODAY - timedelta(days=forecasts.HISTORY_DAYS + 1), 5)  # too long ago
    forecasts.recompute()
    assert list(DemandForecast.objects.values_list("variant__sku", flat=True)) == ["LAMP-1"]


def test_low_stock_counts_the_lines_of_orders_paid_in_the_last_30_days_whatever_their_ids():
    variant = VariantFactory(sku="LOW-1", on_hand=3, low_stock_threshold=5)
    placed_first = OrderFactory(status=Order.Status.AWAITING_PAYMENT)
    paid_before = OrderFactory(status=Order.Status.PAID,
                               paid_at=datetime(2026, 4, 20, 12, tzinfo=UTC))
    sell(variant, TODAY - timedelta(days=3), 4)
    OrderLineFactory(order=placed_first, variant=variant, quantity=2)
    OrderLineFactory(order=paid_before, variant=variant, quantity=7)
    # The order placed first is paid last, within the 30 days; the one after it was paid
    # before them.
    Order.objects.filter(pk=placed_first.pk).update(
        status=Order.Status.PAID, paid_at=datetime(2026, 5, 30, 9, tzinfo=UTC))

    [row] = selectors.low_stock()

    assert placed_first.pk < paid_before.pk
    assert row.sold == 4 + 2


def test_the_reorder_arithmetic(lamp):
    forecasts.recompute()
    [row] = selectors.low_stock()
    reorder = row.reorder
    # 21 days of lead and cover: three weeks of 18, exactly (the backtest erred by nothing).
    assert reorder.expected == pytest.approx(54)
    assert reorder.high == pytest.approx(54)
    assert reorder.quantity == 54 - 20
    # 20 available: Monday to Thursday sell 6, Friday 3 more, Saturday 5, Sunday 4 = 18;
    # the next Monday and Tuesday reach 20.
    assert reorder.runs_out == (TODAY + timedelta(days=8),) * 3


def test_the_range_follows_the_backtests_error(lamp):
    forecasts.recompute()
    DemandForecast.objects.filter(variant=lamp).update(rmse=1.0)
    [row] = selectors.low_stock()
    spread = forecasting.Z * math.sqrt(21)
    assert row.reorder.high == pytest.approx(54 + spread)
    assert row.reorder.quantity == math.ceil(54 + spread - 20)
    earliest, expected, latest = row.reorder.runs_out
    assert earliest < expected < latest


def test_a_forecast_made_days_ago_is_read_from_today(lamp, monkeypatch):
    forecasts.recompute()
    monkeypatch.setattr(kpis, "today", lambda: TODAY + timedelta(days=2))  # a Wednesday
    [row] = selectors.low_stock()
    # From Wednesday: 2 + 2 + 3 + 5 + 4 + 1 + 1 = 18 by Tuesday, 20 on the Wednesday after.
    assert row.reorder.runs_out[1] == TODAY + timedelta(days=9)


def test_the_command_prints_the_backtest_beside_the_naive_forecast(lamp, capsys):
    call_command("forecast_demand")
    out = capsys.readouterr().out
    assert "Forecast 1 variants that sold in the last 140 days." in out
    assert ("Backtest over the last 8 weeks, 1 variants: mean absolute error 0.000 units a "
            "day (trend and weekday) against ") in out
    assert "the model is used for 1 of them." in out


def test_the_low_stock_panel_shows_when_it_runs_out_and_what_to_order(lamp, staff_client):
    forecasts.recompute()
    page = staff_client.get("/dashboard/").text
    panel = page.split('id="low-stock-title"')[1].split("</section>")[0]
    assert "9 Jun" in panel and "<td class=\"num\">34</td>" in panel
    assert "7 days’ lead time and 14 days’ cover" in panel
    assert ("Forecasts’ backtest over the last 8 weeks, 1 variant: off by 0.000 units a day "
            "with trend and weekday") in panel


def test_the_reorder_report_says_what_to_order_and_why(lamp, client):
    forecasts.recompute()
    VariantFactory(sku="PLENTY", on_hand=500)  # no forecast, nothing to order
    sign_in_clerk(client, "dashboard.view_figures", "dashboard.export_reports")
    query = {"start": "2026-05-01", "end": "2026-05-31"}
    response = client.get("/dashboard/reports/reorder.csv", query)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row, *rest = csv.reader(io.StringIO(body, newline=""))
    assert header[:4] == ["SKU", "Product", "Options", "Available"]
    assert row[0] == "LAMP-1" and row[3] == "20" and row[13] == "34"
    assert row[8] == "2026-06-09"
    assert "Sells about 2.6 a day (trend and weekday" in row[14]
    assert rest == []  # the variant with plenty has nothing to order
    response = client.get("/dashboard/reports/reorder.xlsx", query)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Reorder"]
    assert sheet["A2"].value == "LAMP-1" and sheet["N2"].value == 34


def test_a_products_own_lead_time_and_cover_come_before_the_settings(lamp):
    forecasts.recompute()
    lamp.product.reorder_lead_days, lamp.product.reorder_cover_days = 14, 14
    lamp.product.save()
    [row] = selectors.low_stock()
    assert (row.reorder.lead_days, row.reorder.cover_days) == (14, 14)
    assert row.reorder.expected == pytest.approx(72)  # four weeks of 18
    assert row.reorder.quantity == 72 - 20
    [to_order] = forecasts.reorders()
    assert "Over 14 days' lead time and 14 days' cover it is expected to sell 72" in to_order.why


def test_the_daily_task_recomputes_the_forecasts(lamp):
    assert tasks.recompute_forecasts.enqueue().return_value == 1
    assert DemandForecast.objects.filter(variant=lamp).exists()
