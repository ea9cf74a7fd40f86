"""The checkout's form: shipping choices with their prices, and the address's state or
province from a list, checked on the server."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.models import ShippingMethod
from tests.factories import VariantFactory
from tests.shop.buying import checkout_details

pytestmark = pytest.mark.django_db
CHECKOUT = reverse("shop:checkout")


@pytest.fixture
def cart(client):
    VariantFactory(sku="JKT-M", price=Decimal("30.00"), on_hand=5)
    client.post(reverse("shop:cart-add"), {"variant": "JKT-M", "quantity": 1})


def choice(method, *, checked: bool, index: int) -> str:
    mark = " checked" if checked else ""
    return (f'<input type="radio" name="shipping_method" value="{method.pk}" '
            f'id="id_shipping_method_{index}" required{mark}> '
            f'<label for="id_shipping_method_{index}">')


def test_each_shipping_choice_shows_its_price_from_its_row(client, cart, standard, express):
    standard.description = "3–5 working days"
    standard.save()
    page = client.get(CHECKOUT).text
    assert (f'{choice(standard, checked=True, index=0)}Standard: $5.00, 3–5 working days; free '
            'from $75.00</label>') in page
    assert f"{choice(express, checked=False, index=1)}Express: $15.00" in page


def test_the_cheapest_choice_is_chosen_to_start_with_wherever_it_is_listed(
    client, cart, standard, express
):
    ShippingMethod.objects.filter(pk=express.pk).update(position=0, price=Decimal("15.00"))
    ShippingMethod.objects.filter(pk=standard.pk).update(position=1)
    ShippingMethod.objects.create(name="Pick-up", price=Decimal("0.00"), position=2)
    page = client.get(CHECKOUT).text
    assert choice(express, checked=False, index=0) in page
    assert choice(standard, checked=False, index=1) in page
    pick_up = ShippingMethod.objects.get(name="Pick-up")
    assert f"{choice(pick_up, checked=True, index=2)}Pick-up: free</label>" in page


def test_a_price_changed_by_staff_shows_at_once(client, cart, express):
    ShippingMethod.objects.filter(pk=express.pk).update(price=Decimal("12.40"))
    assert "Express: $12.40" in client.get(CHECKOUT).text


def test_the_preselected_choice_is_the_cheapest_for_this_cart(client, standard):
    VariantFactory(sku="TENT", price=Decimal("100.00"), on_hand=5)  # Standard is free from 75
    client.post(reverse("shop:cart-add"), {"variant": "TENT", "quantity": 1})
    economy = ShippingMethod.objects.create(name="Economy", price=Decimal("3.00"), position=9)
    page = client.get(CHECKOUT).text
    assert choice(standard, checked=True, index=0) in page
    assert f'value="{economy.pk}" id="id_shipping_method_2" required>' in page  # not checked


# --- the state from a list ------------------------------------------------------------------

def test_a_us_address_at_checkout_chooses_its_state_from_a_list(client, cart):
    page = client.get(CHECKOUT).text
    assert ('<select name="region" autocomplete="shipping address-level1" required '
            'id="id_region">') in page
    assert '<option value="IL">Illinois</option>' in page
    assert 'hx-get="/addresses/region/" hx-trigger="change from:#id_country"' in page


@pytest.mark.parametrize(
    ("region", "message"),
    [("Narnia", "That is not a US state: choose one from the list."),
     ("", "Choose the state from the list.")],
)
def test_checkout_refuses_a_state_not_on_the_list(client, cart, standard, region, message):
    response = client.post(CHECKOUT, checkout_details(standard, region=region))
    assert response.status_code == 200
    assert response.context["form"].errors["region"] == [message]
    assert f'<ul class="errorlist" id="id_region_error"><li>{message}</li></ul>' in response.text
    assert "checkout" not in client.session


def test_checkout_keeps_the_chosen_state(client, cart, standard):
    response = client.post(CHECKOUT, checkout_details(standard, region="NY", postal_code="10001"))
    assert response["Location"] == reverse("shop:checkout-review")
    assert client.session["checkout"]["address"]["region"] == "NY"


def test_a_country_without_a_list_needs_no_region(client, cart, standard):
    response = client.post(CHECKOUT, checkout_details(standard, country="GB", region="",
                                                      postal_code="SW1A 1AA"))
    assert response["Location"] == reverse("shop:checkout-review")


def test_back_from_the_review_the_state_is_still_chosen(client, cart, standard):
    client.post(CHECKOUT, checkout_details(standard, region="NY", postal_code="10001"))
    assert '<option value="NY" selected>New York</option>' in client.get(CHECKOUT).text
