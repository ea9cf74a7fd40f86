"""Each key figure set against the period of the same length before: a percentage, "New"
where that period had none, "No earlier data" where the shop's history begins after that
period began, as the page writes them."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard import kpis, panels
from shop.models import Order
from tests.dashboard.test_home import URL, paid_orders
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def kpi_changes(page: str) -> dict[str, str]:
    """Each key figure's change line as read: {"Gross sales": "▲ Up 200.0 % from $40.00"}."""
    cards = re.findall(r'<h3 class="kpi-label">(.*?)</h3>.*?<p class="kpi-change[^"]*">(.*?)</p>',
                       page, re.DOTALL)
    return {label: re.sub(r"[ \n]+", " ", re.sub(r"<[^>]+>", " ", html.unescape(text))).strip()
            for label, text in cards}


def test_the_change_against_the_period_before_is_shown(staff_client):
    paid_orders(3)
    OrderFactory(status=Order.Status.PAID, paid_at=timezone.now() - timedelta(days=90))
    earlier = OrderFactory(status=Order.Status.PAID,
                           paid_at=timezone.now() - timedelta(days=31))
    assert earlier.subtotal == Decimal("40.00")
    figures = staff_client.get(URL).context["page"].figures
    gross = next(f for f in figures if f.kpi.key == "gross_sales")
    assert (gross.value, gross.previous, gross.change) == (
        Decimal("120.00"), Decimal("40.00"), Decimal("200.0")
    )
    assert (gross.comparison, gross.direction, gross.news) == ("up", "up", "good")
    refunds = next(f for f in figures if f.kpi.key == "refunds")
    assert (refunds.change, refunds.comparison) == (None, "flat")
    changes = kpi_changes(staff_client.get(URL).text)
    assert changes["Gross sales"] == "▲ Up 200.0\N{NO-BREAK SPACE}% from $40.00"
    assert changes["Refunds"] == "No change from $0.00"
    assert changes["Sessions"] == "No change from 0"
    assert changes["Conversion rate"] == "Before: –"  # no sessions to divide by


def test_a_figure_from_nothing_in_the_period_before_is_new(staff_client):
    paid_orders(3)
    OrderFactory(status=Order.Status.PAID, paid_at=timezone.now() - timedelta(days=90))

    figures = {f.kpi.key: f for f in staff_client.get(URL).context["page"].figures}
    changes = kpi_changes(staff_client.get(URL).text)

    assert (figures["gross_sales"].previous, figures["gross_sales"].comparison) == (0, "new")
    assert figures["gross_sales"].news == "good"
    assert changes["Gross sales"] == "▲ Up New from $0.00"
    assert changes["Orders"] == "▲ Up New from 0"
    assert "%" not in changes["Gross sales"] + changes["Orders"]


def test_no_change_is_worked_out_where_the_shop_has_no_data_for_the_period_before(
    staff_client
):
    # A year of sales whose first day falls on the last day of the year before: set against
    # that one day, the year would read "▲ 49,638.4 %".
    OrderFactory(status=Order.Status.PAID, paid_at=timezone.now() - timedelta(days=370))
    paid_orders(3)

    page = staff_client.get(URL, {"period": "12m"})
    changes = kpi_changes(page.text)

    assert {f.comparison for f in page.context["page"].figures} == {"no-earlier-data"}
    assert set(changes.values()) == {"No earlier data"}
    # The 30 days before the last 30 are within the shop's history: nothing then is new.
    assert kpi_changes(staff_client.get(URL).text)["Gross sales"] == "▲ Up New from $0.00"


@pytest.mark.parametrize(("value", "previous", "earlier_data", "comparison"), [
    (Decimal("10.00"), Decimal("0.00"), True, "new"),
    (Decimal("0.00"), Decimal("0.00"), True, "flat"),
    (Decimal("5.00"), Decimal("10.00"), True, "down"),
    (Decimal("10.00"), Decimal("10.00"), True, "flat"),
    (None, Decimal("0.5"), True, "unknown"),
    (Decimal("0.5"), None, True, "unknown"),
    (Decimal("4963.84"), Decimal("10.00"), False, "no-earlier-data"),
])
def test_how_a_figure_is_set_against_the_period_before(value, previous, earlier_data,
                                                       comparison):
    figure = panels.Figure(kpis.DEFINITIONS[0], value, previous, kpis.change(value, previous),
                           earlier_data)
    assert figure.comparison == comparison


def test_a_large_change_is_written_with_thousands_separators(staff_client):
    OrderFactory(status=Order.Status.PAID, paid_at=timezone.now() - timedelta(days=90))
    OrderFactory(status=Order.Status.PAID, paid_at=timezone.now() - timedelta(days=40),
                 subtotal=Decimal("0.50"))
    paid_orders(3)

    changes = kpi_changes(staff_client.get(URL).text)

    assert changes["Gross sales"] == "▲ Up 23,900.0\N{NO-BREAK SPACE}% from $0.50"
