"""The SVG charts: accessible names, escaped texts, round axes, no style attributes, and the
figures in a table beside them."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from dashboard import charts, panels
from dashboard.forms import Choice
from dashboard.kpis import Period
from shop.models import Order
from tests.factories import OrderFactory, OrderLineFactory

SVG = "{http://www.w3.org/2000/svg}"


def money(value) -> str:
    return f"${value:,.2f}"


def column_chart(values, labels=None) -> charts.Chart:
    labels = labels or [f"{n + 1} Mar" for n in range(len(values))]
    spec = charts.ChartSpec(
        name="sales", title="Net sales by day", description="Columns of net sales.",
        labels=labels, fmt=money, table=(("Day", "Net"), ()), empty="No sales in this period",
    )
    return charts.columns(spec, values=values, unit="USD")


def parse(chart: charts.Chart) -> ElementTree.Element:
    # our own markup, made in this test
    return ElementTree.fromstring(chart.svg(standalone=True).split("\n", 1)[1])  # noqa: S314


def test_a_chart_is_an_image_named_by_its_title_and_description():
    svg = parse(column_chart([Decimal("10.00"), Decimal("25.50")]))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-sales-title chart-sales-desc"
    assert svg.find(f"{SVG}title").text == "Net sales by day"
    assert svg.find(f"{SVG}desc").text == "Columns of net sales."
    assert svg.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"


def test_columns_are_as_tall_as_their_values_on_a_round_axis():
    svg = parse(column_chart([Decimal("10.00"), Decimal("40.00"), Decimal("0.00")]))
    bars = [rect for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == pytest.approx(4 * heights[0]) and heights[2] == 0
    assert [bar.find(f"{SVG}title").text for bar in bars] == [
        "1 Mar: $10.00", "2 Mar: $40.00", "3 Mar: $0.00"
    ]
    axis = [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert axis == ["0", "10", "20", "30", "40", "USD"]


def test_texts_are_escaped():
    spec = charts.ChartSpec(
        name="top-products", title="Top <b>products</b>", description='"&" <script>',
        labels=["<script>alert(1)</script>"], fmt=money, table=((), ()), empty="",
    )
    chart = charts.ranked_bars(spec, values=[Decimal("5.00")])
    markup = chart.svg()
    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    parse(chart)  # well-formed


def test_the_table_has_a_row_each_headed_by_its_first_cell_escaped():
    chart = column_chart([Decimal("1.00")])
    chart = charts.Chart(**{**chart.__dict__, "columns": ("Product", "Units", "Revenue"),
                            "rows": (("<b>Scarf</b>", "2", "$4.00"), ("Hat", "1", "$9.00"))})
    table = ElementTree.fromstring(f"<tbody>{chart.table_rows()}</tbody>")  # noqa: S314
    assert [[(cell.tag, cell.get("scope"), cell.get("class"), cell.text) for cell in row]
            for row in table] == [
        [("th", "row", None, "<b>Scarf</b>"), ("td", None, "num", "2"),
         ("td", None, "num", "$4.00")],
        [("th", "row", None, "Hat"), ("td", None, "num", "1"), ("td", None, "num", "$9.00")],
    ]
    empty = charts.Chart(**{**chart.__dict__, "rows": ()})
    assert empty.table_rows() == (
        '<tr><td colspan="3">Nothing in this period.</td></tr>\n'
    )


def test_no_style_attributes_for_the_csp():
    markup = column_chart([Decimal("1.00")]).svg()
    assert not re.search(r"\sstyle=", markup)


def test_an_empty_chart_says_so():
    markup = column_chart([Decimal("0.00")] * 3).svg()
    assert "No sales in this period" in markup
    spec = charts.ChartSpec(
        name="categories", title="t", description="d", labels=[], fmt=money,
        table=((), ()), empty="Nothing sold in this period",
    )
    empty_ranking = charts.ranked_bars(spec, values=[])
    assert "Nothing sold in this period" in empty_ranking.svg()


def test_long_series_label_only_a_few_days():
    labels = [f"{n + 1} Mar" for n in range(30)]
    svg = parse(column_chart([Decimal(n) for n in range(30)], labels))
    shown = [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert shown == ["1 Mar", "7 Mar", "13 Mar", "19 Mar", "25 Mar"]  # every 6th of 30


@pytest.mark.parametrize(("largest", "top", "step"), [
    (0, 4, 1), (3, 3, 1), (7, 8, 2), (45, 50, 10), (Decimal("1234.56"), 1250, 250),
    (Decimal("0.30"), Decimal("0.30"), Decimal("0.1")),
])
def test_axes_end_on_a_round_number(largest, top, step):
    found_top, ticks = charts.scale(largest)
    assert found_top == top and ticks[1] - ticks[0] == step and ticks[-1] == found_top


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (950, "950"), (1500, "1.5k"), (12000, "12k"), (2500000, "2.5M"),
])
def test_axis_labels_are_compact(value, text):
    assert charts.compact(value) == text


def test_customers_line_runs_from_the_customers_before(db):
    # Two customers paid before the period (one of them twice); one never did.
    for email, day in (("ada@example.com", 1), ("ADA@example.com", 2), ("bob@example.com", 2)):
        OrderFactory(email=email, status=Order.Status.PAID,
                     paid_at=datetime(2025, 3, day, tzinfo=UTC))
    OrderFactory(email="eve@example.com", status=Order.Status.EXPIRED)
    choice = Choice("custom", Period(date(2025, 3, 3), date(2025, 3, 5)), "day")
    rows = [{"start": date(2025, 3, d), "end": date(2025, 3, d), "new_customers": n}
            for d, n in ((3, 2), (4, 0), (5, 1))]
    chart = panels.customers_chart(choice, rows)
    assert chart.rows == (("Mon 3 Mar 2025", "2", "4"), ("Tue 4 Mar 2025", "0", "4"),
                          ("Wed 5 Mar 2025", "1", "5"))
    assert "3 new, 5 in all by 5 Mar 2025" in chart.description


def test_weeks_and_months_are_named_for_the_table():
    assert panels.bucket_label(date(2025, 3, 3), date(2025, 3, 9), "week") == "3–9 Mar 2025"
    assert panels.bucket_label(date(2025, 3, 1), date(2025, 3, 31), "month") == "March 2025"
    assert panels.bucket_label(date(2025, 1, 15), date(2025, 1, 31), "month") == (
        "15–31 Jan 2025"
    )
    assert panels.bucket_label(date(2024, 12, 30), date(2025, 1, 5), "week") == (
        "30 Dec 2024 – 5 Jan 2025"
    )


def test_a_period_of_only_free_items_has_no_share_to_show(db):
    order = OrderFactory(status=Order.Status.PAID, subtotal=Decimal("0.00"),
                         paid_at=timezone.now() - timedelta(hours=1))
    OrderLineFactory(order=order, variant__price=Decimal("0.00"), variant__product__name="Gift",
                     variant__product__category__name="Samples", quantity=2)
    chart = panels.categories_chart(Choice("7d", Period.last(7)))
    assert chart.rows == (("Samples", "$0.00", "–", "2"),)
