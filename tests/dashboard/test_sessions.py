"""Counting storefront visitors: one row per visitor per day, known by a cookie of its own,
written at most once a day; clients that keep no cookies counted once a day per address; and
the row marked when the visitor places an order."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from dashboard import kpis
from dashboard.models import SessionDay
from dashboard.sessions import COOKIE, SessionCountMiddleware
from shop.models import Order, ShippingMethod
from tests.accounts import make_account, sign_in
from tests.factories import VariantFactory
from tests.shop.buying import ADDRESS

pytestmark = pytest.mark.django_db

BROWSER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36",
    "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}


@pytest.fixture
def on_day(monkeypatch):
    """Pretend today (the store's) is `day`."""
    def set_day(day: date) -> None:
        monkeypatch.setattr(kpis, "today", lambda: day)
    set_day(date(2025, 3, 3))
    return set_day


def page_view(cookies: dict | None = None, *, address: str = "203.0.113.5",
              **headers) -> HttpResponse:
    """A storefront page served through the counting middleware alone: every query made is
    the counting's."""
    request = RequestFactory().get("/", REMOTE_ADDR=address, **{**BROWSER, **headers})
    request.COOKIES.update(cookies or {})
    return SessionCountMiddleware(lambda request: HttpResponse("<p>A page</p>"))(request)


class Browser:
    """Keeps the visitor cookie it is given, as a browser does."""

    def __init__(self, address: str = "203.0.113.5"):
        self.address, self.cookies = address, {}

    def view(self) -> HttpResponse:
        response = page_view(self.cookies, address=self.address)
        if COOKIE in response.cookies:
            self.cookies[COOKIE] = response.cookies[COOKIE].value
        return response


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


def test_a_browser_costs_one_write_on_its_first_page_and_none_after_that_day(
    on_day, django_assert_num_queries
):
    browser = Browser()
    with django_assert_num_queries(1):  # the SessionDay INSERT
        browser.view()
    with django_assert_num_queries(0):
        for _ in range(3):
            browser.view()
    on_day(date(2025, 3, 4))
    with django_assert_num_queries(1):
        browser.view()
    with django_assert_num_queries(0):
        browser.view()
    assert list(SessionDay.objects.values_list("day", flat=True).order_by("day")) == [
        date(2025, 3, 3), date(2025, 3, 4)
    ]


def test_a_client_that_keeps_no_cookies_writes_once_a_day_per_address(
    on_day, django_assert_num_queries
):
    with django_assert_num_queries(1):
        for _ in range(5):
            page_view()
    assert SessionDay.objects.count() == 1
    page_view(address="198.51.100.7")  # another address is another visitor
    assert SessionDay.objects.count() == 2
    on_day(date(2025, 3, 4))
    with django_assert_num_queries(1):
        for _ in range(5):
            page_view()


def test_a_browser_after_another_from_its_address_is_counted_on_its_next_page(on_day):
    Browser().view()
    office = Browser()
    office.view()
    assert SessionDay.objects.count() == 1  # the address had its first visit today
    office.view()
    office.view()
    assert SessionDay.objects.count() == 2


@pytest.mark.parametrize("accept", ["", "*/*", "application/json"])
def test_a_request_without_the_cookie_that_asks_for_no_html_is_not_counted(on_day, accept):
    response = page_view(HTTP_ACCEPT=accept)
    assert not SessionDay.objects.exists()
    assert COOKIE not in response.cookies


def test_a_made_up_cookie_is_no_visitor(on_day):
    page_view({COOKIE: "chosen-key:2025-03-03"})  # unsigned: taken as no cookie
    page_view({COOKIE: "other-key:2025-03-03"}, address="198.51.100.7")
    assert SessionDay.objects.count() == 2


def test_the_cookie_is_the_shops_own_http_only_and_lasts_a_month(on_day, settings):
    settings.SESSION_COOKIE_SECURE = True
    cookie = Browser().view().cookies[COOKIE]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 30 * 24 * 60 * 60
    settings.SESSION_COOKIE_SECURE = False
    assert not Browser(address="198.51.100.7").view().cookies[COOKIE]["secure"]


def test_the_row_holds_a_keyed_hash_never_the_visitors_key(client, on_day):
    client.get("/", **BROWSER)
    key = client.cookies[COOKIE].value.split(":")[0]
    row = SessionDay.objects.get()
    assert key and key not in row.key and len(row.key) == 64


def test_a_visitor_without_a_session_gets_none(client, on_day):
    for path in ("/", "/products/", "/"):
        assert client.get(path, **BROWSER).status_code == 200
    assert SessionDay.objects.count() == 1
    assert not Session.objects.exists()
    assert COOKIE in client.cookies and "sessionid" not in client.cookies


def test_two_browsers_are_two_visitors(client, on_day):
    client.get("/", **BROWSER)
    Client().get("/", REMOTE_ADDR="198.51.100.7", **BROWSER)
    assert SessionDay.objects.count() == 2


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


def test_placing_an_order_marks_the_visitors_row(client, on_day):
    client.get("/", **BROWSER)
    buy(client)
    row = SessionDay.objects.get()  # the same row, not a second one
    assert row.ordered is True


def test_an_order_after_signing_in_marks_the_row_of_the_visit(client, on_day):
    make_account("ada@example.com")
    client.get("/", **BROWSER)
    sign_in(client, "ada@example.com")
    buy(client)
    assert list(SessionDay.objects.values_list("ordered", flat=True)) == [True]


def test_an_order_from_a_visitor_not_counted_yet_is_counted_as_it_orders(client, on_day):
    buy(client)  # no page seen as a browser would
    assert SessionDay.objects.get().ordered is True
    client.get("/", **BROWSER)
    assert SessionDay.objects.count() == 1  # that visit was this day's


def test_an_order_on_a_later_day_marks_that_days_row(client, on_day):
    client.get("/", **BROWSER)
    on_day(date(2025, 3, 4))
    buy(client)
    rows = SessionDay.objects.order_by("day").values_list("day", "ordered")
    assert list(rows) == [(date(2025, 3, 3), False), (date(2025, 3, 4), True)]
    assert len({row.key for row in SessionDay.objects.all()}) == 1  # one visitor


def test_the_conversion_rate_follows_the_visitors(client, on_day):
    client.get("/", **BROWSER)
    other = Client(REMOTE_ADDR="198.51.100.7")
    other.get("/", **BROWSER)
    buy(other)
    day = date(2025, 3, 3)
    figures = kpis.summary(kpis.Period(day, day))
    assert figures["sessions"] == 2 and figures["conversion_rate"] == Decimal("0.5000")


def fail(*args, **kwargs):
    raise DatabaseError("down")


def test_a_database_error_loses_the_count_not_the_page(client, on_day, monkeypatch):
    with monkeypatch.context() as down:  # undone alone: the day pretended stays
        down.setattr(SessionDay.objects, "bulk_create", fail)
        assert client.get("/", **BROWSER).status_code == 200
    assert not SessionDay.objects.exists()
    client.get("/", **BROWSER)  # not counted yet: counted now
    assert list(SessionDay.objects.values_list("day", flat=True)) == [date(2025, 3, 3)]


def test_a_database_error_loses_the_orders_mark_not_the_order(client, on_day, monkeypatch):
    monkeypatch.setattr(SessionDay.objects, "bulk_create", fail)
    buy(client)  # placed, and on to payment
    assert Order.objects.filter(email="ada@example.com").exists()
    assert not SessionDay.objects.exists()
