"""Page views for the sellers' figures: a product's or shop's page counts each visitor once
a day, as a browser opens it (crawlers, HTMX fragments and other clients are not counted),
and the seller sees their views and their conversion."""

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.models import PageViewDay
from tests.marketplace.sellers import make_seller, sign_in_as_seller, variant_of
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "Accept": "text/html"}


def views(kind: str, slug: str) -> int:
    return sum(PageViewDay.objects.filter(kind=kind, slug=slug).values_list("views", flat=True))


def browser(address: str) -> Client:
    """A browser of its own, at an address of its own."""
    return Client(REMOTE_ADDR=address)


def test_each_visitor_counts_once_a_day_per_page(client):
    hill = make_seller("Hill")
    product = variant_of(hill).product
    first, second = browser("198.51.100.1"), browser("198.51.100.2")
    for _ in range(3):
        assert first.get(product.get_absolute_url(), headers=BROWSER).status_code == 200
    second.get(product.get_absolute_url(), headers=BROWSER)
    second.get(hill.get_absolute_url(), headers=BROWSER)
    assert views("product", product.slug) == 2
    assert views("shop", hill.slug) == 1
    # Not a browser page view: no count.
    Client().get(product.get_absolute_url())
    Client().get(product.get_absolute_url(), headers={**BROWSER, "User-Agent": "Googlebot"})
    Client().get(product.get_absolute_url(), headers={**BROWSER, "HX-Request": "true"})
    assert views("product", product.slug) == 2


def test_a_client_that_never_sends_its_cookie_back_counts_one_view_a_day():
    product = variant_of(make_seller("Hill")).product

    for _ in range(5):  # a new visitor every time, from one address
        browser("198.51.100.9").get(product.get_absolute_url(), headers=BROWSER)

    assert views("product", product.slug) == 1


def test_a_new_browser_after_another_from_its_address_counts_from_its_next_page():
    product = variant_of(make_seller("Hill")).product
    browser("198.51.100.9").get(product.get_absolute_url(), headers=BROWSER)
    second = browser("198.51.100.9")

    second.get(product.get_absolute_url(), headers=BROWSER)
    assert views("product", product.slug) == 1
    second.get(product.get_absolute_url(), headers=BROWSER)  # its cookie back: counted now
    assert views("product", product.slug) == 2


def test_the_seller_sees_views_and_conversion(client):
    hill = make_seller("Hill")
    variant = variant_of(hill)
    for number in range(4):
        browser(f"198.51.100.{number}").get(variant.product.get_absolute_url(), headers=BROWSER)
    pay(place((variant, 1)))
    sign_in_as_seller(client, hill)
    figures = client.get(reverse("marketplace:home")).context["figures"]
    assert (figures.product_views, figures.shop_views, figures.orders) == (4, 0, 1)
    assert str(figures.conversion) == "25.0"
