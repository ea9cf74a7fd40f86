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


def test_each_visitor_counts_once_a_day_per_page(client):
    hill = make_seller("Hill")
    product = variant_of(hill).product
    first, second = Client(), Client()
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


def test_the_seller_sees_views_and_conversion(client):
    hill = make_seller("Hill")
    variant = variant_of(hill)
    for _ in range(4):
        Client().get(variant.product.get_absolute_url(), headers=BROWSER)
    pay(place((variant, 1)))
    sign_in_as_seller(client, hill)
    figures = client.get(reverse("marketplace:home")).context["figures"]
    assert (figures.product_views, figures.shop_views, figures.orders) == (4, 0, 1)
    assert str(figures.conversion) == "25.0"
