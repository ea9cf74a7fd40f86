"""Counting storefront sessions: one row per session per day, written once, and marked when
the session places an order."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import kpis, sessions
from dashboard.models import SessionDay
from shop.models import ShippingMethod
from tests.accounts import make_account, sign_in
from tests.factories import VariantFactory
from tests.shop.buying import ADDRESS

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36"}


@pytest.fixture
def on_day(monkeypatch):
    """Pretend today (the store's) is `day`."""
    def set_day(day: date) -> None:
        monkeypatch.setattr(kpis, "today", lambda: day)
    set_day(date(2025, 3, 3))
    return set_day


def buy(client, *, email: str = "ada@example.com") -> None:
    """Add a jacket to the cart and go through checkout to the placed order."""
    jacket = VariantFactory(price=Decimal("30.00"), on_hand=5)
    client.post(reverse("shop:cart-add"), {"variant": jacket.sku, "quantity": 1})
    standard = ShippingMethod.objects.get(name="Standard")
    client.post(reverse("shop:checkout"), {"email": email, **ADDRESS,
                                           "shipping_method": standard.pk,
                                           "payment_provider": "test"})
    response = client.post(reverse("shop:checkout-review"))
    assert response.status_code == 302 and "/payments/" in response["Location"]


def session_queries(client, path: str, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **{**BROWSER, **headers})
    assert response.status_code == 200
    return [q["sql"] for q in queries if "dashboard_sessionday" in q["sql"]]


def test_a_visit_is_counted_once_a_day(client, on_day):
    assert len(session_queries(client, "/")) == 1
    assert session_queries(client, "/products/") == []  # no query at all the second time
    assert session_queries(client, "/") == []
    row = SessionDay.objects.get()
    assert (row.day, row.ordered) == (date(2025, 3, 3), False)
    on_day(date(2025, 3, 4))
    assert len(session_queries(client, "/products/")) == 1
    assert list(SessionDay.objects.values_list("day", flat=True).order_by("day")) == [
        date(2025, 3, 3), date(2025, 3, 4)
    ]


def test_two_browsers_are_two_sessions(client, on_day):
    client.get("/", **BROWSER)
    Client().get("/", **BROWSER)
    assert SessionDay.objects.count() == 2


def test_the_row_holds_a_keyed_hash_never_the_session_key(client, on_day):
    client.get("/", **BROWSER)
    key = client.session.session_key
    row = SessionDay.objects.get()
    assert key and key not in row.key and len(row.key) == 64
    assert client.session[sessions.VISIT] == {"day": "2025-03-03", "key": row.key}


@pytest.mark.parametrize(("path", "headers"), [
    ("/dashboard/", {}),
    ("/admin/login/", {}),
    ("/", {"HTTP_HX_REQUEST": "true"}),  # a fragment, not a page
    ("/", {"HTTP_USER_AGENT": "Googlebot/2.1 (+http://www.google.com/bot.html)"}),
    ("/", {"HTTP_USER_AGENT": ""}),
    ("/products/no-such-thing/", {}),  # 404
])
def test_staff_pages_fragments_crawlers_and_errors_are_not_counted(client, on_day, path,
                                                                  headers):
    client.get(path, **{**BROWSER, **headers})
    assert not SessionDay.objects.exists()


def test_placing_an_order_marks_the_session(client, on_day):
    client.get("/", **BROWSER)
    buy(client)
    row = SessionDay.objects.get()  # the same row, not a second one
    assert row.ordered is True


def test_an_order_after_signing_in_marks_the_row_of_the_visit(client, on_day):
    """Signing in gives the session a new key; the visit's row is still the one marked."""
    make_account("ada@example.com")
    client.get("/", **BROWSER)
    sign_in(client, "ada@example.com")
    buy(client)
    assert list(SessionDay.objects.values_list("ordered", flat=True)) == [True]


def test_an_order_from_a_session_not_counted_yet_is_counted_as_it_orders(client, on_day):
    buy(client)  # no page seen as a browser would
    assert SessionDay.objects.get().ordered is True
    client.get("/", **BROWSER)
    assert SessionDay.objects.count() == 1  # that visit was this day's


def test_the_conversion_rate_follows_the_sessions(client, on_day):
    client.get("/", **BROWSER)
    other = Client()
    other.get("/", **BROWSER)
    buy(other)
    day = date(2025, 3, 3)
    figures = kpis.summary(kpis.Period(day, day))
    assert figures["sessions"] == 2 and figures["conversion_rate"] == Decimal("0.5000")

