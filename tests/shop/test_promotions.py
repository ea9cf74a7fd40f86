"""Promotions as shoppers meet them: offers on the cards, pages and cart lines, a code entered
and removed in the cart (in place or as a plain form), every refusal saying why, and the
order placed with what the cart showed, its uses counted and given back."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.models import Cart, DiscountCode, Order, OrderDiscount, Promotion
from shop.promotions import codes
from shop.services import orders
from tests.factories import CategoryFactory, ProductFactory, UserFactory, VariantFactory
from tests.shop.buying import checkout_details, pay, place

pytestmark = pytest.mark.django_db
D = Decimal
CART = reverse("shop:cart")
CODE = reverse("shop:cart-code")
REMOVE = reverse("shop:cart-code-remove")
HTMX = {"HX-Request": "true", "HX-Target": "cart-summary"}


@pytest.fixture
def knitwear():
    return CategoryFactory(name="Knitwear", slug="knitwear")


@pytest.fixture
def sweater(knitwear):
    product = ProductFactory(name="Cable Sweater", slug="cable-sweater", category=knitwear)
    return VariantFactory(product=product, sku="SWT-M", price=D("50.00"), on_hand=20)


@pytest.fixture
def socks():
    product = ProductFactory(name="Wool Socks", slug="wool-socks")
    return VariantFactory(product=product, sku="SOCK-1", price=D("8.00"), on_hand=20)


@pytest.fixture
def twenty_off_knitwear(knitwear):
    offer = Promotion.objects.create(name="20% off Knitwear", automatic=True, benefit="percent",
                                     value=D("20"))
    offer.categories.add(knitwear)
    return offer


def a_code(text="WELCOME10", **promotion):
    promotion = {"name": "$10 off", "benefit": "amount", "value": D("10"), **promotion}
    uses = promotion.pop("max_uses", None)
    return DiscountCode.objects.create(promotion=Promotion.objects.create(**promotion),
                                       code=text, max_uses=uses)


def add(client, variant, quantity=1):
    client.post(reverse("shop:cart-add"), {"variant": variant.sku, "quantity": quantity})


def enter(client, text, **headers):
    return client.post(CODE, {"code": text, "page": "cart"}, headers=headers)


# --- where offers show -------------------------------------------------------------------------

def test_a_card_and_a_page_show_the_offer_and_the_price_after_it(
    client, sweater, twenty_off_knitwear
):
    listing = client.get(reverse("shop:product-list"))
    [card] = listing.context["listing"].page
    assert (card.offer.label, card.offer_price) == ("20% off", D("40.00"))
    assert 'class="badge badge--offer" title="20% off Knitwear">20% off</span>' in listing.text
    page = client.get(sweater.product.get_absolute_url())
    assert page.context["offer_price"] == D("40.00")
    assert "20% off" in page.text and "$40.00" in page.text


def test_an_offer_not_started_yet_shows_nowhere(client, sweater, twenty_off_knitwear):
    twenty_off_knitwear.starts_at = timezone.now() + timedelta(days=1)
    twenty_off_knitwear.save()
    [card] = client.get(reverse("shop:product-list")).context["listing"].page
    assert card.offer is None


def test_an_offer_saved_shows_on_the_next_shared_page(client, sweater, knitwear):
    client.get(reverse("shop:product-list"))  # the page without it, kept for visitors
    offer = Promotion.objects.create(name="3 for 2", automatic=True, benefit="buy_x_get_y",
                                     buy_quantity=2, free_quantity=1)
    offer.categories.add(knitwear)
    assert "3 for 2" in client.get(reverse("shop:product-list")).text


def later(monkeypatch, hours: int) -> None:
    """The clock moved on `hours`, as the offers read it; nothing saved meanwhile."""
    moved = timezone.now() + timedelta(hours=hours)
    monkeypatch.setattr("shop.promotions.live.timezone.now", lambda: moved)


def test_an_offer_starting_by_the_clock_shows_on_kept_pages(
    client, monkeypatch, sweater, twenty_off_knitwear
):
    twenty_off_knitwear.starts_at = timezone.now() + timedelta(hours=1)
    twenty_off_knitwear.save()
    add(client, sweater, 1)
    listing = reverse("shop:product-list")
    for _ in range(2):  # rendered, then kept
        assert "20% off" not in client.get(listing).text
        assert "20% off" not in client.get(CART).text

    later(monkeypatch, 2)

    assert "20% off" in client.get(listing).text
    assert "20% off" in Client().get(listing).text  # a visitor without a session too
    assert "20% off" in client.get(CART).text
    monkeypatch.undo()  # and back: the clock alone decides which page is served
    assert "20% off" not in client.get(listing).text
    assert "20% off" not in client.get(CART).text


def test_the_cart_shows_each_lines_offer_and_what_would_unlock_more(
    client, sweater, socks, knitwear
):
    three_for_two = Promotion.objects.create(
        name="3 for 2", automatic=True, benefit="buy_x_get_y", buy_quantity=2, free_quantity=1)
    three_for_two.categories.add(knitwear)
    Promotion.objects.create(name="$10 off orders over $150", automatic=True,
                             benefit="amount", value=D("10"), min_subtotal=D("150"))
    add(client, sweater, 2)
    add(client, socks, 1)
    view = client.get(CART).context["cart"]
    assert [row.discount for row in view.rows] == [D("0.00"), D("0.00")]
    assert view.hints == ("3 for 2: add 1 more to get one free.",
                          "$42.00 more for $10 off orders over $150.")
    add(client, sweater, 1)
    response = client.get(CART)
    view = response.context["cart"]
    sweater_row = next(row for row in view.rows if row.sku == "SWT-M")
    assert (sweater_row.discount, sweater_row.paid) == (D("50.00"), D("100.00"))
    assert view.goods == D("108.00")
    assert "3 for 2: −$50.00" in response.text


# --- entering a code -------------------------------------------------------------------------

def test_a_code_entered_in_place_swaps_the_summary_and_tells_the_lines(client, sweater):
    a_code()
    add(client, sweater, 1)
    response = enter(client, " welcome10 ", **HTMX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"code-changed": {}}
    assert 'id="cart-summary"' in response.text
    assert "Code WELCOME10 applied: $10.00 off." in response.text
    view = client.get(CART).context["cart"]
    assert (view.discount, view.goods) == (D("10.00"), D("40.00"))


def test_a_code_entered_without_javascript_goes_back_to_the_cart(client, sweater):
    a_code()
    add(client, sweater, 1)
    response = enter(client, "WELCOME10")
    assert (response.status_code, response["Location"]) == (302, CART)
    page = client.get(CART)
    assert "Code WELCOME10 applied: $10.00 off." in page.text
    assert Cart.objects.get().discount_code.code == "WELCOME10"


def test_a_code_removed_leaves_the_cart_at_full_price(client, sweater):
    a_code()
    add(client, sweater, 1)
    enter(client, "WELCOME10")
    response = client.post(REMOVE, {"page": "cart"}, headers=HTMX)
    assert "Code WELCOME10 removed." in response.text
    assert Cart.objects.get().discount_code is None
    assert client.get(CART).context["cart"].discount == D("0.00")


def refused(client, text, **headers) -> str:
    response = enter(client, text, **HTMX, **headers)
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    return response.context["error"]


@pytest.mark.parametrize(("promotion", "why"), [
    ({"starts_at": timezone.make_aware(timezone.datetime(2099, 5, 1, 9, 0))},
     "this code can be used from 1 May 2099, 09:00."),
    ({"starts_at": timezone.make_aware(timezone.datetime(2020, 1, 1)),
      "ends_at": timezone.make_aware(timezone.datetime(2020, 2, 1, 12, 0))},
     "this code ended on 1 February 2020, 12:00."),
    ({"min_subtotal": D("80.00")},
     "it needs a spend of $80.00: add $30.00 more to use it."),
    ({"is_active": False}, "this code is no longer valid."),
])
def test_each_refusal_says_why_and_changes_nothing(client, sweater, promotion, why):
    a_code(**promotion)
    add(client, sweater, 1)
    assert refused(client, "welcome10") == f"WELCOME10: {why}"
    assert Cart.objects.get().discount_code is None


def test_an_unknown_code_is_refused(client, sweater):
    add(client, sweater, 1)
    assert refused(client, "NOPE") == "NOPE: we do not know this code. Check its spelling."
    assert refused(client, "  ") == "The code: please type the code you were given."


def test_a_code_for_other_items_says_so(client, sweater, socks):
    code = a_code(benefit="percent", value=D("15"))
    code.promotion.products.add(socks.product)
    add(client, sweater, 1)
    assert refused(client, "WELCOME10") == (
        "WELCOME10: it is not for the items in your cart.")


def test_a_code_that_does_not_combine_is_refused_beside_an_offer(
    client, sweater, twenty_off_knitwear
):
    a_code()
    add(client, sweater, 1)
    assert refused(client, "WELCOME10") == (
        "WELCOME10: it cannot be used with the offer in your cart (20% off Knitwear). "
        "Remove it to keep the offer.")
    a_code("STACK5", benefit="amount", value=D("5"), combines=True)
    enter(client, "STACK5")
    assert client.get(CART).context["cart"].discount == D("15.00")


def test_a_code_with_no_uses_left_is_refused(client, sweater):
    code = a_code(max_uses=1)
    place((sweater, 1), cart=Cart.objects.create(discount_code=code))
    add(client, sweater, 1)
    assert refused(client, "WELCOME10") == (
        "WELCOME10: this code has been used as often as it may be; no uses are left.")


def test_a_code_already_used_by_the_customer_is_refused(client, sweater):
    user = UserFactory(email="grace@example.com")
    code = a_code(per_customer_limit=1)
    place((sweater, 1), email="grace@example.com", user=user,
          cart=Cart.objects.create(discount_code=code))
    client.force_login(user)
    add(client, sweater, 1)
    assert refused(client, "WELCOME10") == "WELCOME10: you have already used this code."


def test_a_first_order_code_is_refused_to_a_customer_who_has_paid_before(client, sweater):
    user = UserFactory(email="grace@example.com")
    pay(place((sweater, 1), email="grace@example.com", user=user))
    a_code(first_order_only=True)
    client.force_login(user)
    add(client, sweater, 1)
    assert refused(client, "WELCOME10") == (
        "WELCOME10: this code is for a first order only, and you have ordered before.")


def test_a_code_with_an_empty_cart_is_refused(client):
    a_code()
    response = enter(client, "WELCOME10", **HTMX)
    assert response.status_code == 200
    assert "Your cart is empty" in response.context["error"]


# --- ordering with it ------------------------------------------------------------------------

def test_the_order_charges_what_the_review_showed_line_by_line(
    client, sweater, socks, twenty_off_knitwear, standard, django_capture_on_commit_callbacks
):
    a_code("FREESHIP", name="Free shipping", benefit="free_shipping", combines=True)
    add(client, sweater, 1)
    add(client, socks, 1)
    enter(client, "freeship")
    client.post(reverse("shop:checkout"), checkout_details(standard))
    review = client.get(reverse("shop:checkout-review"))
    totals = review.context["totals"]
    assert (totals.subtotal, totals.discount, totals.shipping_discount) == (
        D("58.00"), D("15.00"), D("5.00"))
    assert "Discount: FREESHIP" in review.text and "Discount on Cable Sweater" in review.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("shop:checkout-review"))
    order = Order.objects.get()
    assert (order.subtotal, order.shipping_total, order.shipping_discount) == (
        D("58.00"), D("5.00"), D("5.00"))
    assert order.discount_total == D("15.00")
    assert order.total == totals.total == D("58.00") - D("15.00") + D("5.00") + order.tax_total
    lines = {line.sku: (line.discount, line.paid) for line in order.lines.all()}
    assert lines == {"SWT-M": (D("10.00"), D("40.00")), "SOCK-1": (D("0.00"), D("8.00"))}
    # Tax on what is paid, line by line; none on the shipping given free.
    assert order.tax_total == (D("40.00") * order.tax_rate).quantize(D("0.01")) + (
        D("8.00") * order.tax_rate).quantize(D("0.01"))
    assert [(row.name, row.code_text, row.amount) for row in order.discounts.all()] == [
        ("20% off Knitwear", "", D("10.00")), ("Free shipping", "FREESHIP", D("5.00")),
    ]
    page = client.get(reverse("shop:order-detail", args=[order.number]))
    assert "Discount: FREESHIP" in page.text and "−$10.00" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    [email] = [m for m in mail.outbox if order.number in m.subject]
    assert ("- 1 × Cable Sweater (M) (SKU SWT-M): $50.00, −$10.00 discount\n"
            "- 1 × Wool Socks (M) (SKU SOCK-1): $8.00\n") in email.body
    assert ("Subtotal: $58.00\nDiscount (20% off Knitwear): −$10.00\n"
            "Discount (FREESHIP): −$5.00\nShipping (Standard): $5.00\n") in email.body
    html = email.alternatives[0].content
    assert "Discount: FREESHIP" in html and "Discount on Cable Sweater" in html


def test_a_code_used_up_before_placing_is_refused_and_nothing_is_placed(
    client, sweater, standard
):
    code = a_code(max_uses=1)
    add(client, sweater, 1)
    enter(client, "WELCOME10")
    client.post(reverse("shop:checkout"), checkout_details(standard))
    place((sweater, 1), cart=Cart.objects.create(discount_code=code))  # another shopper
    review = client.get(reverse("shop:checkout-review"))
    assert "no uses are left" in review.text
    assert 'name="place"' not in review.text and "Place order" not in review.text
    response = client.post(reverse("shop:checkout-review"))
    assert Order.objects.count() == 1
    assert response.status_code in (200, 302)
    sweater.refresh_from_db()
    assert sweater.reserved == 1


@pytest.mark.parametrize("ends", ["cancelled", "expired"])
def test_a_use_comes_back_when_its_order_does_not_go_ahead(sweater, ends):
    code = a_code(max_uses=1)
    order = place((sweater, 1), cart=Cart.objects.create(discount_code=code))
    assert codes.refusal(code) != ""
    if ends == "cancelled":
        orders.cancel_order(order_id=order.pk)
    else:
        Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(minutes=1))
        orders.expire_order(order_id=order.pk)
    assert codes.refusal(code) == ""
    again = place((sweater, 1), cart=Cart.objects.create(discount_code=code))
    assert again.discount_total == D("10.00")
    assert OrderDiscount.objects.filter(code=code).count() == 2


def test_a_code_entered_at_checkout_swaps_the_checkout_summary(client, sweater):
    a_code()
    add(client, sweater, 1)
    response = client.post(CODE, {"code": "WELCOME10", "page": "checkout"},
                           headers={"HX-Request": "true", "HX-Target": "checkout-summary"})
    assert 'id="checkout-summary"' in response.text and 'id="cart-summary"' not in response.text
    assert "Code WELCOME10 applied: $10.00 off." in response.text
    plain = client.post(REMOVE, {"page": "checkout"})
    assert (plain.status_code, plain["Location"]) == (302, reverse("shop:checkout"))
