"""The cart: add, change, remove, stock messages, the badge event, merging at sign-in."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.errors import CartLineGone, OutOfStock
from shop.models import Cart, CartLine
from shop.services import cart as cart_services
from tests import accounts
from tests.factories import ProductImageFactory, VariantFactory
from tests.shop import buying

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


def update(client, line, quantity, **headers):
    return client.post(reverse("shop:cart-line-update", args=[line.pk]), {"quantity": quantity},
                       **headers)


def quantity_box(html: str, line) -> str:
    """The value the line's quantity box shows."""
    match = re.search(rf'id="quantity-{line.pk}" type="number" name="quantity" value="(\w*)"',
                      html)
    assert match, html
    return match[1]


@pytest.mark.parametrize("quantity", ["-1", "1.5", "lots", "", "1e3"])
def test_a_quantity_that_is_not_a_whole_number_changes_nothing_and_says_so(
    client, jacket, quantity
):
    add(client, jacket, 2)
    line = CartLine.objects.get()
    response = update(client, line, quantity, HTTP_HX_TARGET="cart-lines", **HTMX)
    assert response.status_code == 200
    assert ("(0 removes it). “Trail Jacket (M / Navy)” stays at 2.") in response.text
    assert quantity_box(response.text, line) == "2"
    assert "HX-Trigger" not in response  # nothing changed: no badge update
    assert lines(client) == {"JKT-M": 2}


def test_a_refused_quantity_without_javascript_comes_back_on_the_cart_page(client, jacket):
    add(client, jacket, 2)
    line = CartLine.objects.get()
    response = update(client, line, "-1", follow=True)
    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert ("Enter a whole number, such as 2 (0 removes it). “Trail Jacket (M / Navy)” stays at"
            " 2.") in response.text
    assert quantity_box(response.text, line) == "2"
    assert lines(client) == {"JKT-M": 2}


@pytest.fixture
def tent_pegs():
    """Plenty of stock: only the most one cart may hold limits a line."""
    return VariantFactory(on_hand=500, product__name="Tent Peg", size="", color="")


@pytest.mark.parametrize("quantity", ["999", "100", "100000000000000000000000"])
def test_more_than_one_cart_may_hold_is_cut_to_99_and_says_why(client, tent_pegs, quantity):
    add(client, tent_pegs, 1)
    line = CartLine.objects.get()
    response = update(client, line, quantity, HTTP_HX_TARGET="cart-lines", **HTMX)
    assert ("We can sell at most 99 of one item, so your quantity of “Tent Peg” is now 99."
            in response.text)
    assert quantity_box(response.text, line) == "99"
    assert json.loads(response["HX-Trigger"]) == {"cart-changed": {"count": 99}}
    assert lines(client) == {tent_pegs.sku: 99}


def test_more_than_is_left_is_cut_to_what_is_left_even_past_99(client, jacket):
    add(client, jacket, 1)
    line = CartLine.objects.get()
    response = update(client, line, "999", HTTP_HX_TARGET="cart-lines", **HTMX)
    assert "Only 5 of “Trail Jacket (M / Navy)” left, so your quantity is now 5." in response.text
    assert quantity_box(response.text, line) == "5"
    assert lines(client) == {"JKT-M": 5}


def test_a_cut_quantity_without_javascript_shows_on_the_cart_page(client, tent_pegs):
    add(client, tent_pegs, 1)
    line = CartLine.objects.get()
    response = update(client, line, "999", follow=True)
    assert "We can sell at most 99 of one item" in response.text
    assert quantity_box(response.text, line) == "99"
    assert response.context["cart_count"] == 99


