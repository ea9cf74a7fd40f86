"""Checkout: details, review, placing the order, and what can go wrong on the way."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.models import Address, Cart, CartLine, Order, ShippingMethod
from tests.factories import UserFactory, VariantFactory
from tests.shop.buying import ADDRESS, checkout_details, pay, place, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def jacket():
    return VariantFactory(sku="JKT-M", size="M", color="Navy", price=Decimal("30.00"), on_hand=5,
                          product__name="Trail Jacket")


def fill_cart(client, *lines):
    for variant, quantity in lines:
        client.post(reverse("shop:cart-add"), {"variant": variant.sku, "quantity": quantity})


def check_out(client, method):
    """Give the checkout's details, then place the order from the review step; the review
    step's answer."""
    client.post(reverse("shop:checkout"), checkout_details(method))
    return client.post(reverse("shop:checkout-review"))


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client):
    response = client.get(reverse("shop:checkout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert "Your cart is empty" in response.text


def test_a_guest_gives_details_then_reviews_the_totals(client, settings, jacket, standard):
    settings.STORE_TAX_RATE = Decimal("0.08")
    fill_cart(client, (jacket, 2))
    response = client.post(reverse("shop:checkout"), checkout_details(standard))
    assert response["Location"] == reverse("shop:checkout-review")
    review = client.get(reverse("shop:checkout-review"))
    totals = review.context["totals"]
    assert (totals.subtotal, totals.shipping, totals.tax, totals.total) == (
        Decimal("60.00"), Decimal("5.00"), Decimal("5.20"), Decimal("70.20")
    )
    assert "Place order and pay $70.20" in review.text


def test_shipping_is_free_from_the_threshold(client, jacket, standard):
    fill_cart(client, (jacket, 3))  # $90.00
    client.post(reverse("shop:checkout"), checkout_details(standard))
    review = client.get(reverse("shop:checkout-review"))
    assert review.context["totals"].shipping == Decimal("0.00")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postal_code", "ABC", "Enter a ZIP code such as 94107 or 94107-1234."),
        ("country", "JP", "We do not ship to that country yet."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("line1", "", "This field is required."),
    ],
)
def test_a_bad_address_re_renders_with_its_message(client, jacket, standard, field, value,
                                                   message):
    fill_cart(client, (jacket, 1))
    response = client.post(reverse("shop:checkout"), checkout_details(standard, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.text
    assert "checkout" not in client.session


def test_postal_codes_are_tidied_to_their_countrys_format(client, jacket, standard):
    fill_cart(client, (jacket, 1))
    client.post(reverse("shop:checkout"),
                checkout_details(standard, country="GB", postal_code="sw1a  1aa"))
    assert client.session["checkout"]["address"]["postal_code"] == "SW1A 1AA"


def test_placing_the_order_reserves_stock_keeps_the_cart_and_goes_to_payment(
    client, jacket, express
):
    fill_cart(client, (jacket, 2))
    client.post(reverse("shop:checkout"), checkout_details(express))
    response = client.post(reverse("shop:checkout-review"))
    order = Order.objects.get()
    assert response["Location"] == reverse("payments:start", args=[order.number])
    assert order.email == "ada@example.com" and order.user is None
    assert order.shipping_method_name == "Express" and order.shipping_total == Decimal("15.00")
    assert order.full_name == "Ada Lovelace" and order.postal_code == "62701"
    jacket.refresh_from_db()
    assert (jacket.on_hand, jacket.reserved) == (5, 2)
    # The cart keeps its lines until the order is paid.
    line = CartLine.objects.get()
    assert (line.variant, line.quantity, line.cart_id) == (jacket, 2, order.cart_id)
    assert client.session["cart_count"] == 2


def test_paying_the_order_takes_what_it_bought_out_of_the_cart(client, jacket, standard):
    belt = VariantFactory(on_hand=5)
    fill_cart(client, (jacket, 2))
    check_out(client, standard)
    order = Order.objects.get()
    fill_cart(client, (belt, 1), (jacket, 1))  # added while the order waits for payment
    pay(order)
    assert list(CartLine.objects.values_list("variant", "quantity")) == [(jacket.pk, 1),
                                                                         (belt.pk, 1)]


def test_a_paid_order_empties_its_cart_and_the_header_counts_it(client, jacket, standard):
    fill_cart(client, (jacket, 2))
    check_out(client, standard)
    order = Order.objects.get()
    client.post(reverse("payments:test-checkout", args=[order.number]), {"decision": "approve"})
    assert not CartLine.objects.exists()
    assert client.session["cart_count"] == 0
    assert stock(jacket) == (3, 0)


def test_a_changed_cart_is_not_placed_while_its_unpaid_order_may_still_be_paid(
    client, jacket, standard
):
    fill_cart(client, (jacket, 2))
    check_out(client, standard)
    first = Order.objects.get()
    fill_cart(client, (jacket, 1))  # three now
    response = check_out(client, standard)
    assert response.status_code == 200
    assert (f"Order {first.number}, placed from this cart, is still waiting for payment. Pay "
            "for it or cancel it on its page before placing a new order.") in response.text
    assert list(Order.objects.all()) == [first]
    first.refresh_from_db()
    assert first.status == Order.Status.AWAITING_PAYMENT
    assert stock(jacket) == (5, 2)

    client.post(reverse("shop:order-cancel", args=[first.number]), {"confirm": "yes"})
    response = client.post(reverse("shop:checkout-review"))
    second = Order.objects.exclude(pk=first.pk).get()
    assert response["Location"] == reverse("payments:start", args=[second.number])
    assert second.lines.get().quantity == 3
    assert stock(jacket) == (5, 3)  # held once, by the new order


def test_an_unpaid_order_past_its_deadline_is_expired_when_its_cart_is_placed_again(
    client, jacket, standard
):
    fill_cart(client, (jacket, 2))
    check_out(client, standard)
    first = Order.objects.get()
    Order.objects.filter(pk=first.pk).update(pay_by=first.created_at)
    fill_cart(client, (jacket, 1))
    check_out(client, standard)
    first.refresh_from_db()
    assert first.status == Order.Status.EXPIRED
    assert Order.objects.exclude(pk=first.pk).get().lines.get().quantity == 3
    assert stock(jacket) == (5, 3)


def test_the_units_an_unpaid_order_holds_are_still_the_carts_to_check_out(
    client, jacket, standard
):
    fill_cart(client, (jacket, 5))  # every one there is
    check_out(client, standard)
    assert stock(jacket) == (5, 5)
    page = client.get(reverse("shop:cart"))
    assert "Sold out" not in page.text and "left" not in page.text
    assert client.get(reverse("shop:checkout")).status_code == 200


def test_stock_gone_before_placing_is_named_and_nothing_is_placed(client, jacket, standard):
    fill_cart(client, (jacket, 3))
    client.post(reverse("shop:checkout"), checkout_details(standard))
    jacket.reserved = 4  # others bought most of it meanwhile
    jacket.save()
    response = client.post(reverse("shop:checkout-review"))
    assert response.status_code == 200
    assert "Only 1 of “Trail Jacket (M / Navy)” left, and you asked for 3" in response.text
    assert not Order.objects.exists()
    assert CartLine.objects.get().quantity == 3


def test_a_shipping_method_withdrawn_meanwhile_is_explained(client, jacket, standard):
    fill_cart(client, (jacket, 1))
    client.post(reverse("shop:checkout"), checkout_details(standard))
    ShippingMethod.objects.filter(pk=standard.pk).update(is_active=False)
    response = client.post(reverse("shop:checkout-review"))
    assert "That shipping method is no longer offered" in response.text
    assert not Order.objects.exists()


def test_the_review_step_without_details_goes_back_to_checkout(client, jacket):
    fill_cart(client, (jacket, 1))
    response = client.get(reverse("shop:checkout-review"))
    assert response["Location"] == reverse("shop:checkout")


def test_without_a_payment_provider_checkout_says_so(client, settings, jacket, standard):
    settings.PAYMENT_PROVIDERS = []
    fill_cart(client, (jacket, 1))
    response = client.get(reverse("shop:checkout"))
    assert "Online payment is not available at the moment." in response.text
    response = client.post(reverse("shop:checkout"), checkout_details(standard))
    assert response.status_code == 200
    assert "payment_provider" in response.context["form"].errors
    assert "Online payment is not available at the moment." in response.text
    assert "checkout" not in client.session


def test_a_shipping_method_no_longer_offered_is_refused(client, jacket, standard, express):
    fill_cart(client, (jacket, 1))
    ShippingMethod.objects.filter(pk=express.pk).update(is_active=False)
    page = client.get(reverse("shop:checkout"))
    assert f'value="{express.pk}"' not in page.text and f'value="{standard.pk}"' in page.text
    response = client.post(reverse("shop:checkout"), checkout_details(express))
    assert response.status_code == 200
    assert response.context["form"].errors["shipping_method"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert "checkout" not in client.session


def test_the_chosen_shipping_method_is_kept_for_the_review(client, jacket, express):
    fill_cart(client, (jacket, 1))
    client.post(reverse("shop:checkout"), checkout_details(express))
    assert client.session["checkout"]["shipping_method_id"] == express.pk
    page = client.get(reverse("shop:checkout"))  # back to the details: still chosen
    assert (f'<input type="radio" name="shipping_method" value="{express.pk}" '
            f'id="id_shipping_method_1" required checked>') in page.text


def test_a_blank_form_labels_every_field_without_error_marks(client, jacket):
    fill_cart(client, (jacket, 1))
    text = client.get(reverse("shop:checkout")).text
    assert '<label for="id_email">Email:</label>' in text
    assert ('<input type="email" name="email" maxlength="320" autocomplete="email" required '
            'aria-describedby="id_email_helptext" id="id_email">') in text
    assert '<label for="id_line2">Apartment, suite, etc.</label>' in text
    assert ('<input type="text" name="postal_code" maxlength="20" '
            'autocomplete="shipping postal-code" required id="id_postal_code">') in text
    assert '<option value="US" selected>United States</option>' in text
    assert "aria-invalid" not in text and "errorlist" not in text


def test_field_errors_are_tied_to_their_inputs(client, jacket, standard):
    fill_cart(client, (jacket, 1))
    response = client.post(reverse("shop:checkout"),
                           checkout_details(standard, email="nope", postal_code="ABC", phone=""))
    text = response.text
    assert ('<ul class="errorlist" id="id_email_error"><li>Enter a valid email address.</li>'
            '</ul>') in text
    assert ('value="nope" maxlength="320" autocomplete="email" required aria-invalid="true" '
            'aria-describedby="id_email_helptext id_email_error" id="id_email">') in text
    assert ('<ul class="errorlist" id="id_postal_code_error"><li>Enter a ZIP code such as 94107 '
            'or 94107-1234.</li></ul>') in text
    assert ('value="ABC" maxlength="20" autocomplete="shipping postal-code" required '
            'aria-invalid="true" aria-describedby="id_postal_code_error" id="id_postal_code">'
            ) in text
    assert text.count('aria-invalid="true"') == 2  # the valid fields are not marked


def test_missing_choices_are_marked_on_every_option(client, jacket):
    fill_cart(client, (jacket, 1))
    text = client.post(reverse("shop:checkout"), {}).text
    assert ('<ul class="errorlist" id="id_shipping_method_error"><li>Choose how it should be '
            'shipped.</li></ul>') in text
    assert 'id="id_shipping_method_0" required aria-invalid="true">' in text
    assert ('<select name="country" autocomplete="shipping country" aria-invalid="true" '
            'aria-describedby="id_country_error" id="id_country">') in text


def test_the_checkout_page_needs_a_fixed_number_of_queries(
    client, jacket, django_assert_max_num_queries
):
    """Lines (with products, by the session's cart id), the offers in force and shipping
    methods: 3 (the session comes from the cache). The form offers the shipping methods the
    cart read; it does not query them again."""
    fill_cart(client, (jacket, 1), (VariantFactory(on_hand=5), 2))
    with django_assert_max_num_queries(3) as captured:
        response = client.get(reverse("shop:checkout"))
    assert len(captured.captured_queries) == 3
    assert response.status_code == 200


# --- signed in: saved addresses ------------------------------------------------------------

@pytest.fixture
def customer(client):
    user = UserFactory(email="grace@example.com")
    client.force_login(user)
    return user


def test_a_customer_can_ship_to_a_saved_address(client, customer, jacket, standard):
    home = Address.objects.create(user=customer, is_default=True,
                                  **{**ADDRESS, "city": "Arlington"})
    fill_cart(client, (jacket, 1))
    page = client.get(reverse("shop:checkout"))
    assert "Arlington" in page.text and "email" not in page.context["form"].fields
    client.post(reverse("shop:checkout"), {"saved_address": home.pk,
                                          "shipping_method": standard.pk,
                                          "payment_provider": "test"})
    client.post(reverse("shop:checkout-review"))
    order = Order.objects.get()
    assert order.user == customer and order.email == "grace@example.com"
    assert order.city == "Arlington"


def test_a_new_address_can_be_saved_to_the_address_book(client, customer, jacket, standard):
    fill_cart(client, (jacket, 1))
    data = checkout_details(standard, save_address="on")
    del data["email"]
    client.post(reverse("shop:checkout"), data)
    client.post(reverse("shop:checkout-review"))
    saved = Address.objects.get(user=customer)
    assert saved.line1 == ADDRESS["line1"] and saved.is_default


def test_another_customers_address_cannot_be_chosen(client, customer, jacket, standard):
    theirs = Address.objects.create(user=UserFactory(), **ADDRESS)
    fill_cart(client, (jacket, 1))
    response = client.post(reverse("shop:checkout"), {"saved_address": theirs.pk,
                                                      "shipping_method": standard.pk,
                                                      "payment_provider": "test"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text


@pytest.mark.parametrize("lines", [1, 10])
def test_placing_an_order_needs_a_fixed_number_of_queries(
    client, customer, standard, django_assert_max_num_queries, lines
):
    """20, whatever the number of lines: session, user and cart (3); in the transaction the
    locked cart with its code (none here), its unpaid orders (none here), its lines, the
    shipping method, the offers in force, the locked variants, one UPDATE of stock, the
    order (in a savepoint of its own), its lines in one INSERT and the event (13 with the
    transaction's own); saving the session (3 under test,
    in a savepoint). The cart keeps its lines until the order is paid. The risk score adds
    four: the orders from the same sources (the day's, and the month's customers sharing the
    address or card), whether the customer paid before, the store's usual order (then kept
    an hour in the cache) and the risk row's INSERT. The dashboard asks whether its rollups
    were built, to count the order on its day's risk rows (then the cache knows)."""
    for _ in range(lines):
        fill_cart(client, (VariantFactory(on_hand=5), 1))
    data = checkout_details(standard)
    del data["email"]
    client.post(reverse("shop:checkout"), data)
    # One more than before sellers: the shipments, one row per seller, in one insert.
    with django_assert_max_num_queries(26):
        response = client.post(reverse("shop:checkout-review"))
    assert response.status_code == 302
    assert Order.objects.get().lines.count() == lines
    assert Cart.objects.get(user=customer).lines.count() == lines


def test_the_offers_are_read_before_the_stock_rows_are_locked(client, jacket, standard):
    """The stock rows stay locked from their read to the commit, and every order for the
    same variants waits for them: the offers in force, which do not need them, are read
    before."""
    fill_cart(client, (jacket, 1))
    client.post(reverse("shop:checkout"), checkout_details(standard))
    with CaptureQueriesContext(connection) as captured:
        client.post(reverse("shop:checkout-review"))
    statements = [query["sql"] for query in captured.captured_queries]
    offers = next(i for i, sql in enumerate(statements) if "promotion.automatic" in sql)
    locked = next(i for i, sql in enumerate(statements)
                  if sql.startswith('SELECT "shop_variant"."id"') and "shop_product" in sql)
    assert statements[locked + 1].startswith('UPDATE "shop_variant" SET "reserved"')
    assert offers < locked
    assert Order.objects.get().lines.get().variant == jacket


def test_the_review_shows_exactly_what_the_order_charges(client, settings, standard):
    """Tax is rounded per line on both: three lines at 10.06 are taxed 0.80 each and the
    shipping 0.40, 2.80 in all (rounding the whole once would give 2.81)."""
    settings.STORE_TAX_RATE = Decimal("0.08")
    for _ in range(3):
        fill_cart(client, (VariantFactory(on_hand=5, price=Decimal("10.06")), 1))
    client.post(reverse("shop:checkout"), checkout_details(standard))
    shown = client.get(reverse("shop:checkout-review")).context["totals"]
    client.post(reverse("shop:checkout-review"))
    order = Order.objects.get()
    assert (shown.tax, shown.total) == (order.tax_total, order.total) == (
        Decimal("2.80"), Decimal("37.98")
    )


def test_submitting_the_same_cart_twice_places_one_order(client, jacket, standard):
    fill_cart(client, (jacket, 2))
    client.post(reverse("shop:checkout"), checkout_details(standard))
    first = client.post(reverse("shop:checkout-review"))
    second = client.post(reverse("shop:checkout-review"))
    order = Order.objects.get()
    assert first["Location"] == second["Location"] == reverse("payments:start",
                                                              args=[order.number])
    jacket.refresh_from_db()
    assert jacket.reserved == 2


def test_a_price_changed_since_the_unpaid_order_is_not_passed_off_as_the_same(
    client, jacket, standard
):
    fill_cart(client, (jacket, 1))
    first = check_out(client, standard)
    jacket.price = Decimal("35.00")
    jacket.save()
    again = client.post(reverse("shop:checkout-review"))
    order = Order.objects.get()
    assert first["Location"] == reverse("payments:start", args=[order.number])
    assert order.lines.get().unit_price == Decimal("30.00")
    assert f"Order {order.number}, placed from this cart, is still waiting" in again.text


def test_the_review_submitted_again_after_paying_goes_to_the_paid_order(client, jacket, standard):
    fill_cart(client, (jacket, 1))
    check_out(client, standard)
    order = Order.objects.get()
    pay(order)  # the cart is empty now
    again = client.post(reverse("shop:checkout-review"))
    assert again["Location"] == order.get_absolute_url()
    assert Order.objects.count() == 1


def test_the_review_step_writes_the_address_as_the_order_will(client, jacket, standard):
    fill_cart(client, (jacket, 1))
    client.post(reverse("shop:checkout"),
                checkout_details(standard, country="GB", postal_code="SW1A 1AA", region=""))
    review = client.get(reverse("shop:checkout-review"))
    assert "Springfield SW1A 1AA<br>United Kingdom" in review.text


@pytest.mark.parametrize("price", ["10.20", "0.10", "33.33", "71.17"])
def test_totals_whose_sum_is_inexact_in_floating_point_are_accepted(settings, price):
    # 10.20 + 5.00 + 1.22 is not 16.42 in binary floating point, which SQLite sums in: the
    # database's own check on the total must still accept the order.
    settings.STORE_TAX_RATE = Decimal("0.08")
    order = place((VariantFactory(price=Decimal(price), on_hand=3), 1))
    assert order.total == order.subtotal + order.shipping_total + order.tax_total
    assert Order.objects.filter(pk=order.pk).exists()
