"""The dashboard's Products page: the period's most viewed products, each with its views, adds
to a cart, orders and units, and the rates between them, all from rows; who may open it; its
period picker, with bad input; a query count that does not grow with the rows; and the demo's
history, which shows a funnel there."""

import random
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import kpis
from dashboard.demo.history import seed_order_history
from dashboard.demo.views import add_page_views
from dashboard.funnel import product_funnels
from dashboard.models import PageViewDay
from shop.models import Order
from tests.accounts import make_account
from tests.conftest import empty_cache
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, VariantFactory
from tests.second_factor import sign_in_clerk

pytestmark = pytest.mark.django_db

URL = "/dashboard/products/"
FIRST, LAST = date(2025, 3, 1), date(2025, 3, 7)
PERIOD = kpis.Period(FIRST, LAST)
RANGE = f"?period=custom&start={FIRST}&end={LAST}"
PRODUCT, CART = PageViewDay.Kind.PRODUCT, PageViewDay.Kind.CART


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=kpis.store_zone())


def counted(day: date, kind: PageViewDay.Kind, slug: str, views: int) -> None:
    PageViewDay.objects.create(day=day, kind=kind, slug=slug, views=views)


def order(*lines, paid: date | None = date(2025, 3, 3)) -> Order:
    """An order of (variant, quantity) lines, paid at noon on `paid` (None: never paid)."""
    made = OrderFactory(status=Order.Status.PAID if paid else Order.Status.AWAITING_PAYMENT,
                        paid_at=at(paid) if paid else None)
    for variant, quantity in lines:
        OrderLineFactory(order=made, variant=variant, quantity=quantity)
    return made


@pytest.fixture
def history():
    """A week of views, adds and orders, with some outside the week or never paid."""
    jacket = VariantFactory(product__name="Trail Jacket", product__slug="trail-jacket")
    hat = VariantFactory(product__name="Wool Hat", product__slug="wool-hat")
    tote = VariantFactory(product__name="Canvas Tote", product__slug="canvas-tote",
                          product__is_active=False)
    counted(date(2025, 3, 3), PRODUCT, "trail-jacket", 10)
    counted(date(2025, 3, 5), PRODUCT, "trail-jacket", 6)
    counted(date(2025, 3, 3), CART, "trail-jacket", 4)
    counted(date(2025, 3, 4), PRODUCT, "wool-hat", 20)
    counted(date(2025, 3, 6), CART, "canvas-tote", 1)
    counted(date(2025, 3, 2), PRODUCT, "old-scarf", 5)  # its product is gone
    counted(date(2025, 3, 2), CART, "old-scarf", 1)
    counted(date(2025, 2, 28), PRODUCT, "trail-jacket", 100)  # before the week
    counted(date(2025, 3, 8), CART, "wool-hat", 9)  # after it
    counted(date(2025, 3, 3), PageViewDay.Kind.SHOP, "the-store", 50)  # a shop's page
    order((jacket, 2))
    order((jacket, 1), (hat, 1), paid=date(2025, 3, 7))
    order((hat, 3), paid=date(2025, 3, 1))
    order((tote, 1))
    order((jacket, 5), paid=date(2025, 3, 8))  # after the week
    order((hat, 1), paid=None)  # never paid
    return {"jacket": jacket, "hat": hat, "tote": tote}


def shown(funnel) -> tuple:
    return (funnel.name, funnel.views, funnel.carts, funnel.orders, funnel.units,
            funnel.view_to_cart_shown, funnel.cart_to_order_shown)


def test_each_product_has_its_funnel_most_viewed_first(history):
    funnels = product_funnels(PERIOD)
    assert [shown(row) for row in funnels.rows] == [
        ("Wool Hat", 20, 0, 2, 4, "0.0\N{NO-BREAK SPACE}%", "–"),
        ("Trail Jacket", 16, 4, 2, 3, "25.0\N{NO-BREAK SPACE}%", "50.0\N{NO-BREAK SPACE}%"),
        ("old-scarf", 5, 1, 0, 0, "20.0\N{NO-BREAK SPACE}%", "0.0\N{NO-BREAK SPACE}%"),
        ("Canvas Tote", 0, 1, 1, 1, "–", "100.0\N{NO-BREAK SPACE}%"),
    ]
    assert funnels.rows[1].view_to_cart == Decimal("0.2500")
    assert funnels.products == 4


def test_the_totals_count_every_product_and_an_order_once(history):
    total = product_funnels(PERIOD, limit=2).total
    # four paid orders in the week, one holding two products
    assert shown(total)[1:] == (41, 6, 4, 8, "14.6\N{NO-BREAK SPACE}%", "66.7\N{NO-BREAK SPACE}%")
    summary = kpis.summary(PERIOD)
    assert (total.orders, total.units) == (summary["orders"], summary["units_sold"])


def test_only_the_most_viewed_are_listed(history):
    funnels = product_funnels(PERIOD, limit=2)
    assert [row.name for row in funnels.rows] == ["Wool Hat", "Trail Jacket"]
    assert funnels.products == 4


