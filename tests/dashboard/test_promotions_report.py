"""The promotions report read back as finance reads it: one row per promotion and code over
the orders the key figures count, its discounts adding up to the dashboard's Discounts figure,
as CSV and as a workbook with a chart of the discount each gave."""

from datetime import date
from decimal import Decimal

import pytest
from openpyxl.chart import BarChart, LineChart, PieChart

from dashboard import kpis
from dashboard.kpis import Period
from shop.models import Cart, DiscountCode, Order, OrderDiscount, Promotion
from tests.dashboard.test_reports import (
    MARCH,
    QUERY,
    csv_rows,
    money,
    paid,
    report_url,
    utc,
    workbook,
)
from tests.factories import OrderFactory, ProductFactory, VariantFactory
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db

D = Decimal
Status = Order.Status
HEADER = [
    "Promotion", "Code", "Orders", "Units", "Discount given", "Gross sales", "Net sales",
    "Average order value", "Average order value, no discount (whole range)",
]


@pytest.fixture(autouse=True)
def _utc_store(settings):
    settings.TIME_ZONE = "UTC"
    settings.STORE_CURRENCY = "USD"


def used(order: Order, promotion: Promotion, amount: str, *, code: DiscountCode | None = None,
         units: int = 0) -> OrderDiscount:
    """What `promotion` (through `code`, if given) took off `order`, recorded as checkout
    records it."""
    return OrderDiscount.objects.create(
        order=order, promotion=promotion, code=code, name=promotion.name,
        code_text=code.code if code else "", amount=D(amount), units=units,
    )


@pytest.fixture
def promotions():
    ten_off = Promotion.objects.create(name="$10 off", benefit="amount", value=D("10"))
    free_shipping = Promotion.objects.create(name="Free shipping", benefit="free_shipping")
    return {
        "spring": Promotion.objects.create(name="Spring sale", automatic=True,
                                           benefit="percent", value=D("10")),
        "ten_off": ten_off,
        "welcome": DiscountCode.objects.create(promotion=ten_off, code="WELCOME10"),
        "friend": DiscountCode.objects.create(promotion=ten_off, code="FRIEND10"),
        "free_shipping": free_shipping,
        "shipfree": DiscountCode.objects.create(promotion=free_shipping, code="SHIPFREE"),
    }


@pytest.fixture
def march(promotions):
    """Six orders paid in March 2025 (four with promotions, one with an offer and a code
    together, one whose shipping a code took off, one partly refunded), and orders with
    promotions that do not belong to the month: paid a second too early or too late, or
    never paid."""
    dress = VariantFactory(sku="DRESS-M", price=D("80.00"),
                           product=ProductFactory(name="Linen dress"))
    mug = VariantFactory(sku="MUG", price=D("12.50"), product=ProductFactory(name="Mug"))
    spring, ten_off = promotions["spring"], promotions["ten_off"]
    welcome, friend = promotions["welcome"], promotions["friend"]
    order = paid("MAR-00001", utc(2025, 3, 1), [(dress, 1, 0), (mug, 2, 0)], discount="10.50")
    used(order, spring, "10.50", units=3)
    order = paid("MAR-00002", utc(2025, 3, 5), [(dress, 1, 0)], discount="18.00")
    used(order, spring, "8.00", units=1)
    used(order, ten_off, "10.00", code=welcome, units=1)
    order = paid("MAR-00003", utc(2025, 3, 9), [(mug, 4, 0)], discount="10.00", tax="0.00",
                 refunded="13.50", status=Status.PARTIALLY_REFUNDED)
    used(order, ten_off, "10.00", code=friend, units=4)
    order = paid("MAR-00004", utc(2025, 3, 20), [(mug, 2, 0)], discount="5.00")
    Order.objects.filter(pk=order.pk).update(shipping_discount=D("5.00"))
    used(order, promotions["free_shipping"], "5.00", code=promotions["shipfree"])
    paid("MAR-00005", utc(2025, 3, 25), [(dress, 1, 0)])
    paid("MAR-00006", utc(2025, 3, 31, 23, 59, 59), [(mug, 1, 0)])
    # Not in March.
    used(paid("FEB-00001", utc(2025, 2, 28, 23, 59, 59), [(dress, 1, 0)], discount="8.00"),
         spring, "8.00", units=1)
    used(paid("APR-00001", utc(2025, 4, 1), [(dress, 1, 0)], discount="8.00"),
         spring, "8.00", units=1)
    for number, status in (("UNPAID-001", Status.AWAITING_PAYMENT),
                           ("CANCEL-001", Status.CANCELLED)):
        order = OrderFactory(number=number, status=status, created_at=utc(2025, 3, 10),
                             discount_total=D("10.00"))
        used(order, ten_off, "10.00", code=welcome, units=1)


# --- CSV -------------------------------------------------------------------------------------


