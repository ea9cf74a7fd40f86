"""The shopper's cart and order pages with several shops active cost at most one query more
than with the store alone (their pins are in tests/shop; the listing's and product page's
with shops are in tests/shop/test_seller_pages.py)."""

import pytest
from django.urls import reverse

from tests.factories import ProductImageFactory, UserFactory, VariantFactory
from tests.marketplace.sellers import make_seller, variant_of
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db


def test_a_cart_from_three_shops_needs_the_same_queries(client, django_assert_max_num_queries):
    """Lines, the offers in force and shipping methods, as with one shop: 3."""
    shops = [make_seller("Hill"), make_seller("Dale")]
    for n in range(12):
        variant = variant_of(shops[n % 2]) if n % 3 else VariantFactory(on_hand=5)
        ProductImageFactory(product=variant.product)
        client.post(reverse("shop:cart-add"), {"variant": variant.sku, "quantity": 1})
    with django_assert_max_num_queries(3) as captured:
        response = client.get(reverse("shop:cart"))
    assert len(captured.captured_queries) == 3
    assert len(response.context["cart"].rows) == 12


def test_an_order_in_parcels_from_three_shops_needs_one_query_more(
    client, django_assert_max_num_queries
):
    """Session, user, the order, its lines, its events (5, as with one shop), and its
    parcels with their shops: 6, whatever their number."""
    customer = UserFactory(email="grace@example.com")
    client.force_login(customer)
    shops = [make_seller("Hill"), make_seller("Dale")]
    order = place(*[(variant_of(shop), 1) for shop in shops for _ in range(3)],
                  (VariantFactory(on_hand=5), 1), email=customer.email, user=customer)
    pay(order)
    with django_assert_max_num_queries(6) as captured:
        response = client.get(order.get_absolute_url())
    assert len(captured.captured_queries) == 6
    assert response.text.count("<li><strong>From ") == 3