def test_the_quantity_boxes_leave_checking_to_the_server(client, jacket):
    """A browser checking min and max itself would drop 999 or 1.5 without a word, under
    htmx as in a plain form; the server answers every number with what it did."""
    add(client, jacket, 1)
    cart = client.get(reverse("shop:cart")).text
    assert re.search(r'<form class="cart-quantity" [^>]*\bnovalidate\b', cart)
    product = client.get(jacket.product.get_absolute_url()).text
    assert re.search(r'<form class="add-to-cart" [^>]*\bnovalidate\b', product)


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
    """Lines (with products and first image, read by the session's cart id without fetching
    the cart), the offers in force and shipping methods: 3, whatever the number of lines (the
    session comes from the cache)."""
    for _ in range(12):
        variant = VariantFactory(on_hand=5)
        ProductImageFactory(product=variant.product)
        add(client, variant, 1)
    with django_assert_max_num_queries(3) as captured:
        response = client.get(reverse("shop:cart"))
    assert len(captured.captured_queries) == 3
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
    client, jacket, django_assert_num_queries
):
    """The cart's id, its lines, the offers in force and shipping methods: 4 (the session
    comes from the cache, and so does the user once a request has read it: security.users).
    Seen again unchanged it is kept (tests/shop/test_own_pages.py)."""
    client.force_login(accounts.make_account("grace@example.com"))
    add(client, jacket, 2)
    with django_assert_num_queries(4):
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


def test_adding_a_huge_quantity_is_cut_to_what_one_cart_may_hold(client, tent_pegs):
    response = add(client, tent_pegs, 150, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert ("We can sell at most 99 of one item: added 99, so you now have 99 of “Tent Peg” in"
            " your cart.") in response.text
    assert json.loads(response["HX-Trigger"]) == {"cart-changed": {"count": 99}}
    assert lines(client) == {tent_pegs.sku: 99}


def test_adding_past_99_adds_up_to_99(client, tent_pegs):
    add(client, tent_pegs, 90)
    response = add(client, tent_pegs, 20, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert "added 9, so you now have 99 of “Tent Peg” in your cart." in response.text
    assert lines(client) == {tent_pegs.sku: 99}


def test_adding_to_a_full_line_changes_nothing_and_says_why(client, tent_pegs):
    add(client, tent_pegs, 99)
    response = add(client, tent_pegs, 1, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert ("We can sell at most 99 of one item, and you already have 99 of “Tent Peg”."
            in response.text)
    assert "HX-Trigger" not in response
    assert lines(client) == {tent_pegs.sku: 99}


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "lots"])
def test_adding_a_quantity_that_is_not_a_whole_number_adds_nothing(client, jacket, quantity):
    response = add(client, jacket, quantity, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert "Enter a whole number of 1 or more, such as 2." in response.text
    assert "HX-Trigger" not in response
    assert lines(client) == {}


def test_adding_a_bad_quantity_without_javascript_goes_back_to_the_product(client, jacket):
    response = add(client, jacket, "-1", follow=True)
    assert response.redirect_chain[-1][0] == jacket.product.get_absolute_url()
    assert "Enter a whole number of 1 or more, such as 2." in response.text
    assert lines(client) == {}


def test_a_product_taken_off_sale_is_named_when_added(client, jacket):
    jacket.product.is_active = False
    jacket.product.save()
    response = add(client, jacket, 1, HTTP_HX_TARGET="cart-notice", **HTMX)
    assert "“Trail Jacket (M / Navy)” is no longer sold" in response.text
    assert lines(client) == {}


def test_units_the_carts_own_unpaid_order_holds_count_as_available(jacket):
    cart = Cart.objects.create()
    line = CartLine.objects.create(cart=cart, variant=jacket, quantity=4)
    buying.place(cart=cart)
    assert buying.stock(jacket) == (5, 4)
    change = cart_services.change_quantity(cart=cart, line_id=line.pk, quantity=5)
    assert change.ok and CartLine.objects.get(pk=line.pk).quantity == 5
    other = Cart.objects.create()  # another cart sees only the unit nobody holds
    change = cart_services.add_to_cart(cart=other, variant=jacket, quantity=2)
    assert not change.ok and CartLine.objects.get(cart=other).quantity == 1


def test_merging_brings_the_anonymous_carts_unpaid_orders_along(jacket, customer):
    anonymous = Cart.objects.create()
    CartLine.objects.create(cart=anonymous, variant=jacket, quantity=5)
    order = buying.place(cart=anonymous)
    own, messages = cart_services.merge_carts(source=anonymous, user=customer)
    order.refresh_from_db()
    assert order.cart_id == own.pk
    assert messages == [] and own.lines.get().quantity == 5  # its own five, held by its order
    buying.pay(order)
    assert not own.lines.exists()


def test_paying_an_order_whose_variants_are_gone_leaves_the_cart_alone(jacket):
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=jacket, quantity=1)
    order = buying.place(cart=cart)
    scarf = VariantFactory(sku="SCARF", on_hand=9)
    CartLine.objects.create(cart=cart, variant=scarf, quantity=2)
    jacket.delete()  # the order keeps its line, without a variant
    buying.pay(order)
    assert list(cart.lines.values_list("variant__sku", "quantity")) == [("SCARF", 2)]


def test_a_change_counts_every_line_and_marks_the_cart_changed(jacket, django_assert_num_queries):
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=VariantFactory(sku="SCARF", on_hand=9), quantity=3)
    CartLine.objects.create(cart=cart, variant=jacket, quantity=1)
    Cart.objects.filter(pk=cart.pk).update(updated_at=cart.created_at)
    # Its savepoint, the cart locked and touched, its lines, what its unpaid orders hold,
    # the line's new quantity, the savepoint released.
    with django_assert_num_queries(6):
        change = cart_services.add_to_cart(cart=cart, variant=jacket, quantity=2)
    assert (change.ok, change.count) == (True, 6)
    assert CartLine.objects.get(cart=cart, variant=jacket).quantity == 3
    assert Cart.objects.get(pk=cart.pk).updated_at > cart.created_at