def test_the_promotions_csv_has_a_row_per_promotion_and_code_over_the_orders_paid_in_the_range(
    staff_client, march
):
    response = staff_client.get(report_url("promotions", "csv"), QUERY)

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="promotions_2025-03-01_2025-03-31.csv"'
    )
    header, *rows = csv_rows(response)
    assert header == HEADER
    # The largest discount first; the two codes of "$10 off" apart, by code on a tie. The
    # last column is the March orders with nothing off: (80.00 + 12.50) ÷ 2.
    assert rows == [
        ["Spring sale", "", "2", "4", "18.50", "185.00", "156.50", "78.25", "46.25"],
        ["$10 off", "FRIEND10", "1", "4", "10.00", "50.00", "26.50", "40.00", "46.25"],
        ["$10 off", "WELCOME10", "1", "1", "10.00", "80.00", "62.00", "62.00", "46.25"],
        ["Free shipping", "SHIPFREE", "1", "0", "5.00", "25.00", "20.00", "20.00", "46.25"],
    ]


def test_the_orders_outside_the_range_or_never_paid_are_left_out(staff_client, march):
    _, *february = csv_rows(staff_client.get(
        report_url("promotions", "csv"), {"start": "2025-02-01", "end": "2025-02-28"}
    ))
    _, *march_rows = csv_rows(staff_client.get(report_url("promotions", "csv"), QUERY))

    assert february == [["Spring sale", "", "1", "1", "8.00", "80.00", "72.00", "72.00", ""]]
    welcome = next(row for row in march_rows if row[1] == "WELCOME10")
    assert welcome[2:5] == ["1", "1", "10.00"]  # not the unpaid and the cancelled orders' uses
    assert next(row for row in march_rows if row[0] == "Spring sale")[2] == "2"


def test_the_csvs_discounts_add_up_to_the_dashboards_discounts_figure(staff_client, march):
    _, *rows = csv_rows(staff_client.get(report_url("promotions", "csv"), QUERY))

    given = sum((D(row[4]) for row in rows), D("0.00"))

    # The free shipping code's 5.00 is in both: the figure counts the order's whole discount.
    assert given == kpis.summary(MARCH)["discounts"] == D("43.50")


def test_a_promotion_text_that_looks_like_a_formula_is_neutralised(staff_client, promotions):
    sneaky = Promotion.objects.create(name="=1+1", automatic=True, benefit="percent",
                                      value=D("5"))
    order = paid("MAR-00001", utc(2025, 3, 3), [(VariantFactory(price=D("20.00")), 1, 0)],
                 discount="1.00")
    used(order, sneaky, "1.00", units=1)

    _, *rows = csv_rows(staff_client.get(report_url("promotions", "csv"), QUERY))

    assert rows[0][0] == "'=1+1"


# --- XLSX ------------------------------------------------------------------------------------


def test_the_promotions_workbook_has_amounts_a_totals_row_and_a_chart(staff_client, march):
    book = workbook(staff_client.get(report_url("promotions", "xlsx"), QUERY))

    assert book.sheetnames == ["Promotions", "Summary", "Charts"]
    sheet = book["Promotions"]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I5"
    assert sheet.max_row == 6  # the header, four rows, the totals
    spring = {header: cell for header, cell in zip(HEADER, sheet[2], strict=True)}
    assert spring["Promotion"].value == "Spring sale" and spring["Code"].value is None
    assert spring["Orders"].value == 2 and spring["Orders"].number_format == "#,##0"
    assert spring["Discount given"].value == 18.5
    assert spring["Discount given"].data_type == "n"
    assert spring["Discount given"].number_format == '"$"#,##0.00'
    assert money(spring["Average order value"].value) == D("78.25")


def test_the_workbooks_totals_row_counts_each_order_once_and_adds_up_the_discounts(
    staff_client, march
):
    sheet = workbook(staff_client.get(report_url("promotions", "xlsx"), QUERY))["Promotions"]

    totals = {header: cell for header, cell in zip(HEADER, sheet[6], strict=True)}
    given = sum((money(row[4].value) for row in sheet.iter_rows(min_row=2, max_row=5)),
                D("0.00"))

    assert totals["Promotion"].value == "Total" and totals["Promotion"].font.b
    assert totals["Code"].value is None
    # MAR-00002 used an offer and a code: in two rows, one order of the four.
    assert (totals["Orders"].value, totals["Units"].value) == (4, 9)
    assert money(totals["Discount given"].value) == given == D("43.50")
    assert money(totals["Discount given"].value) == kpis.summary(MARCH)["discounts"]
    assert money(totals["Gross sales"].value) == D("260.00")
    assert money(totals["Net sales"].value) == D("203.00")
    assert money(totals["Average order value"].value) == D("54.13")  # 216.50 ÷ 4, half up
    assert money(totals["Average order value, no discount (whole range)"].value) == D("46.25")
    assert totals["Net sales"].number_format == '"$"#,##0.00'