def test_the_page_shows_the_figures_with_links_to_what_is_on_sale(staff_client, history):
    response = staff_client.get(URL + RANGE)
    assert response.status_code == 200
    text = response.text
    assert "<h2 id=\"funnel-title\">Most viewed</h2>" in text
    row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/products/trail-jacket/\">Trail Jacket"
                    r"</a></th>(.*?)</tr>", text, re.S)
    cells = re.findall(r"<td class=\"num\">([^<]*)</td>", row.group(1))
    assert cells == ["16", "4", "2", "3", "25.0\N{NO-BREAK SPACE}%", "50.0\N{NO-BREAK SPACE}%"]
    assert "Canvas Tote <span class=\"muted\">(not on sale)</span>" in text
    assert "old-scarf <span class=\"muted\">(no longer in the catalogue)</span>" in text
    footer = text.split("<tfoot>")[1].split("</tfoot>")[0]
    assert "All products (4)" in footer
    assert re.findall(r"<td class=\"num\">([^<]*)</td>", footer)[:4] == ["41", "6", "4", "8"]
    assert "1–7 Mar 2025" in text


def test_a_period_without_rows_says_so(staff_client, history):
    response = staff_client.get(URL + "?period=custom&start=2024-01-01&end=2024-01-31")
    assert response.status_code == 200
    assert "No product page was viewed, no product added to a cart and nothing bought" in (
        response.text)
    assert "<table" not in response.text


def test_the_query_count_does_not_grow_with_the_rows(staff_client, history,
                                                     django_assert_num_queries):
    # the user and the verifying device (the session is cached); views and adds by slug,
    # lines by product, the products listed, the lines' totals
    with django_assert_num_queries(6):
        assert staff_client.get(URL + RANGE).status_code == 200
    counts = []
    for more in (0, 30):
        for n in range(more):
            variant = VariantFactory(product__slug=f"more-{n}")
            counted(date(2025, 3, 2), PRODUCT, f"more-{n}", 1)
            order((variant, 1))
        empty_cache()  # nothing kept from the request before
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(URL + RANGE)
        counts.append((len(queries), len(response.context["funnels"].rows)))
    assert counts == [(7, 4), (7, 20)]  # and the session, read again from the database


def test_the_table_is_kept_for_a_minute(staff_client, history):
    staff_client.get(URL + RANGE)
    counted(date(2025, 3, 4), PRODUCT, "wool-hat-2", 500)
    assert staff_client.get(URL + RANGE).context["funnels"].rows[0].name == "Wool Hat"
    empty_cache()  # a minute later
    assert staff_client.get(URL + RANGE).context["funnels"].rows[0].name == "wool-hat-2"


@pytest.mark.parametrize(("query", "error"), [
    ("?period=custom&start=2025-03-07&end=2025-03-01",
     "The first day (2025-03-07) is after the last day (2025-03-01). Swap them."),
    ("?period=custom&start=yesterday&end=2025-03-01", "Enter a valid date."),
    ("?period=custom&start=2025-03-01", "Give both the first and the last day of the range."),
    ("?period=forever", "Select a valid choice."),
])
def test_bad_input_says_what_is_wrong_and_shows_the_last_30_days(staff_client, query, error):
    response = staff_client.get(URL + query)
    assert response.status_code == 200
    assert error in response.text and "The default view is shown instead." in response.text
    assert response.context["choice"].period == kpis.Period.last(30)


def test_a_preset_by_a_form_without_javascript_goes_to_the_tidy_address(staff_client):
    response = staff_client.get(URL + "?period=7d&start=&end=")
    assert response.status_code == 302 and response["Location"] == URL + "?period=7d"
    assert staff_client.get(URL + "?period=30d")["Location"] == URL


def test_htmx_gets_the_region_it_targets(staff_client, history):
    response = staff_client.get(URL + RANGE, headers={"HX-Request": "true",
                                                      "HX-Target": "product-funnel"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="product-funnel"')
    assert "<html" not in response.text
    assert response["HX-Push-Url"] == URL + RANGE


# --- who may open it ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"


def test_customers_are_refused(client):
    client.force_login(make_account("shopper@example.com"))
    assert client.get(URL).status_code == 403


def test_staff_who_may_not_see_the_figures_are_refused(client):
    sign_in_clerk(client, "shop.view_order", "shop.view_product")
    response = client.get(URL)
    assert response.status_code == 403
    assert "give you the Finance or Manager role" in response.text


def test_staff_who_see_the_figures_find_it_from_the_dashboard(client):
    sign_in_clerk(client, "dashboard.view_figures")
    assert f'href="{URL}">Product funnel</a>' in client.get(reverse("dashboard:home")).text
    assert client.get(URL).status_code == 200


# --- the demo -----------------------------------------------------------------------------


def test_the_demos_adds_lie_between_its_views_and_units():
    products = [ProductFactory(slug=f"thing-{n}") for n in range(3)]
    sold = Counter({(date(2025, 3, day), product.pk): day % 4 + 1
                    for day in range(1, 8) for product in products})
    add_page_views(random.Random(7), sold)
    rows = {(row.day, row.kind, row.slug): row.views for row in PageViewDay.objects.all()}
    for (day, pk), units in sold.items():
        slug = next(product.slug for product in products if product.pk == pk)
        assert rows[(day, PRODUCT, slug)] >= rows[(day, CART, slug)] >= units


def test_the_demo_history_shows_a_funnel():
    for n in range(6):
        VariantFactory(product__name=f"Thing {n}", sku=f"DEMO-{n}", on_hand=50)
    until = date(2025, 12, 31)
    seed_order_history(orders=120, until=until)
    funnels = product_funnels(kpis.Period(until - timedelta(days=364), until))
    assert len(funnels.rows) == 6
    for row in [*funnels.rows, funnels.total]:
        assert row.views >= row.carts >= row.orders > 0
