"""The cart: add, change, remove, stock messages, the badge event, merging at sign-in."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.models import Cart, CartLine
from tests import accounts
from tests.factories import ProductImageFactory, VariantFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def jacket():
    return VariantFactory(sku="JKT-M", size="M", color="Navy", price=Decimal("49.50"), on_hand=5,
                          product__name="Trail Jacket")


def add(client, variant, quantity=1, **headers):
    return client.post(reverse("shop:cart-add"), {"variant": variant.sku, "quantity": quantity},
                       **headers)


def lines(client):
    return {line.variant.sku: line.quantity for line in CartLine.objects.select_related("variant")
            .filter(cart_id=client.session.get("cart_id"))}


def test_adding_puts_the_variant_in_the_sessions_cart(client, jacket):
    response = add(client, jacket, 2)
    assert response.status_code == 302 and response["Location"] == reverse("shop:cart")
    assert lines(client) == {"JKT-M": 2}
    assert client.session["cart_count"] == 2


def test_adding_again_adds_to_the_same_line(client, jacket):
    add(client, jacket, 2)
    add(client, jacket, 1)
    assert lines(client) == {"JKT-M": 3}


def test_adding_in_place_answers_with_the_notice_and_a_cart_changed_event(client, jacket):
    response = add(client, jacket, 2, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"cart-changed": {"count": 2}}
    assert 'id="cart-notice"' in response.text
    assert "Added 2 × “Trail Jacket (M / Navy)” to your cart." in response.text
    assert "<html" not in response.text


def test_adding_more_than_is_left_adds_what_is_left_and_says_so(client, jacket):
    response = add(client, jacket, 9, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert "Only 5 more of “Trail Jacket (M / Navy)” could be added" in response.text
    assert lines(client) == {"JKT-M": 5}


def test_adding_a_sold_out_variant_changes_nothing_and_names_it(client, jacket):
    jacket.reserved = 5
    jacket.save()
    response = add(client, jacket, 1, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert "“Trail Jacket (M / Navy)” is sold out." in response.text
    assert "HX-Trigger" not in response
    assert lines(client) == {}


def test_adding_an_unknown_sku_asks_for_a_choice(client, jacket):
    response = client.post(reverse("shop:cart-add"), {"variant": "NOPE", "quantity": 1},
                           HTTP_HX_TARGET="cart-notice", **HTMX)
    assert "Choose a size and colour" in response.text
    assert not Cart.objects.exists()


def test_a_quantity_change_is_cut_to_the_stock_with_a_message_naming_the_line(client, jacket):
    add(client, jacket, 2)
    line = CartLine.objects.get()
    response = client.post(reverse("shop:cart-line-update", args=[line.pk]), {"quantity": 8},
                           HTTP_HX_TARGET="cart-lines", **HTMX)
    assert "Only 5 of “Trail Jacket (M / Navy)” left, so your quantity is now 5." in response.text
    assert json.loads(response["HX-Trigger"]) == {"cart-changed": {"count": 5}}
    assert lines(client) == {"JKT-M": 5}


def test_a_quantity_of_zero_removes_the_line(client, jacket):
    add(client, jacket, 2)
    line = CartLine.objects.get()
    client.post(reverse("shop:cart-line-update", args=[line.pk]), {"quantity": 0})
    assert lines(client) == {}


def test_a_bad_quantity_is_explained_and_changes_nothing(client, jacket):
    add(client, jacket, 2)
    line = CartLine.objects.get()
    response = client.post(reverse("shop:cart-line-update", args=[line.pk]), {"quantity": "lots"},
                           HTTP_HX_TARGET="cart-lines", **HTMX)
    assert response.status_code == 200
    assert "Enter a whole number." in response.text
    assert lines(client) == {"JKT-M": 2}


def test_removing_a_line(client, jacket):
    add(client, jacket, 2)
    line = CartLine.objects.get()
    response = client.post(reverse("shop:cart-line-remove", args=[line.pk]), follow=True)
    assert "Removed “Trail Jacket (M / Navy)” from your cart." in response.text
    assert lines(client) == {}
    assert response.context["cart_count"] == 0


def test_another_carts_line_cannot_be_touched(client, jacket):
    other = Cart.objects.create()
    line = CartLine.objects.create(cart=other, variant=jacket, quantity=1)
    add(client, jacket, 1)
    response = client.post(reverse("shop:cart-line-remove", args=[line.pk]), follow=True)
    assert "That item is no longer in your cart." in response.text
    assert CartLine.objects.filter(pk=line.pk).exists()


def test_the_summary_fragment_shows_the_new_totals(client, jacket):
    add(client, jacket, 3)
    response = client.get(reverse("shop:cart"), HTTP_HX_TARGET="cart-summary", **HTMX)
    assert 'id="cart-summary"' in response.text and "<html" not in response.text
    assert "$148.50" in response.text


def test_the_cart_page_flags_a_line_that_stock_no_longer_covers(client, jacket):
    add(client, jacket, 4)
    jacket.reserved = 3  # someone else is paying for three
    jacket.save()
    response = client.get(reverse("shop:cart"))
    assert "Only 2 left; please lower the quantity." in response.text
    assert not response.context["cart"].can_check_out


def test_the_badge_shows_the_units_in_the_cart(client, jacket):
    add(client, jacket, 3)
    response = client.get(reverse("shop:home"))
    assert '<span id="cart-count" class="cart-count" aria-label="3 items">3</span>' in response.text


def test_the_cart_page_needs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    """Session, lines (with products and first image, read by the session's cart id without
    fetching the cart) and shipping methods: 3, whatever the number of lines."""
    for _ in range(12):
        variant = VariantFactory(on_hand=5)
        ProductImageFactory(product=variant.product)
        add(client, variant, 1)
    with django_assert_max_num_queries(3):
        response = client.get(reverse("shop:cart"))
    assert len(response.context["cart"].rows) == 12


def test_a_session_naming_a_cart_that_is_now_a_customers_shows_an_empty_cart(client, jacket):
    add(client, jacket, 1)
    Cart.objects.filter(pk=client.session["cart_id"]).update(
        user=accounts.make_account("grace@example.com")
    )
    response = client.get(reverse("shop:cart"))
    assert response.context["cart"].rows == []
    assert "Your cart is empty." in response.text


def test_a_signed_in_customers_cart_page_needs_a_fixed_number_of_queries(
    client, jacket, django_assert_max_num_queries
):
    """Session, user, lines (by the customer's cart) and shipping methods: 4."""
    client.force_login(accounts.make_account("grace@example.com"))
    add(client, jacket, 2)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("shop:cart"))
    assert [(row.sku, row.quantity) for row in response.context["cart"].rows] == [("JKT-M", 2)]