def test_the_charts_sheet_has_a_bar_of_the_discount_each_promotion_gave(staff_client, march):
    sheet = workbook(staff_client.get(report_url("promotions", "xlsx"), QUERY))["Charts"]

    assert [type(chart) for chart in sheet._charts] == [BarChart, LineChart, BarChart, PieChart]
    bars = sheet._charts[0]
    assert bars.title.tx.rich.p[0].r[0].t == "Discount given by promotion"
    assert bars.series[0].val.numRef.f == "'Charts'!$K$2:$K$5"
    assert bars.series[0].cat.numRef.f == "'Charts'!$J$2:$J$5"
    assert [cell.value for cell in sheet[1]][9:] == ["Promotion", "Discount given"]
    table = [(row[9].value, money(row[10].value)) for row in sheet.iter_rows(min_row=2, max_row=5)]
    assert table == [("Spring sale", D("18.50")), ("$10 off (FRIEND10)", D("10.00")),
                     ("$10 off (WELCOME10)", D("10.00")), ("Free shipping (SHIPFREE)", D("5.00"))]
    assert sheet["K2"].number_format == '"$"#,##0.00'
    assert sheet.max_row == 1 + 31  # the days' table is still the longest


def test_the_summary_sheet_says_the_last_column_is_the_same_on_every_row(staff_client, march):
    sheet = workbook(staff_client.get(report_url("promotions", "xlsx"), QUERY))["Summary"]

    rows = {row[0].value: row for row in sheet.iter_rows() if row and row[0].value}

    assert "The last column is the same on every row" in rows["About this report"][1].value


def test_an_empty_range_makes_a_workbook_with_an_empty_chart(staff_client):
    book = workbook(staff_client.get(report_url("promotions", "xlsx"), QUERY))

    sheet = book["Promotions"]
    assert sheet.max_row == 2
    assert [cell.value for cell in sheet[2]] == ["Total", None, 0, 0, 0, 0, 0, None, None]
    assert len(book["Charts"]._charts) == 4


# --- through checkout ------------------------------------------------------------------------


def test_orders_placed_through_checkout_read_as_their_promotions_gave(staff_client, settings):
    settings.STORE_TAX_RATE = D("0.08")
    shirt = VariantFactory(sku="SHIRT", price=D("20.00"), on_hand=10)
    three_for_two = Promotion.objects.create(name="3 for 2", automatic=True,
                                             benefit="buy_x_get_y", buy_quantity=2,
                                             free_quantity=1)
    three_for_two.products.add(shirt.product)
    shipping = Promotion.objects.create(name="Free delivery", benefit="free_shipping")
    code = DiscountCode.objects.create(promotion=shipping, code="SHIPFREE")
    mug = VariantFactory(sku="MUG", price=D("12.50"), on_hand=10)
    offered = place((shirt, 3))
    coded = place((mug, 2), cart=Cart.objects.create(discount_code=code))
    unpaid = place((shirt, 3), email="bob@example.com")  # never paid: left out
    for order in (offered, coded):
        pay(order)
    # Paid on a day of the range, whatever today is.
    Order.objects.filter(pk__in=[offered.pk, coded.pk]).update(paid_at=utc(2025, 3, 15, 12))
    Order.objects.filter(pk=unpaid.pk).update(created_at=utc(2025, 3, 15, 12))

    _, *rows = csv_rows(staff_client.get(report_url("promotions", "csv"), QUERY))

    # 3 for 2: the cheapest of three shirts free. Free delivery: the 5.00 of standard shipping.
    assert [row[:7] for row in rows] == [
        ["3 for 2", "", "1", "1", "20.00", "60.00", "40.00"],
        ["Free delivery", "SHIPFREE", "1", "0", "5.00", "25.00", "20.00"],
    ]
    coded.refresh_from_db()
    assert (coded.shipping_discount, coded.discount_total) == (D("5.00"), D("5.00"))
    assert sum((D(row[4]) for row in rows), D("0.00")) == kpis.summary(MARCH)["discounts"]


# --- the dashboard's figure, queries ---------------------------------------------------------


@pytest.mark.parametrize("period", [MARCH, Period(date(2025, 2, 1), date(2025, 4, 30))])
def test_the_reports_total_discount_is_the_dashboards_discounts_figure(
    staff_client, march, period
):
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    sheet = workbook(staff_client.get(report_url("promotions", "xlsx"), query))["Promotions"]

    total = sheet[sheet.max_row]

    assert total[0].value == "Total"
    assert money(total[4].value) == kpis.summary(period)["discounts"]


def test_the_report_takes_the_same_queries_however_many_orders(
    staff_client, promotions, django_assert_max_num_queries
):
    mug = VariantFactory(sku="MUG", price=D("12.50"))
    for n in range(30):
        order = paid(f"MANY-{n:05d}", utc(2025, 3, 1 + n % 28, 12), [(mug, 2, 0)],
                     discount="3.50")
        used(order, promotions["spring"], "2.50", units=2)
        used(order, promotions["ten_off"], "1.00", code=promotions["welcome"], units=2)

    # the user, the device, the audit row, the average without discounts, the rows
    with django_assert_max_num_queries(5):
        rows = csv_rows(staff_client.get(report_url("promotions", "csv"), QUERY))
    assert [row[:5] for row in rows[1:]] == [["Spring sale", "", "30", "60", "75.00"],
                                              ["$10 off", "WELCOME10", "30", "60", "30.00"]]
    with django_assert_max_num_queries(14):  # and the totals, Summary and Charts
        response = staff_client.get(report_url("promotions", "xlsx"), QUERY)
    assert workbook(response)["Promotions"].max_row == 4