def test_a_refused_change_leaves_the_cart_as_it_was(jacket):
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=jacket, quantity=5)
    Cart.objects.filter(pk=cart.pk).update(updated_at=cart.created_at)
    with pytest.raises(OutOfStock):
        cart_services.add_to_cart(cart=cart, variant=jacket, quantity=1)
    assert Cart.objects.get(pk=cart.pk).updated_at == cart.created_at
    assert CartLine.objects.get(cart=cart).quantity == 5


def paid_meanwhile(monkeypatch, cart, variant, taken):
    """The cart's order is paid just after an add reads the cart's lines: `taken` units of
    `variant` leave the cart (take_paid_units, which does not wait for the cart's lock)."""
    read = cart_services._units_by_variant

    def read_then_paid(cart):
        units = read(cart)
        cart_services.take_paid_units(cart_id=cart.pk, bought={variant.pk: taken})
        return units

    monkeypatch.setattr(cart_services, "_units_by_variant", read_then_paid)


def test_an_add_goes_to_what_a_payment_left_of_the_line_meanwhile(jacket, monkeypatch):
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=jacket, quantity=2)
    paid_meanwhile(monkeypatch, cart, jacket, taken=1)

    assert cart_services.add_to_cart(cart=cart, variant=jacket, quantity=1).ok
    assert CartLine.objects.get(cart=cart, variant=jacket).quantity == 2


def test_an_add_to_a_line_a_payment_took_meanwhile_makes_it_again(jacket, monkeypatch):
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=VariantFactory(sku="SCARF", on_hand=9), quantity=3)
    CartLine.objects.create(cart=cart, variant=jacket, quantity=2)
    paid_meanwhile(monkeypatch, cart, jacket, taken=2)

    change = cart_services.add_to_cart(cart=cart, variant=jacket, quantity=1)

    assert CartLine.objects.get(cart=cart, variant=jacket).quantity == 1
    assert (change.ok, change.count) == (True, 4)


def test_a_quantity_change_to_a_line_a_payment_took_meanwhile_says_it_is_gone(jacket, monkeypatch):
    cart = Cart.objects.create()
    line = CartLine.objects.create(cart=cart, variant=jacket, quantity=2)
    read = cart_services._line

    def read_then_paid(cart, line_id):
        found = read(cart, line_id)
        cart_services.take_paid_units(cart_id=cart.pk, bought={jacket.pk: 2})
        return found

    monkeypatch.setattr(cart_services, "_line", read_then_paid)
    # Refused with the message the cart's page shows for a line gone, not a server error.
    with pytest.raises(CartLineGone):
        cart_services.change_quantity(cart=cart, line_id=line.pk, quantity=3)