# --- merging at sign-in -----------------------------------------------------------------------

def sign_in(client, user):
    response = accounts.sign_in(client, user.email)
    assert response.status_code == 302, response.text


@pytest.fixture
def customer():
    return accounts.make_account("grace@example.com")


def test_signing_in_merges_the_anonymous_cart_into_the_customers(client, jacket, customer):
    scarf = VariantFactory(sku="SCARF", on_hand=9)
    own = Cart.objects.create(user=customer)
    CartLine.objects.create(cart=own, variant=jacket, quantity=1)
    add(client, jacket, 2)
    add(client, scarf, 1)
    sign_in(client, customer)
    assert {line.variant.sku: line.quantity for line in own.lines.all()} == {"JKT-M": 3, "SCARF": 1}
    assert Cart.objects.count() == 1
    assert client.session["cart_count"] == 4
    assert client.session["cart_id"] == own.pk


def test_merging_cuts_a_line_to_the_stock_and_says_so(client, jacket, customer):
    own = Cart.objects.create(user=customer)
    CartLine.objects.create(cart=own, variant=jacket, quantity=4)
    add(client, jacket, 3)
    sign_in(client, customer)
    assert own.lines.get().quantity == 5
    response = client.get(reverse("shop:cart"))
    assert "Only 5 of “Trail Jacket (M / Navy)” could stay in your cart." in response.text


def test_a_customer_without_a_cart_takes_over_the_anonymous_one(client, jacket, customer):
    add(client, jacket, 2)
    sign_in(client, customer)
    assert {line.variant.sku: line.quantity for line in customer.cart.lines.all()} == {"JKT-M": 2}


def test_a_huge_quantity_is_cut_to_what_one_cart_may_hold(client):
    plenty = VariantFactory(on_hand=500, product__name="Tent Peg", size="", color="")
    response = add(client, plenty, 150, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert "Only 99 more of “Tent Peg” could be added" in response.text
    assert lines(client) == {plenty.sku: 99}


def test_a_product_taken_off_sale_is_named_when_added(client, jacket):
    jacket.product.is_active = False
    jacket.product.save()
    response = add(client, jacket, 1, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert "“Trail Jacket (M / Navy)” is no longer sold" in response.text
    assert lines(client) == {}
