"""A cart's pages kept for that cart, and a customer's account pages for that customer
(shop.own_pages): served again without a query (but the customer's) while nothing they show
has changed, and rendered afresh as soon as something has."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from shop import caching
from shop.access import SESSION_KEY as GUEST_ORDERS
from shop.caching import CUSTOMER_TIMEOUT, VERSION_TIMEOUT
from shop.models import Cart, CartLine
from shop.services import fulfilment, order_refunds
from tests import accounts
from tests.factories import VariantFactory
from tests.shop import buying

pytestmark = pytest.mark.django_db
CART = reverse("shop:cart")
CHECKOUT = reverse("shop:checkout")
# The values made for each response, and the messages (the first view shows "Added…").
OWN_VALUES = re.compile(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"|csrfmiddlewaretoken" value="[^"]+"'
                        r'|<ul class="messages">.*?</ul>', re.DOTALL)
HOLES = {"_account_nav.html", "_messages.html"}


@pytest.fixture
def jacket():
    return VariantFactory(sku="JKT-M", size="M", price=Decimal("49.50"), on_hand=5,
                          product__name="Trail Jacket", product__slug="trail-jacket")


def add(client, variant, quantity=1):
    response = client.post(reverse("shop:cart-add"), {"variant": variant.sku,
                                                      "quantity": quantity})
    assert response.status_code == 302


def rendered(response) -> bool:
    """Whether the response rendered its page, not only the holes of a kept one."""
    return bool({template.name for template in response.templates} - HOLES)


def same_but_own_values(page: str, other: str) -> bool:
    def bare(text: str) -> str:
        return " ".join(OWN_VALUES.sub("", text).split())
    return bare(page) == bare(other)


def messages_of(page: str) -> str:
    return page.split('id="messages"')[1].split("</div>")[0]


def test_a_cart_seen_again_unchanged_is_served_without_a_query(
    client, jacket, django_assert_num_queries
):
    add(client, jacket, 2)
    first = client.get(CART)
    assert rendered(first)

    with django_assert_num_queries(0):  # the session is read from the cache
        again = client.get(CART)

    assert not rendered(again)
    assert same_but_own_values(again.text, first.text)
    assert "shared-page" not in again.text


def test_a_customers_kept_cart_costs_their_carts_id(
    client, jacket, django_assert_num_queries
):
    client.force_login(accounts.make_account("grace@example.com"))
    add(client, jacket, 2)
    first = client.get(CART)

    with django_assert_num_queries(1):  # the session and the user come from the cache
        again = client.get(CART)

    assert not rendered(again)
    assert same_but_own_values(again.text, first.text)


def test_a_change_to_the_cart_shows_at_once(client, jacket):
    add(client, jacket, 1)
    client.get(CART)
    line = CartLine.objects.get()

    client.post(reverse("shop:cart-line-update", args=[line.pk]), {"quantity": 3})
    page = client.get(CART)

    assert rendered(page)
    assert [row.quantity for row in page.context["cart"].rows] == [3]


def test_stock_sold_to_someone_else_shows_in_the_cart(client, jacket):
    add(client, jacket, 4)
    assert "left; please lower" not in client.get(CART).text

    buying.place((jacket, 3), email="bob@example.com")  # reserves 3 of the 5
    page = client.get(CART).text

    assert "Only 2 left; please lower the quantity." in page


def test_a_new_price_shows_in_the_cart(client, jacket, django_capture_on_commit_callbacks):
    add(client, jacket, 1)
    assert "$49.50" in client.get(CART).text
    with django_capture_on_commit_callbacks(execute=True):
        jacket.price = Decimal("39.00")
        jacket.save()

    page = client.get(CART).text

    assert "$39.00" in page and "$49.50" not in page


def test_paying_an_order_placed_from_the_cart_empties_its_kept_page(client, jacket):
    add(client, jacket, 1)
    client.get(CART)
    order = buying.place(cart=Cart.objects.get())
    assert "Trail Jacket" in client.get(CART).text  # kept until the order is paid

    buying.pay(order)

    assert "Your cart is empty." in client.get(CART).text


def test_two_carts_never_share_a_page(jacket):
    coat = VariantFactory(sku="COAT-L", price=Decimal("120.00"), on_hand=5,
                          product__name="Wool Coat")
    ada, bob = Client(), Client()
    add(ada, jacket)
    add(bob, coat)
    ada.get(CART), bob.get(CART)

    ada_page, bob_page = ada.get(CART).text, bob.get(CART).text

    assert "Trail Jacket" in ada_page and "Wool Coat" not in ada_page
    assert "Wool Coat" in bob_page and "Trail Jacket" not in bob_page


def test_a_message_shows_once_on_a_kept_page(client, jacket):
    add(client, jacket, 1)  # "Added 1 of …", shown by the cart page it goes to
    assert "Added 1" in messages_of(client.get(CART).text)

    again = client.get(CART)

    assert not rendered(again)
    assert "Added 1" not in messages_of(again.text)


def test_checkout_is_kept_with_the_details_given_in_the_session(client, jacket, standard):
    add(client, jacket, 1)
    assert 'value="ada@example.com"' not in client.get(CHECKOUT).text
    client.get(CHECKOUT)

    details = buying.checkout_details(standard)
    assert client.post(CHECKOUT, details).status_code == 302
    page = client.get(CHECKOUT)

    assert rendered(page)
    assert 'value="ada@example.com"' in page.text


def test_a_customers_checkout_is_rendered_every_time(client, jacket):
    client.force_login(accounts.make_account("grace@example.com"))
    add(client, jacket, 1)
    client.get(CHECKOUT)

    assert rendered(client.get(CHECKOUT))  # it shows their saved addresses, not kept


# --- a customer's account pages ----------------------------------------------------------------

@pytest.fixture
def grace(client):
    user = accounts.make_account("grace@example.com")
    client.force_login(user)
    return user


def paid_order(user, variant, quantity=1):
    order = buying.place((variant, quantity), email=user.email, user=user)
    buying.pay(order)
    order.refresh_from_db()
    return order


def test_a_paid_order_seen_again_costs_no_query(
    client, grace, jacket, django_assert_num_queries
):
    order = paid_order(grace, jacket)
    first = client.get(order.get_absolute_url())
    assert rendered(first)

    with django_assert_num_queries(0):  # the session and the user come from the cache
        again = client.get(order.get_absolute_url())

    assert not rendered(again)
    assert same_but_own_values(again.text, first.text)


def test_shipping_a_kept_order_shows_its_tracking_number(client, grace, jacket):
    order = paid_order(grace, jacket)
    client.get(order.get_absolute_url()), client.get(order.get_absolute_url())

    fulfilment.mark_shipped(order_id=order.pk, tracking_number="1Z999")
    page = client.get(order.get_absolute_url()).text

    assert "1Z999" in page and "Shipped" in page


def test_a_refund_shows_on_the_kept_order(client, grace, jacket):
    order = paid_order(grace, jacket)
    client.get(order.get_absolute_url())

    order_refunds.record_refund(order_id=order.pk, amount=Decimal("5.00"))
    page = client.get(order.get_absolute_url()).text

    assert "Refunded: $5.00" in page


def test_an_order_waiting_for_payment_is_rendered_every_time(client, grace, jacket):
    order = buying.place((jacket, 1), email=grace.email, user=grace)
    client.get(order.get_absolute_url())

    assert rendered(client.get(order.get_absolute_url()))  # its deadline counts down


def test_a_guest_order_this_session_placed_is_rendered_every_time(client, grace, jacket):
    order = buying.place((jacket, 1), email="guest@example.com")  # no customer's
    buying.pay(order)
    session = client.session
    session[GUEST_ORDERS] = [order.number]  # as placing it in this browser leaves it
    session.save()
    assert client.get(order.get_absolute_url()).status_code == 200

    assert rendered(client.get(order.get_absolute_url()))  # its changes bump no customer


def test_a_new_order_shows_in_the_kept_history(client, grace, jacket):
    first = paid_order(grace, jacket)
    client.get(reverse("shop:order-list")), client.get(reverse("shop:order-list"))

    second = paid_order(grace, jacket)
    page = client.get(reverse("shop:order-list")).text

    assert first.number in page and second.number in page


def test_an_address_added_shows_in_the_kept_address_book(client, grace):
    client.get(reverse("shop:address-list")), client.get(reverse("shop:address-list"))

    response = client.post(reverse("shop:address-new"), {**buying.ADDRESS, "full_name": "Ada K"})
    assert response.status_code == 302

    assert "Ada K" in client.get(reverse("shop:address-list")).text


def test_customers_never_share_kept_pages(jacket):
    ada_user, bob_user = (accounts.make_account(f"{name}@example.com") for name in ("ada", "bob"))
    ada_order, bob_order = paid_order(ada_user, jacket), paid_order(bob_user, jacket)
    ada, bob = Client(), Client()
    ada.force_login(ada_user)
    bob.force_login(bob_user)
    ada.get(reverse("shop:order-list")), bob.get(reverse("shop:order-list"))

    ada_page, bob_page = ada.get(reverse("shop:order-list")), bob.get(reverse("shop:order-list"))

    assert not rendered(ada_page) and not rendered(bob_page)
    assert ada_order.number in ada_page.text and bob_order.number not in ada_page.text
    assert bob_order.number in bob_page.text and ada_order.number not in bob_page.text


def test_a_made_up_query_is_rendered_and_not_kept(client, grace):
    client.get(reverse("shop:address-list"))
    assert rendered(client.get(reverse("shop:address-list"), {"utm": "x"}))

    assert rendered(client.get(reverse("shop:address-list"), {"utm": "x"}))
    assert not rendered(client.get(reverse("shop:address-list")))


def test_versions_and_a_customers_entries_do_not_outlive_what_they_guard(
    client, grace, jacket, monkeypatch
):
    """One version per product, cart and customer: each expires (the catalogue's does not),
    and what is kept for a customer lasts a minute, as their bumps are not retried."""
    added, kept = {}, {}
    add, set_ = cache.add, cache.set
    monkeypatch.setattr(cache, "add", lambda key, value, timeout=None, **kw:
                        added.__setitem__(key, timeout) or add(key, value, timeout, **kw))
    monkeypatch.setattr(cache, "set", lambda key, value, timeout=None, **kw:
                        kept.__setitem__(key, timeout) or set_(key, value, timeout, **kw))
    add_to_cart = client.post(reverse("shop:cart-add"), {"variant": jacket.sku, "quantity": 1})
    assert add_to_cart.status_code == 302
    client.get(CART), client.get(reverse("shop:product-list"))
    cache.delete(caching.VERSION_KEY)
    caching.catalogue_version()

    assert added[caching.VERSION_KEY] is None
    assert {added[caching.PRODUCT_KEY.format(jacket.product.slug)],
            added[caching.CUSTOMER_KEY.format(grace.pk)]} == {VERSION_TIMEOUT}
    assert [timeout for key, timeout in added.items()
            if key.startswith("cart:")] == [VERSION_TIMEOUT]
    assert {timeout for key, timeout in kept.items()
            if key.startswith(f"customer:{grace.pk}:")} == {CUSTOMER_TIMEOUT}
