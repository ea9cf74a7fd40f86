"""The benchmark's steps on a small shop: the sessions it loads pages with are let in, the
periods it exports hold what they say, and an export counts its rows."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from bench import dashboard_scale, exports, fixtures, recommendations, report
from bench.serve import SHOP_HEADERS
from dashboard.demo.history import seed_order_history
from shop.models import Order, ShippingMethod
from tests.conftest import empty_cache
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db
UNTIL = date(2025, 12, 31)


@pytest.fixture
def history():
    # Its own shipping method: the one the migrations wrote is gone in a worker where a
    # committing test (tests/shop/test_concurrency.py) ran before this one.
    ShippingMethod.objects.get_or_create(name="Standard", defaults={"price": "5.00"})
    for n in range(4):
        VariantFactory(on_hand=40, price=f"{10 + n}.00")
    return seed_order_history(orders=300, customers=80, until=UNTIL)


def with_session(client, key: str):
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def test_the_cart_session_holds_three_lines(client):
    for n in range(4):
        VariantFactory(on_hand=20, price=f"{10 + n}.00")

    response = with_session(client, fixtures.cart_session()).get(reverse("shop:cart"))

    assert response.status_code == 200
    assert len(response.context["cart"].rows) == 3


def test_the_staff_session_is_let_into_the_dashboard(client):
    response = with_session(client, fixtures.staff_session()).get("/dashboard/?period=12m")

    assert response.status_code == 200
    assert response.context["user"].is_staff


def test_the_recent_period_holds_just_enough_paid_orders(history, monkeypatch):
    monkeypatch.setattr(fixtures, "RECENT_ORDERS", 50)

    periods = fixtures.export_periods()

    start, end = (date.fromisoformat(day) for day in periods["recent"])
    paid = Order.objects.filter(paid_at__isnull=False)
    assert end == paid.latest("paid_at").paid_at.date()
    assert paid.filter(paid_at__date__gte=start).count() >= 50
    assert paid.filter(paid_at__date__gte=start + timedelta(days=1)).count() < 50
    assert periods["year"][0] == paid.earliest("paid_at").paid_at.date().isoformat()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_counts_the_paid_orders_of_its_period(history, file_format):
    start, end = UNTIL - timedelta(days=59), UNTIL
    paid = Order.objects.filter(paid_at__date__gte=start, paid_at__date__lte=end).count()

    written = exports.export("sales", file_format, start.isoformat(), end.isoformat())

    assert written["rows"] == paid > 0
    assert written["bytes"] > 0 and written["peak_mb"] > 0


def test_the_rebuild_step_scores_the_history_and_measures_its_memory(history):
    rebuilt = recommendations.rebuild()

    assert rebuilt["orders"] == Order.objects.filter(paid_at__isnull=False).count()
    assert rebuilt["products"] == 4 and rebuilt["links"] > 0
    assert rebuilt["peak_mb"] >= rebuilt["before_mb"] > 0


def test_the_customer_session_is_let_into_their_orders_and_addresses(client, history):
    key, order_path = fixtures.customer_session()
    with_session(client, key)

    pages = {path: client.get(path) for path in ("/orders/", order_path, "/addresses/")}

    assert all(response.status_code == 200 for response in pages.values()), pages
    assert pages["/addresses/"].context["user"].addresses.exists()
    assert pages[order_path].context["order"].paid_at is not None  # kept once seen: paid


def test_every_page_is_read_by_a_visitor_a_shopper_with_a_cart_and_a_customer(history):
    targets = fixtures.targets()

    for name in ("listing", "search", "detail"):
        assert "cookie" not in targets[name]
        assert targets[f"{name} with a cart"]["cookie"] == targets["cart"]["cookie"]
        assert targets[f"{name} signed in"]["cookie"] == targets["orders signed in"]["cookie"]
    assert set(targets) - {"dashboard", "liveness"} == set(report.PAGES) - {
        "dashboard", "liveness"}


def test_a_session_goes_with_the_cookies_the_shop_gave_its_browser(client, history):
    # Another browser at the same address first: its first visit of the day is the one counted.
    Client().get(reverse("shop:product-list"), headers=SHOP_HEADERS)
    for part in fixtures.browser_cookies().split("; "):
        name, value = part.split("=", 1)
        client.cookies[name] = value
    sent = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.get(reverse("shop:product-list"), headers=SHOP_HEADERS)

    # Taken as its own: the same CSRF secret, the visitor already counted today.
    assert response.status_code == 200
    assert response.cookies[settings.CSRF_COOKIE_NAME].value == sent
    assert "visitor" not in response.cookies


def test_the_stampede_counts_the_key_figures_worked_out(history, monkeypatch):
    # One request at a time in this thread, on this test's database and connection. On Redis
    # the benchmark's own forgetting and falling due run; the local cache, which cannot find
    # keys by pattern, is emptied instead, so that its second phase is a cold one again.
    monkeypatch.setattr(dashboard_scale, "_in_process", lambda path: lambda: dashboard_scale._get(
        dashboard_scale._client(), path))
    if not hasattr(cache, "keys"):
        monkeypatch.setattr(dashboard_scale, "_forget_panels", lambda start, end: empty_cache())
        monkeypatch.setattr(dashboard_scale, "_expire_panels", empty_cache)
    monkeypatch.setattr(dashboard_scale, "_at_once",
                        lambda threads, request: {"time": request() > 0})

    stampede = dashboard_scale._stampede(UNTIL, threads=1)

    assert stampede["cold"] == {"time": True, "computed": 1}
    assert stampede["fallen_due"] == {"time": True, "computed": 1}
