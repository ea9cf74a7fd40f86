"""The products report's money: each order's discount and refund shared out to its lines in
cents that add up to the order's, so that its columns add up to the dashboard's figures to
the cent, over a year of seeded history as over a single order."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboard import kpis
from dashboard.demo.history import seed_order_history
from dashboard.forms import preset
from shop.demo.promotions import load_demo_promotions
from shop.models import Order, OrderDiscount, Promotion
from tests.dashboard.test_reports import MARCH, paid, utc
from tests.factories import ProductFactory, VariantFactory
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db

UNTIL = date(2025, 12, 31)
YEAR = preset("12m", until=UNTIL)
MONEY_COLUMNS = {"Gross": "gross_sales", "Discounts": "discounts", "Refunds": "refunds",
                 "Net sales": "net_sales"}


@pytest.fixture(autouse=True)
def _store(settings):
    settings.TIME_ZONE = "UTC"
    settings.STORE_CURRENCY = "USD"
    settings.STORE_TAX_RATE = Decimal("0.08")  # the demo's, as the issue met it


def products_csv(client, period: kpis.Period) -> list[dict[str, str]]:
    response = client.get(reverse("dashboard:report", args=["products", "csv"]),
                          {"start": period.start.isoformat(), "end": period.end.isoformat()})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body, newline="")))


def products_totals_row(client, period: kpis.Period) -> dict:
    response = client.get(reverse("dashboard:report", args=["products", "xlsx"]),
                          {"start": period.start.isoformat(), "end": period.end.isoformat()})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Products"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][0] == "Total"
    return dict(zip(rows[0], rows[-1], strict=True))


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def a_year():
    """A year of history as the demo seeds it, from prices with awkward cents: the demo's
    promotions (a spend threshold and a code on top) and free shipping on some, full and
    partial refunds at 8 % tax. Shares of each order's refund rounded line by line came to
    1,523.92 here, 0.04 more than the Refunds figure."""
    load_demo_promotions()
    free_shipping = Promotion.objects.create(name="Free shipping over $60", automatic=True,
                                             benefit="free_shipping", min_subtotal=60)
    for n in range(12):
        product = ProductFactory(name=f"Thing {n}")
        for size, price in (("S", 995 + n * 137), ("M", 1249 + n * 211)):
            VariantFactory(product=product, sku=f"T{n:02d}-{size}", size=size,
                           price=Decimal(price) / 100, on_hand=50)
    seed_order_history(orders=800, until=UNTIL)
    paid_orders = Order.objects.filter(paid_at__isnull=False)
    assert paid_orders.filter(refunded_total__gt=0).count() > 20
    assert paid_orders.filter(discount_total__gt=0).count() > 50
    assert paid_orders.filter(shipping_discount__gt=0).count() > 20
    assert OrderDiscount.objects.filter(promotion=free_shipping).exists()


def test_a_years_products_csv_adds_up_to_the_dashboards_figures_to_the_cent(
    staff_client, a_year
):
    rows = products_csv(staff_client, YEAR)
    figures = kpis.summary(YEAR)

    for column, key in MONEY_COLUMNS.items():
        assert sum((Decimal(row[column]) for row in rows), Decimal("0.00")) == figures[key]
    assert sum(int(row["Units sold"]) for row in rows) == figures["units_sold"]
    for row in rows:
        assert Decimal(row["Net sales"]) == (Decimal(row["Gross"]) - Decimal(row["Discounts"])
                                             - Decimal(row["Refunds"]))


def test_a_years_products_workbook_totals_row_is_the_dashboards_figures(staff_client, a_year):
    totals = products_totals_row(staff_client, YEAR)
    figures = kpis.summary(YEAR)

    assert {column: cents(totals[column]) for column in MONEY_COLUMNS} == {
        column: figures[key] for column, key in MONEY_COLUMNS.items()
    }
    assert totals["Units sold"] == figures["units_sold"]


def test_an_orders_shares_add_up_to_its_refund_where_rounding_each_would_not(
    staff_client, settings
):
    # Three lines of 10.00 and 0.10 of items refunded: a third each is 0.0333…, three
    # shares rounded on their own make 0.09. Cumulative rounding gives 0.03, 0.04, 0.03.
    settings.STORE_TAX_RATE = Decimal("0")
    things = [VariantFactory(sku=f"THIRD-{n}", price=Decimal("10.00")) for n in range(3)]
    paid("THIRDS-001", utc(2025, 3, 10), [(thing, 1, 0) for thing in things], tax="0.00",
         refunded="0.10", status=Order.Status.PARTIALLY_REFUNDED)

    rows = {row["SKU"]: row for row in products_csv(staff_client, MARCH)}

    assert [rows[f"THIRD-{n}"]["Refunds"] for n in range(3)] == ["0.03", "0.04", "0.03"]
    assert kpis.summary(MARCH)["refunds"] == Decimal("0.10")


def test_an_orders_discount_and_refund_are_shared_out_by_line_totals(staff_client):
    # 80.00 + 25.00 of items, 10.50 off and 8 % tax; 54.00 given back is 50.00 of items:
    # 10.50 * 80 ÷ 105 = 8.00 off the dress, 50.00 * 80 ÷ 105 = 38.095… of the refund
    dress = VariantFactory(sku="DRESS-M", price=Decimal("80.00"))
    mug = VariantFactory(sku="MUG", price=Decimal("12.50"))
    paid("TAX-00001", utc(2025, 3, 10), [(dress, 1, 0), (mug, 2, 0)], discount="10.50",
         tax="7.96", tax_rate="0.0800", refunded="54.00", status=Order.Status.PARTIALLY_REFUNDED)

    rows = [[row[c] for c in ("SKU", *MONEY_COLUMNS)] for row in products_csv(staff_client, MARCH)]

    assert rows == [["DRESS-M", "80.00", "8.00", "38.10", "33.90"],
                    ["MUG", "25.00", "2.50", "11.90", "10.60"]]
    figures = kpis.summary(MARCH)
    assert (figures["discounts"], figures["refunds"]) == (Decimal("10.50"), Decimal("50.00"))


def test_the_csv_asks_no_more_queries_for_more_lines(staff_client, django_assert_max_num_queries):
    things = [VariantFactory(sku=f"MANY-{n}", price=Decimal("3.33")) for n in range(4)]
    for n in range(20):
        paid(f"MANY-{n:05d}", utc(2025, 3, 1 + n), [(thing, 1 + n % 2, 0) for thing in things],
             discount="0.50", refunded="1.00", tax="0.00")

    with django_assert_max_num_queries(6):  # session, user, device, audit, the rows
        rows = products_csv(staff_client, MARCH)
    assert len(rows) == 4
    assert sum(Decimal(row["Net sales"]) for row in rows) == kpis.summary(MARCH)["net_sales"]


def test_a_lines_own_discount_stays_with_its_product(staff_client, settings):
    # 3 for 2 on the socks frees one pair; the mug beside them had nothing off, and free
    # shipping is shared by line totals. The products report says so, line by line.
    settings.TIME_ZONE = "UTC"
    socks = VariantFactory(sku="SOCKS", price=Decimal("6.00"), on_hand=9)
    mug = VariantFactory(sku="MUG", price=Decimal("12.00"), on_hand=9)
    offer = Promotion.objects.create(name="3 for 2", automatic=True, benefit="buy_x_get_y",
                                     buy_quantity=2, free_quantity=1)
    offer.products.add(socks.product)
    Promotion.objects.create(name="Free shipping", automatic=True, benefit="free_shipping")
    order = pay(place((socks, 3), (mug, 1)))
    assert (order.discount_total, order.shipping_discount) == (Decimal("11.00"), Decimal("5.00"))

    today = kpis.Period(order.paid_at.date(), order.paid_at.date())
    rows = {row["SKU"]: row["Discounts"] for row in products_csv(staff_client, today)}

    # 5.00 of shipping by line totals 18.00 and 12.00: 3.00 and 2.00.
    assert rows == {"SOCKS": "9.00", "MUG": "2.00"}
    assert kpis.summary(today)["discounts"] == Decimal("11.00")
