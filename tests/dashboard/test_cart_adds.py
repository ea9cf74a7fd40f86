"""Adds to a cart for the Products page's funnel: shop.signals.added_to_cart, sent by the
cart-add view and the wishlist's move to the cart after an add, counts the product once a
day per visitor (a visitor without its cookie yet is made one, as placing an order makes
it), and a count lost to the database never loses the add."""

import logging
from datetime import date

import pytest
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from dashboard import kpis, sessions
from dashboard.models import PageViewDay
from dashboard.sessions import COOKIE, SessionCountMiddleware
from shop.models import CartLine
from shop.signals import added_to_cart
from tests.factories import UserFactory, VariantFactory, WishlistItemFactory

pytestmark = pytest.mark.django_db

SLUG = "trail-jacket"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0",
           "Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def on_day(monkeypatch):
    """Pretend today (the store's) is `day`."""
    def set_day(day: date) -> None:
        monkeypatch.setattr(kpis, "today", lambda: day)
    set_day(date(2025, 3, 3))
    return set_day


@pytest.fixture
def jacket():
    return VariantFactory(sku="JKT-M", on_hand=5, product__name="Trail Jacket",
                          product__slug=SLUG)


class Visitor:
    """Adds to a cart through the counting middleware, keeping the visitor cookie it is
    given as a browser does: every query made is the counting's."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def add(self, slug: str = SLUG) -> HttpResponse:
        def view(request: HttpRequest) -> HttpResponse:
            sessions.count_cart_add(request, slug=slug)
            return HttpResponse(status=302)

        request = RequestFactory().post("/cart/add/")
        request.COOKIES.update(self.cookies)
        response = SessionCountMiddleware(view)(request)
        if COOKIE in response.cookies:
            self.cookies[COOKIE] = response.cookies[COOKIE].value
        return response


def adds(slug: str = SLUG) -> list[tuple[date, int]]:
    rows = PageViewDay.objects.filter(kind=PageViewDay.Kind.CART, slug=slug).order_by("day")
    return list(rows.values_list("day", "views"))


def test_a_visitor_counts_once_a_day_however_often_it_adds(on_day, django_assert_num_queries):
    ada, bo = Visitor(), Visitor()
    ada.add()
    with django_assert_num_queries(0):  # the cache knows it was counted today
        ada.add()
    assert adds() == [(date(2025, 3, 3), 1)]
    bo.add()
    assert adds() == [(date(2025, 3, 3), 2)]
    on_day(date(2025, 3, 4))
    ada.add()
    ada.add()
    assert adds() == [(date(2025, 3, 3), 2), (date(2025, 3, 4), 1)]


def test_each_product_has_its_own_count(on_day):
    ada = Visitor()
    ada.add()
    ada.add("wool-hat")
    assert adds() == [(date(2025, 3, 3), 1)] and adds("wool-hat") == [(date(2025, 3, 3), 1)]


def test_an_add_without_the_cookie_makes_the_visitor_and_sends_its_cookie(on_day):
    ada = Visitor()
    response = ada.add()
    assert COOKIE in response.cookies
    ada.add()  # the same visitor, known by the cookie now
    assert adds() == [(date(2025, 3, 3), 1)]


def test_a_cart_add_is_no_page_view_and_no_visit(on_day):
    Visitor().add()
    assert not PageViewDay.objects.exclude(kind=PageViewDay.Kind.CART).exists()
    assert kpis.session_days(kpis.Period.last(1, until=date(2025, 3, 3))) == {}


# --- through the cart-add view ----------------------------------------------------------


def add_to_cart(client, variant, quantity: int = 1):
    return client.post(reverse("shop:cart-add"), {"variant": variant.sku, "quantity": quantity})


def test_the_cart_add_view_sends_the_signal_after_an_add(client, jacket):
    sent = []

    def note(sender, request, product, variant, **kwargs):
        sent.append((sender, product, variant, CartLine.objects.filter(variant=variant).exists()))

    added_to_cart.connect(note)
    try:
        assert add_to_cart(client, jacket).status_code == 302
    finally:
        added_to_cart.disconnect(note)
    assert sent == [(type(jacket), jacket.product, jacket, True)]  # the line was in the cart


def test_a_real_add_counts_once_a_day_per_visitor(client, jacket, on_day):
    client.get(jacket.product.get_absolute_url(), headers=BROWSER)  # the visitor's cookie
    add_to_cart(client, jacket)
    add_to_cart(client, jacket)
    assert adds() == [(date(2025, 3, 3), 1)]
    add_to_cart(Client(), jacket)  # another visitor, who never showed a page
    assert adds() == [(date(2025, 3, 3), 2)]
    on_day(date(2025, 3, 4))
    add_to_cart(client, jacket)
    assert adds() == [(date(2025, 3, 3), 2), (date(2025, 3, 4), 1)]
    assert PageViewDay.objects.get(kind=PageViewDay.Kind.PRODUCT, slug=SLUG).views == 1


def test_a_move_from_the_wishlist_to_the_cart_counts_too(client, jacket, on_day):
    customer = UserFactory()
    WishlistItemFactory(user=customer, product=jacket.product)
    client.force_login(customer)
    response = client.post(reverse("shop:wishlist-move", args=[jacket.product.pk]),
                           {"variant": jacket.pk})
    assert response.status_code == 302
    assert CartLine.objects.filter(variant=jacket).exists()
    assert adds() == [(date(2025, 3, 3), 1)]


def test_an_add_that_adds_nothing_is_not_counted(client, on_day):
    sold_out = VariantFactory(on_hand=0, product__slug="sold-out")
    add_to_cart(client, sold_out)
    assert adds("sold-out") == []


def test_a_database_error_loses_the_count_not_the_add(client, jacket, on_day, monkeypatch,
                                                      caplog):
    def fail(*args, **kwargs):
        raise DatabaseError("down")

    with monkeypatch.context() as down:
        down.setattr(PageViewDay.objects, "filter", fail)
        with caplog.at_level(logging.WARNING, logger="dashboard.receivers"):
            response = add_to_cart(client, jacket, 2)
    assert response.status_code == 302 and response["Location"] == reverse("shop:cart")
    assert CartLine.objects.get(variant=jacket).quantity == 2
    assert "could not be counted" in caplog.text
    assert adds() == []
