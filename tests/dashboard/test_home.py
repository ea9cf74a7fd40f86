"""The staff dashboard's page: who may open it, its figures and panels, the regions HTMX
redraws, and a query count that does not grow with the orders. (The staff gate itself is
tested in tests/security/twofactor/test_staff_gate.py.)"""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import home_page, kpis, views
from dashboard.forms import read_choice
from monitoring import alerts
from security.models import AuditEntry
from shop.models import Order
from tests.accounts import make_account
from tests.conftest import empty_cache
from tests.dashboard.history import mark_repeat_purchases
from tests.factories import OrderFactory, OrderLineFactory, VariantFactory
from tests.second_factor import sign_in_clerk

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


def htmx(target: str) -> dict:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def paid_orders(count: int, *, email: str = "buyer{n}@example.com") -> list[Order]:
    """`count` orders of $40.00 paid an hour ago, each with a line of 2 units."""
    orders = []
    for n in range(count):
        order = OrderFactory(email=email.format(n=n), status=Order.Status.PAID,
                             paid_at=timezone.now() - timedelta(hours=1))
        OrderLineFactory(order=order, quantity=2, product_name=f"Product {n % 12}")
        orders.append(order)
    mark_repeat_purchases()
    return orders


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"


def test_customers_are_refused(client):
    client.force_login(make_account("shopper@example.com"))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("dashboard:chart", args=["sales"])).status_code == 403
    assert client.get(reverse("dashboard:activity")).status_code == 403


