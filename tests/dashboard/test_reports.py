"""The finance reports read back as finance reads them: CSV through the csv module, XLSX
through openpyxl; their totals against the dashboard's key figures for the same range."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart, PieChart

from core.spreadsheets import neutralise
from dashboard import kpis, selectors
from dashboard.kpis import Period
from dashboard.reports.csv_writer import csv_cells, csv_chunks
from dashboard.reports.definitions import COUNT, MONEY, TEXT, Column, Report
from dashboard.reports.xlsx_writer import money_format
from payments.models import Payment
from security.models import AuditEntry
from shop.models import Order
from tests.accounts import make_account
from tests.dashboard.history import mark_repeat_purchases
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    VariantFactory,
)
from tests.second_factor import sign_in_clerk

pytestmark = pytest.mark.django_db

MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))
QUERY = {"start": "2025-03-01", "end": "2025-03-31"}
Status = Order.Status


@pytest.fixture(autouse=True)
def _utc_store(settings):
    settings.TIME_ZONE = "UTC"
    settings.STORE_CURRENCY = "USD"


def report_url(name: str, file_format: str) -> str:
    return reverse("dashboard:report", args=[name, file_format])


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def paid(number: str, at: datetime, lines, *, email: str = "ada@example.com",
         discount: str = "0.00", refunded: str = "0.00", status: str = Status.DELIVERED,
         reference: str | None = None, tax: str = "3.00", tax_rate: str = "0") -> Order:
    """A paid order with `lines` of (variant, quantity, units returned), its total captured
    (with a capture payment row) and `refunded` of it given back."""
    subtotal = sum((v.price * q for v, q, _ in lines), Decimal("0.00"))
    order = OrderFactory(
        number=number, email=email, status=status, paid_at=at, subtotal=subtotal,
        discount_total=Decimal(discount), tax_total=Decimal(tax), tax_rate=Decimal(tax_rate),
    )
    Order.objects.filter(pk=order.pk).update(captured_total=order.total,
                                             refunded_total=Decimal(refunded))
    for variant, quantity, returned in lines:
        OrderLineFactory(order=order, variant=variant, quantity=quantity,
                         quantity_restocked=returned)
    Payment.objects.create(order=order, provider="test", kind=Payment.Kind.CAPTURE,
                           amount=order.total, currency="USD",
                           reference=reference or f"test_{number}", confirmed_at=at)
    return order


@pytest.fixture
def catalogue():
    clothing = CategoryFactory(name="Clothing")
    dresses = CategoryFactory(name="Dresses", parent=clothing)
    kitchen = CategoryFactory(name="Kitchen")
    return {
        "dress": VariantFactory(sku="DRESS-M", price=Decimal("80.00"), on_hand=10, reserved=2,
                                product=ProductFactory(name="Linen dress", category=dresses)),
        "mug": VariantFactory(sku="MUG", price=Decimal("12.50"), on_hand=40,
                              product=ProductFactory(name="Stoneware mug", category=kitchen)),
        "sneaky": VariantFactory(
            sku="SNEAKY", price=Decimal("5.00"), on_hand=3,
            product=ProductFactory(name='=HYPERLINK("http://evil.example","Click")',
                                   category=kitchen),
        ),
    }


@pytest.fixture
def march(catalogue):
    """Four orders paid in March 2025, with a discount, a partial and a full refund, and
    orders around them that do not belong to the month."""
    dress, mug, sneaky = catalogue["dress"], catalogue["mug"], catalogue["sneaky"]
    paid("MAR-00001", utc(2025, 3, 1, 0, 0), [(dress, 1, 0), (mug, 2, 0)], discount="10.50")
    paid("MAR-00002", utc(2025, 3, 5, 9, 30), [(mug, 4, 1)], email="+bob@example.com",
         refunded="13.50")
    paid("MAR-00003", utc(2025, 3, 20, 18, 0), [(dress, 2, 2)], email="Chloé, \"C\"@example.com",
         refunded="168.00", status=Status.REFUNDED)
    paid("MAR-00004", utc(2025, 3, 31, 23, 59, 59), [(sneaky, 3, 0)], email="@dan@example.com")
    # Not in March: paid a second too early or too late, or never paid.
    paid("FEB-00001", utc(2025, 2, 28, 23, 59, 59), [(dress, 1, 0)])
    paid("APR-00001", utc(2025, 4, 1), [(mug, 1, 0)])
    OrderFactory(number="UNPAID-001", status=Status.EXPIRED, created_at=utc(2025, 3, 10))
    mark_repeat_purchases()


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- CSV -------------------------------------------------------------------------------------


def test_the_sales_csv_has_one_row_per_order_paid_in_the_range(staff_client, march):
    response = staff_client.get(report_url("sales", "csv"), QUERY)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="sales_2025-03-01_2025-03-31.csv"'
    )
    header, *rows = csv_rows(response)
    assert header == [
        "Paid", "Order", "Customer email", "Status", "Currency", "Subtotal", "Discount",
        "Shipping", "Tax", "Total", "Refunded", "Item refunds", "Net sales", "Provider",
        "Provider reference",
    ]
    assert [row[1] for row in rows] == ["MAR-00001", "MAR-00002", "MAR-00003", "MAR-00004"]
    assert rows[0] == [
        "2025-03-01 00:00:00", "MAR-00001", "ada@example.com", "Delivered", "USD", "105.00",
        "10.50", "5.00", "3.00", "102.50", "0.00", "0.00", "94.50", "test", "test_MAR-00001",
    ]


def test_csv_text_that_looks_like_a_formula_is_neutralised_and_quotes_survive(
    staff_client, march
):
    _, *rows = csv_rows(staff_client.get(report_url("sales", "csv"), QUERY))
    emails = [row[2] for row in rows]

    assert emails == ["ada@example.com", "'+bob@example.com", 'Chloé, "C"@example.com',
                      "'@dan@example.com"]
    _, *products = csv_rows(staff_client.get(report_url("products", "csv"), QUERY))
    assert "'=HYPERLINK(\"http://evil.example\",\"Click\")" in [row[1] for row in products]


def test_only_text_cells_are_neutralised_not_numbers():
    columns = [Column("Note", TEXT, 10), Column("Amount", MONEY, 10), Column("Name", TEXT, 10)]

    cells = csv_cells(columns, ["-5 off", Decimal("-5.00"), "\tTab"])

    assert cells == ["'-5 off", Decimal("-5.00"), "'\tTab"]
    assert [neutralise(s) for s in ("=1+1", "+1", "@SUM(A1)", "\rx", "plain", "a=b")] == [
        "'=1+1", "'+1", "'@SUM(A1)", "'\rx", "plain", "a=b",
    ]


def test_the_sales_csv_adds_up_to_the_dashboards_figures(staff_client, march):
    _, *rows = csv_rows(staff_client.get(report_url("sales", "csv"), QUERY))
    figures = kpis.summary(MARCH)

    def column(index):
        return sum((Decimal(row[index]) for row in rows), Decimal("0.00"))

    assert len(rows) == figures["orders"] == 4
    assert column(5) == figures["gross_sales"] == Decimal("330.00")
    assert column(6) == figures["discounts"] == Decimal("10.50")
    assert column(11) == figures["refunds"] == Decimal("173.50")  # 13.50, and 160.00 of 168.00
    assert column(12) == figures["net_sales"]


def test_item_refunds_leave_out_the_tax_refunded_as_the_figure_does(staff_client, march,
                                                                     catalogue):
    # 80.00 + 25.00 of items, 5.00 of shipping, 8 % tax (8.80): 54.00 given back is 50.00
    # of items; all 118.80 given back counts the whole 105.00
    lines = [(catalogue["dress"], 1, 0), (catalogue["mug"], 2, 0)]
    paid("TAX-00001", utc(2025, 3, 10), lines, tax="8.80", tax_rate="0.0800",
         refunded="54.00", status=Status.PARTIALLY_REFUNDED)
    paid("TAX-00002", utc(2025, 3, 11), lines, tax="8.80", tax_rate="0.0800",
         refunded="118.80", status=Status.REFUNDED)
    _, *rows = csv_rows(staff_client.get(report_url("sales", "csv"), QUERY))
    by_number = {row[1]: row for row in rows}
    assert by_number["TAX-00001"][10:13] == ["54.00", "50.00", "55.00"]
    assert by_number["TAX-00002"][10:13] == ["118.80", "105.00", "0.00"]
    figures = kpis.summary(MARCH)
    assert sum((Decimal(row[11]) for row in rows), Decimal("0.00")) == figures["refunds"]
    assert figures["refunds"] == Decimal("328.50")  # 173.50 + 50.00 + 105.00


def test_the_products_csv_groups_lines_by_sku(staff_client, march):
    header, *rows = csv_rows(staff_client.get(report_url("products", "csv"), QUERY))

    assert header == ["SKU", "Product", "Category", "Units sold", "Gross", "Discounts",
                      "Refunds", "Net sales", "On hand", "Reserved", "Available"]
    by_sku = {row[0]: row for row in rows}
    # MAR-00001's 10.50 off shared by line totals, 80.00 and 25.00: 8.00 and 2.50
    assert by_sku["DRESS-M"] == ["DRESS-M", "Linen dress", "Clothing / Dresses", "3", "240.00",
                                 "8.00", "160.00", "72.00", "10", "2", "8"]
    # MAR-00002's whole refund, 13.50, though one mug of four went back to stock
    assert by_sku["MUG"] == ["MUG", "Stoneware mug", "Kitchen", "6", "75.00", "2.50", "13.50",
                             "59.00", "40", "0", "40"]
    assert [row[0] for row in rows] == ["DRESS-M", "MUG", "SNEAKY"]  # best net first


def test_the_charts_sheet_ranks_and_groups_as_the_dashboards_charts(staff_client, march):
    sheet = workbook(staff_client.get(report_url("sales", "xlsx"), QUERY))["Charts"]

    products = [(row[3].value, money(row[4].value)) for row in sheet.iter_rows(min_row=2)
                if row[3].value]
    categories = [(row[6].value, money(row[7].value)) for row in sheet.iter_rows(min_row=2)
                  if row[6].value]
    assert products == [(p.name, p.revenue) for p in selectors.top_products(MARCH)]
    assert categories == [(c.name, c.revenue) for c in selectors.revenue_by_category(MARCH)]
    assert categories == [("Dresses", Decimal("240.00")), ("Kitchen", Decimal("90.00"))]


def test_the_daily_csv_has_a_row_for_every_day_of_the_range(staff_client, march):
    header, *rows = csv_rows(staff_client.get(report_url("daily", "csv"), QUERY))

    assert header == ["Day", *(kpi.label for kpi in kpis.DEFINITIONS)]
    assert [row[0] for row in rows] == [day.isoformat() for day in MARCH.each_day()]
    by_day = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_day["2025-03-05"]["Orders"] == "1"
    assert by_day["2025-03-05"]["Gross sales"] == "50.00"
    assert by_day["2025-03-06"]["Orders"] == "0"


# --- XLSX ------------------------------------------------------------------------------------


def test_the_sales_workbook_has_real_dates_and_amounts_a_frozen_header_and_a_filter(
    staff_client, march
):
    response = staff_client.get(report_url("sales", "xlsx"), QUERY)

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="sales_2025-03-01_2025-03-31.xlsx"'
    )
    book = workbook(response)
    assert book.sheetnames == ["Sales", "Summary", "Charts"]
    sheet = book["Sales"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O5"
    assert sheet.column_dimensions["C"].width == 30
    assert [cell.value for cell in sheet[1]][:3] == ["Paid", "Order", "Customer email"]
    assert sheet[1][0].font.b
    paid_at, subtotal = sheet["A2"], sheet["F2"]
    assert paid_at.value == datetime(2025, 3, 1, 0, 0) and paid_at.is_date
    assert paid_at.number_format == "yyyy-mm-dd hh:mm"
    assert subtotal.value == 105 and subtotal.data_type == "n"
    assert subtotal.number_format == '"$"#,##0.00'


@pytest.mark.parametrize(("currency", "number_format"), [
    ("USD", '"$"#,##0.00'), ("AUD", '"A$"#,##0.00'), ("SEK", '#,##0.00 "SEK"'),
])
def test_workbook_amounts_carry_the_symbol_the_shops_pages_show(currency, number_format):
    assert money_format(currency) == number_format


def test_the_sales_workbook_totals_row_matches_the_dashboards_figures(staff_client, march):
    sheet = workbook(staff_client.get(report_url("sales", "xlsx"), QUERY))["Sales"]
    figures = kpis.summary(MARCH)

    totals = {header.value: total for header, total in zip(sheet[1], sheet[6], strict=True)}

    assert sheet.max_row == 6  # the header, four orders, the totals
    assert totals["Paid"].value == "Total" and totals["Paid"].font.b
    assert money(totals["Subtotal"].value) == figures["gross_sales"]
    assert money(totals["Discount"].value) == figures["discounts"]
    assert money(totals["Item refunds"].value) == figures["refunds"]
    assert money(totals["Net sales"].value) == figures["net_sales"]
    assert totals["Net sales"].number_format == '"$"#,##0.00'


def test_workbook_text_that_looks_like_a_formula_stays_text(staff_client, march):
    sheet = workbook(staff_client.get(report_url("products", "xlsx"), QUERY))["Products"]

    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}

    assert names["SNEAKY"].value == '=HYPERLINK("http://evil.example","Click")'
    assert names["SNEAKY"].data_type == "s"


def test_the_summary_sheet_holds_the_periods_figures_and_definitions(staff_client, march):
    sheet = workbook(staff_client.get(report_url("products", "xlsx"), QUERY))["Summary"]
    figures = kpis.summary(MARCH)

    rows = {row[0].value: row for row in sheet.iter_rows() if row and row[0].value}

    assert rows["From"][1].value == datetime(2025, 3, 1)
    assert rows["To"][1].value == datetime(2025, 3, 31)
    for kpi in kpis.DEFINITIONS:
        value = rows[kpi.label][1].value
        expected = figures[kpi.key]
        assert (value if value is None else money(value)) == (
            expected if expected is None else money(expected)
        ), kpi.key
        assert rows[kpi.label][2].value == kpi.definition
    assert rows["Net sales"][1].number_format == '"$"#,##0.00'
    assert "in proportion to their line totals" in rows["About this report"][1].value


def test_the_charts_sheet_has_a_line_a_bar_and_a_pie_chart_over_its_tables(
    staff_client, march
):
    sheet = workbook(staff_client.get(report_url("daily", "xlsx"), QUERY))["Charts"]

    charts = sheet._charts
    assert [type(chart) for chart in charts] == [LineChart, BarChart, PieChart]
    line, bar, pie = charts
    assert line.series[0].val.numRef.f == "'Charts'!$B$2:$B$32"
    assert bar.series[0].val.numRef.f == "'Charts'!$E$2:$E$4"
    assert pie.series[0].val.numRef.f == "'Charts'!$H$2:$H$3"
    assert [cell.value for cell in sheet[1]] == [
        "Day", "Net sales", None, "Product", "Revenue", None, "Category", "Revenue",
    ]
    assert sheet["D2"].value == "Linen dress" and money(sheet["E2"].value) == Decimal("240.00")
    assert sheet["G2"].value == "Dresses"  # the product's own category, as on the dashboard
    assert bar.title.tx.rich.p[0].r[0].t == "Top 10 products by revenue"
    days = {row[0].value.date(): money(row[1].value) for row in sheet.iter_rows(min_row=2)}
    assert days[date(2025, 3, 1)] == Decimal("94.50")
    assert len(days) == 31


def test_the_daily_workbook_totals_row_is_the_periods_summary(staff_client, march):
    sheet = workbook(staff_client.get(report_url("daily", "xlsx"), QUERY))["Daily"]
    figures = kpis.summary(MARCH)

    header = [cell.value for cell in sheet[1]]
    totals = dict(zip(header, sheet[sheet.max_row], strict=True))

    assert sheet.max_row == 1 + 31 + 1
    assert sheet["A2"].value == datetime(2025, 3, 1) and sheet["A2"].number_format == "yyyy-mm-dd"
    assert totals["Day"].value == "Total"
    assert money(totals["Net sales"].value) == figures["net_sales"]
    assert totals["Net sales"].value == round(totals["Net sales"].value, 2)  # cents, no noise
    assert totals["Orders"].value == figures["orders"] == 4
    assert totals["Average order value"].number_format == '"$"#,##0.00'


def test_the_daily_workbook_reads_each_figure_once(staff_client, march, monkeypatch):
    calls = []

    def counted(name):
        read = getattr(kpis, name)

        def spy(period):
            calls.append(name)
            return read(period)
        return spy

    for name in ("daily", "summary"):
        monkeypatch.setattr(kpis, name, counted(name))
    book = workbook(staff_client.get(report_url("daily", "xlsx"), QUERY))

    assert sorted(calls) == ["daily", "summary"]
    assert book["Daily"].max_row == 1 + 31 + 1 and len(book["Charts"]._charts) == 3


def test_the_range_defaults_to_the_last_30_days(staff_client, march):
    response = staff_client.get(report_url("daily", "csv"))

    period = Period.last(30)
    assert response["Content-Disposition"] == (
        f'attachment; filename="daily_{period.start}_{period.end}.csv"'
    )
    assert len(csv_rows(response)) == 1 + 30


def test_an_empty_range_still_makes_a_workbook_with_its_charts(staff_client):
    book = workbook(staff_client.get(report_url("products", "xlsx"), QUERY))

    assert book["Products"].max_row == 2  # the header and the totals
    assert len(book["Charts"]._charts) == 3


# --- access, audit, bad input ----------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(report_url("sales", "csv"), QUERY)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_customers_are_refused(client):
    client.force_login(make_account("ada@example.com"))

    assert client.get(report_url("sales", "csv"), QUERY).status_code == 403
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_staff_without_the_export_permission_are_refused(client, file_format):
    sign_in_clerk(client)

    response = client.get(report_url("sales", file_format), QUERY)

    assert response.status_code == 403
    assert "Can export reports" in response.text
    assert not AuditEntry.objects.filter(action="export").exists()


def test_staff_given_the_export_permission_may_download(client, march):
    sign_in_clerk(client, "dashboard.export_reports")

    response = client.get(report_url("sales", "xlsx"), QUERY)

    assert response.status_code == 200
    assert workbook(response)["Sales"].max_row == 6


def test_each_download_is_audited(staff_client, staff, march):
    b"".join(staff_client.get(report_url("sales", "csv"), QUERY).streaming_content)
    b"".join(staff_client.get(report_url("products", "xlsx"), QUERY).streaming_content)

    entries = AuditEntry.objects.filter(action="export").order_by("pk")
    assert [entry.actor for entry in entries] == [staff, staff]
    assert [entry.details for entry in entries] == [
        {"report": "sales", "format": "csv", "start": "2025-03-01", "end": "2025-03-31"},
        {"report": "products", "format": "xlsx", "start": "2025-03-01", "end": "2025-03-31",
         "rows": 3},
    ]


@pytest.mark.parametrize(("query", "message"), [
    ({"start": "2025-03-01"}, "Give both the first and the last day of the range."),
    ({"start": "2025-03-01", "end": "31/03/2025"}, "is not a date: write it as YYYY-MM-DD"),
    ({"start": "2025-03-31", "end": "2025-03-01"}, "Swap them."),
    ({"start": "2020-01-01", "end": "2025-03-01"}, "Choose a shorter one."),
])
def test_a_bad_range_is_answered_400_with_the_reason_and_not_audited(
    staff_client, query, message
):
    response = staff_client.get(report_url("sales", "xlsx"), query)

    assert response.status_code == 400
    assert message in response.text
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_report_answers_head_but_not_post(staff_client, march):
    head = staff_client.head(report_url("sales", "csv"), QUERY)
    assert head.status_code == 200 and head["Content-Type"] == "text/csv; charset=utf-8"
    assert staff_client.post(report_url("sales", "csv")).status_code == 405


def test_the_csv_is_sent_a_hundred_rows_at_a_time():
    numbers = Report(name="numbers", title="Numbers", columns=(Column("N", COUNT, 5),),
                     rows=lambda figures: ((n,) for n in range(250)))

    chunks = [chunk.decode() for chunk in csv_chunks(numbers, MARCH)]

    assert [chunk.count("\r\n") for chunk in chunks] == [101, 100, 50]  # the header first
    assert chunks[0].startswith("\ufeffN\r\n0\r\n")
    assert chunks[-1].endswith("249\r\n")
    empty = Report(name="none", title="None", columns=numbers.columns, rows=lambda f: ())
    assert [chunk.decode() for chunk in csv_chunks(empty, MARCH)] == ["\ufeffN\r\n"]


def test_an_unknown_report_or_format_is_not_found(staff_client):
    assert staff_client.get("/dashboard/reports/customers.csv").status_code == 404
    assert staff_client.get("/dashboard/reports/sales.pdf").status_code == 404


def test_a_report_takes_the_same_queries_however_many_orders(
    staff_client, catalogue, django_assert_max_num_queries
):
    for n in range(40):
        paid(f"MANY-{n:05d}", utc(2025, 3, 1 + n % 28, 12), [(catalogue["mug"], 1, 0)])

    with django_assert_max_num_queries(6):  # session, user, device, audit, the rows
        response = staff_client.get(report_url("sales", "csv"), QUERY)
        rows = csv_rows(response)
    assert len(rows) == 41
    with django_assert_max_num_queries(14):
        response = staff_client.get(report_url("sales", "xlsx"), QUERY)
    assert workbook(response)["Sales"].max_row == 42