def test_the_page_links_to_the_orders_and_products(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert "<h1>Staff dashboard</h1>" in response.text
    assert f'href="{reverse("admin:shop_order_changelist")}"' in response.text
    assert f'href="{reverse("admin:shop_product_changelist")}"' in response.text
    assert f'href="{reverse("dashboard:activity")}"' in response.text


def test_every_figure_is_shown_with_its_definition(staff_client):
    paid_orders(3)
    response = staff_client.get(URL)
    for kpi in kpis.DEFINITIONS:
        assert f'<h3 class="kpi-label">{kpi.label}</h3>' in response.text
        assert f"<dt>{kpi.label}</dt><dd>{kpi.definition}</dd>" in response.text
    assert '<p class="kpi-value">$120.00</p>' in response.text  # gross sales
    assert '<p class="kpi-value">6</p>' in response.text  # units


def test_the_query_count_does_not_grow_with_the_orders(staff_client,
                                                       django_assert_max_num_queries):
    paid_orders(3)
    # user and verifying device (the session is cached); KPIs now and before (3 + 3) and the
    # shop's first paid day; the time series (3) and the customers before it; top products;
    # categories; orders to ship and their parcels; low stock; orders held for review and the
    # share of the period's orders flagged; recent orders
    with django_assert_max_num_queries(21):
        assert staff_client.get(URL).status_code == 200
    counts = []
    for orders in (3, 30):
        paid_orders(orders)
        empty_cache()  # nothing kept from the request before
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_parcels_of_the_orders_to_ship_are_read_without_their_orders(staff_client):
    """The parcels' own ordering would join their orders, and sort them, to read three
    columns."""
    paid_orders(3)
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(URL).status_code == 200
    (parcels,) = [q["sql"] for q in queries if 'FROM "shop_shipment"' in q["sql"]]
    assert "shop_order" not in parcels and "ORDER BY" not in parcels


def figure(response, key: str) -> str:
    """The key figure as the page shows it."""
    label = next(kpi.label for kpi in kpis.DEFINITIONS if kpi.key == key)
    shown = re.search(rf'<h3 class="kpi-label">{re.escape(label)}</h3>\s*'
                      r'<p class="kpi-value[^"]*">([^<]*)</p>', response.text)
    return shown.group(1)


def test_the_periods_panels_are_kept_for_a_minute(staff_client):
    paid_orders(3)
    assert figure(staff_client.get(URL), "orders") == "3"
    paid_orders(1, email="later{n}@example.com")
    VariantFactory(sku="LOW-NOW", on_hand=0)

    with CaptureQueriesContext(connection) as queries:
        again = staff_client.get(URL)

    reads = [q["sql"] for q in queries
             if any(table in q["sql"]
                    for table in ("shop_order", "shop_shipment", "shop_variant", "dashboard_"))]
    # orders to ship (and their parcels), needing review and recent, read as they are
    assert len(reads) == 4
    assert figure(again, "orders") == "3" and "LOW-NOW" not in again.text
    empty_cache()  # a minute later
    later = staff_client.get(URL)
    assert figure(later, "orders") == "4" and "LOW-NOW" in later.text


SECTION = "dashboard/home.html#dashboard-period"
LOW_STOCK = "dashboard/home.html#low-stock"


@pytest.fixture
def renders(monkeypatch):
    """The parts of the page rendered to be kept, in turn."""
    rendered = []

    def counted(*args, **kwargs):
        rendered.append(args[0])
        return render_to_string(*args, **kwargs)

    monkeypatch.setattr(views, "render_to_string", counted)
    return rendered


def test_the_periods_section_is_rendered_once_a_minute_for_each_choice(staff_client, renders):
    paid_orders(3)
    first = staff_client.get(URL).text
    assert staff_client.get(URL).text.count('id="dashboard-period"') == 1
    assert renders.count(SECTION) == 1
    # Changing the period in place asks for the section alone: the same copy.
    alone = staff_client.get(URL, **htmx("dashboard-period")).text
    assert alone.strip() in first and renders.count(SECTION) == 1
    staff_client.get(URL, {"period": "7d"})
    assert renders.count(SECTION) == 2
    # The same period, ranked otherwise: its own copy.
    by_units = staff_client.get(URL, {"top": "units"}).text
    assert 'value="units" id="id_top_units" form="dashboard-form" checked>' in by_units
    assert renders.count(SECTION) == 3
    empty_cache()  # a minute later
    staff_client.get(URL)
    assert renders.count(SECTION) == 4


def test_the_periods_section_is_rendered_from_its_panels_worked_out_afresh(staff_client):
    """Not made from a copy of a panel kept a while ago, and keeping what it shows: the key
    figures refreshed alone then show the same."""
    paid_orders(3)
    staff_client.get(URL, **htmx("kpis"))  # keeps the key figures: 3 orders
    paid_orders(1, email="later{n}@example.com")
    assert figure(staff_client.get(URL), "orders") == "4"
    assert figure(staff_client.get(URL, **htmx("kpis")), "orders") == "4"


def test_a_period_asked_for_wrongly_keeps_no_section(staff_client):
    """The section shown with the form's error is not kept as the default period's."""
    wrong = staff_client.get(URL, {"period": "forever"}).text
    assert "The default view is shown instead." in wrong
    assert "The default view is shown instead." not in staff_client.get(URL).text


def test_a_kept_section_shows_the_report_links_only_to_staff_who_may_export(
    staff_client, renders
):
    """The staff member is a superuser; the clerk may see the figures, not export them."""
    clerk_client = Client()
    sign_in_clerk(clerk_client, "dashboard.view_figures")
    for _ in range(2):
        assert report_links(staff_client.get(URL).text)
        clerk_page = clerk_client.get(URL).text
        assert "Key figures" in clerk_page and report_links(clerk_page) == []
    assert renders.count(SECTION) == 2


def report_links(page: str) -> list[str]:
    return [html.unescape(link)
            for link in re.findall(r'href="(/dashboard/reports/[^"]+)" download', page)]


def test_staff_who_may_export_get_the_periods_reports(client):
    sign_in_clerk(client, "dashboard.view_figures", "dashboard.export_reports")

    page = client.get(URL, {"period": "custom", "start": "2025-01-01", "end": "2025-01-31"}).text

    assert "Download reports for 1–31 Jan 2025" in page
    assert "Sales (CSV)" in page and "Daily (XLSX)" in page
    links = report_links(page)
    assert links == [f"/dashboard/reports/{name}.{file_format}?start=2025-01-01&end=2025-01-31"
                     for name in ("sales", "products", "promotions", "daily", "payouts",
                                  "reorder")
                     for file_format in ("csv", "xlsx")]
    response = client.get(links[0])
    assert response.status_code == 200
    assert 'filename="sales_2025-01-01_2025-01-31.csv"' in response["Content-Disposition"]


def test_staff_who_may_not_export_see_no_report_links(client):
    sign_in_clerk(client)

    page = client.get(URL).text

    assert "<h1>Staff dashboard</h1>" in page
    assert report_links(page) == [] and "Download reports" not in page


def test_the_report_links_follow_the_period_changed_in_place(staff_client):
    response = staff_client.get(URL, {"period": "7d"}, **htmx("dashboard-period"))

    period = kpis.Period.last(7)
    links = report_links(response.text)
    assert len(links) == 12  # six reports, CSV and XLSX
    assert all(link.endswith(f"?start={period.start}&end={period.end}") for link in links)


def test_a_preset_period_is_read_from_the_address(staff_client):
    response = staff_client.get(URL, {"period": "7d"})
    period = response.context["choice"].period
    assert period.days == 7 and period.end == kpis.today()
    assert "Showing last 7 days" in response.text
    assert 'option value="7d" selected' in response.text


def test_a_custom_range_is_shown_with_its_figures(staff_client):
    order = paid_orders(1)[0]
    day = timezone.localdate(order.paid_at)
    response = staff_client.get(URL, {"period": "custom", "start": day.isoformat(),
                                      "end": day.isoformat()})
    assert response.context["choice"].period == kpis.Period(day, day)
    assert '<p class="kpi-value">$40.00</p>' in response.text


@pytest.mark.parametrize(("params", "message"), [
    ({"period": "custom", "start": "2025-03-09", "end": "2025-03-01"}, "is after the last day"),
    ({"period": "custom", "start": "2020-01-01", "end": "2025-03-01"}, "at most 732 days"),
    ({"period": "custom", "start": "yesterday", "end": "2025-03-01"}, "Enter a valid date"),
    ({"period": "custom"}, "Give both the first and the last day"),
    ({"period": "forever"}, "Select a valid choice"),
    ({"granularity": "hour"}, "Select a valid choice"),
])
def test_a_bad_choice_is_explained_and_the_default_shown(staff_client, params, message):
    response = staff_client.get(URL, params, **htmx("dashboard-period"))
    assert response.status_code == 200
    assert message in response.text
    assert response.context["choice"].period.days == 30
    assert "HX-Push-Url" not in response  # the address stays as it was


def test_changing_the_period_redraws_its_panels_and_pushes_the_address(staff_client):
    response = staff_client.get(URL, {"period": "90d", "granularity": "", "top": "revenue"},
                                **htmx("dashboard-period"))
    assert response.text.lstrip().startswith('<section id="dashboard-period"')
    assert "<html" not in response.text and "Low stock" not in response.text
    assert 'id="kpis"' in response.text and 'id="time-charts"' in response.text
    assert response["HX-Push-Url"] == f"{URL}?period=90d"
    assert "HX-Request" in response["Vary"]


def test_changing_the_granularity_redraws_the_time_charts_only(staff_client):
    paid_orders(2)
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(URL, {"period": "90d", "granularity": "month"},
                                    **htmx("time-charts"))
    assert response.text.lstrip().startswith('<div id="time-charts"')
    assert 'id="kpis"' not in response.text and "Net sales by month" in response.text
    assert response["HX-Push-Url"] == f"{URL}?period=90d&granularity=month"
    # the series (orders, lines, sessions) and the customers before it: no KPI, no panel
    reads = [q["sql"] for q in queries if "shop_order" in q["sql"] or "dashboard_" in q["sql"]]
    assert len(reads) == 4


def test_the_top_products_toggle_redraws_that_panel(staff_client):
    paid_orders(2)
    response = staff_client.get(URL, {"top": "units"}, **htmx("top-products"))
    assert response.text.lstrip().startswith('<div id="top-products"')
    assert "Top 2 products by units sold" in response.text
    assert response["HX-Push-Url"] == f"{URL}?top=units"


def test_the_kpi_row_refreshes_itself_without_a_history_step(staff_client):
    paid_orders(1)
    response = staff_client.get(URL, {"period": "7d"}, **htmx("kpis"))
    assert response.text.lstrip().startswith('<section id="kpis"')
    assert 'hx-trigger="every 60s"' in response.text
    assert f'hx-get="{URL}?period=7d"' in response.text
    assert "HX-Push-Url" not in response


def test_without_javascript_the_controls_are_one_plain_form(staff_client):
    page = staff_client.get(URL, {"period": "7d", "granularity": "week"}).text
    form = '<form id="dashboard-form" class="dashboard-controls" method="get"'
    assert f'{form} action="{URL}"' in page
    # the granularity (select and button) and the ranking (two radios and a button) belong to it
    assert page.count('form="dashboard-form"') == 5
    assert '<button type="submit" name="period" value="custom" class="button">' in page
    assert '<option value="week" selected>' in page and '<option value="7d" selected>' in page


@pytest.mark.parametrize(("query", "tidy"), [
    # "Apply range": the select's period goes first, the button's last, and the last one counts
    ("period=7d&start=2025-01-01&end=2025-01-31&granularity=&top=revenue&period=custom",
     "?period=custom&start=2025-01-01&end=2025-01-31"),
    # "Show period": the dates shown go along and are left aside
    ("period=90d&start=2025-01-01&end=2025-01-31&granularity=week&top=units",
     "?period=90d&granularity=week&top=units"),
    ("period=30d&granularity=&top=revenue", ""),
])
def test_a_form_sent_without_javascript_lands_on_the_tidy_address(staff_client, query, tidy):
    response = staff_client.get(f"{URL}?{query}")
    assert response.status_code == 302 and response["Location"] == f"{URL}{tidy}"


def test_each_chart_has_a_title_a_description_a_table_and_a_download(staff_client):
    paid_orders(2)
    page = staff_client.get(URL).text
    for name in ("sales", "customers", "top-products", "categories"):
        assert f'aria-labelledby="chart-{name}-title chart-{name}-desc"' in page
        assert f'<title id="chart-{name}-title">' in page
        assert f'<desc id="chart-{name}-desc">' in page
        assert f'href="{reverse("dashboard:chart", args=[name])}"' in page
    assert page.count('<details class="chart-table">') == 4
    assert '<th scope="row">Product 0</th>' in page


def test_a_chart_downloads_as_an_svg_file(staff_client):
    paid_orders(2)
    today = kpis.today()
    response = staff_client.get(reverse("dashboard:chart", args=["sales"]),
                                {"period": "7d", "granularity": "day"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    start = today - timedelta(days=6)
    assert response["Content-Disposition"] == (
        f'attachment; filename="sales-by-day-{start}-to-{today}.svg"'
    )
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns=')
    assert "$80.00" in body  # a column's tooltip


def test_a_chart_download_is_in_the_activity_log_as_no_export(staff_client, staff):
    staff_client.get(reverse("dashboard:chart", args=["categories"]), {"period": "7d"})
    entry = AuditEntry.objects.exclude(action="staff.sign_in").get()
    period = kpis.Period.last(7)
    assert (entry.actor, entry.action) == (staff, "chart.downloaded")
    assert entry.details == {"chart": "categories", "start": f"{period.start}",
                             "end": f"{period.end}"}


def test_a_bad_chart_request_is_refused(staff_client):
    assert staff_client.get(reverse("dashboard:chart", args=["pie"])).status_code == 404
    response = staff_client.get(reverse("dashboard:chart", args=["sales"]),
                                {"period": "custom", "start": "2025-03-09", "end": "2025-03-01"})
    assert response.status_code == 400 and "is after the last day" in response.text
    assert not AuditEntry.objects.filter(action="chart.downloaded").exists()


def test_a_period_of_only_free_items_still_shows_the_page(staff_client):
    order = OrderFactory(status=Order.Status.PAID, subtotal=Decimal("0.00"),
                         paid_at=timezone.now() - timedelta(hours=1))
    OrderLineFactory(order=order, variant__price=Decimal("0.00"), quantity=1)
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert "Revenue by category" in response.text


def test_low_stock_shows_variants_at_or_under_their_threshold(staff_client):
    low = VariantFactory(sku="LOW-1", on_hand=6, reserved=2, low_stock_threshold=4)
    VariantFactory(sku="PLENTY-1", on_hand=20, low_stock_threshold=4)
    VariantFactory(sku="HIDDEN-1", on_hand=1, product__is_active=False)
    order = OrderFactory(status=Order.Status.PAID, paid_at=timezone.now() - timedelta(days=2))
    OrderLineFactory(order=order, variant=low, quantity=12)
    response = staff_client.get(URL)
    rows = response.context["page"].low_stock
    assert [row.variant.sku for row in rows] == ["LOW-1"]
    assert (rows[0].available, rows[0].sold, rows[0].days_of_cover) == (4, 12, Decimal("10.0"))
    assert "LOW-1" in response.text and "PLENTY-1" not in response.text
    assert f'href="{reverse("admin:shop_variant_change", args=[low.pk])}"' in response.text


def test_low_stock_shows_twenty_and_links_to_the_rest_in_the_admin(staff_client):
    VariantFactory.create_batch(20, on_hand=0)
    VariantFactory(sku="LOW-AT-20", on_hand=15, low_stock_threshold=20)
    response = staff_client.get(URL)
    assert len(response.context["page"].low_stock) == 20
    assert "Only the first 20 are shown." in response.text
    variants = reverse("admin:shop_variant_changelist")
    for stock in ("low", "out"):
        assert f'href="{variants}?stock={stock}"' in response.text
    listed = staff_client.get(f"{variants}?stock=low").context["cl"].result_list
    assert [variant.sku for variant in listed] == ["LOW-AT-20"]  # the one not shown here


def test_the_low_stock_panel_is_rendered_once_a_minute_from_its_rows_read_afresh(
    staff_client, renders
):
    VariantFactory(sku="LOW-1", on_hand=2, low_stock_threshold=4)
    staff_client.get(URL, **htmx("dashboard-period"))  # no low stock in a fragment
    assert LOW_STOCK not in renders
    kept = home_page.Dashboard(read_choice(QueryDict())[0]).low_stock  # kept: LOW-1 alone
    assert [row.variant.sku for row in kept] == ["LOW-1"]
    VariantFactory(sku="LOW-2", on_hand=1, low_stock_threshold=4)
    first = staff_client.get(URL).text
    assert "LOW-1" in first and "LOW-2" in first  # not made from the rows kept
    VariantFactory(sku="LOW-3", on_hand=0)
    again = staff_client.get(URL).text
    assert "LOW-3" not in again and renders.count(LOW_STOCK) == 1
    empty_cache()  # a minute later
    assert "LOW-3" in staff_client.get(URL).text and renders.count(LOW_STOCK) == 2


def test_staff_who_may_not_see_the_stock_get_no_low_stock_panel(client, renders):
    sign_in_clerk(client, "dashboard.view_figures")
    VariantFactory(sku="LOW-1", on_hand=2, low_stock_threshold=4)
    page = client.get(URL).text
    assert "Key figures" in page and "Low stock" not in page and "LOW-1" not in page
    assert LOW_STOCK not in renders


def test_orders_needing_review_and_recent_orders_are_listed(staff_client):
    flagged = OrderFactory(needs_review=True, number="FLAG-000001")
    OrderFactory(number="RECENT-00001")
    response = staff_client.get(URL)
    assert [o.number for o in response.context["page"].needs_review] == [flagged.number]
    assert f'href="{reverse("admin:shop_order_change", args=[flagged.pk])}"' in response.text
    recent = Order.objects.get(number="RECENT-00001")
    assert f'href="{reverse("admin:shop_order_change", args=[recent.pk])}"' in response.text


def test_active_alerts_are_a_banner(staff_client):
    alerts.raise_alert(alerts.SERVER_ERRORS, "30 server errors (5xx) in the last minute.")
    response = staff_client.get(URL)
    assert 'role="alert"' in response.text
    assert "30 server errors (5xx) in the last minute." in response.text


DASHBOARD_LINK = f'<a href="{URL}">Dashboard</a>'


def test_the_site_header_links_staff_to_the_dashboard(staff_client):
    for path in ("/", "/products/", "/cart/"):
        assert DASHBOARD_LINK in staff_client.get(path).text, path


def test_the_site_header_has_no_dashboard_link_for_customers_or_visitors(client):
    assert DASHBOARD_LINK not in client.get("/").text
    client.force_login(make_account("shopper@example.com"))
    assert DASHBOARD_LINK not in client.get("/").text


def test_a_long_value_is_marked_to_be_set_smaller(staff_client):
    order = paid_orders(1)[0]
    Order.objects.filter(pk=order.pk).update(subtotal=Decimal("12345678.90"),
                                             total=Decimal("12345683.90"))

    page = staff_client.get(URL).text

    assert '<p class="kpi-value kpi-value--long">$12,345,678.90</p>' in page
    assert '<p class="kpi-value">1</p>' in page  # orders
