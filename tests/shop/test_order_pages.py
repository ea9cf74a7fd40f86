"""The customer's order pages: history, detail with its timeline, guest links, cancelling."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.access import order_key
from shop.models import Order
from shop.services import orders
from tests.factories import UserFactory, VariantFactory
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant():
    return VariantFactory(on_hand=10, price=Decimal("30.00"), product__name="Trail Jacket")


@pytest.fixture
def customer(client):
    user = UserFactory(email="grace@example.com")
    client.force_login(user)
    return user


def test_history_lists_only_the_customers_own_orders(client, customer, variant):
    mine = place((variant, 1), email=customer.email, user=customer)
    theirs = place((variant, 1), user=UserFactory())
    response = client.get(reverse("shop:order-list"))
    assert mine.number in response.text and theirs.number not in response.text


def test_history_needs_sign_in(client):
    response = client.get(reverse("shop:order-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_detail_shows_lines_totals_and_the_timeline(client, customer, variant):
    order = place((variant, 2), email=customer.email, user=customer)
    pay(order)
    response = client.get(order.get_absolute_url())
    assert "Trail Jacket" in response.text and "$60.00" in response.text
    assert "Order placed" in response.text and "Payment received" in response.text


def test_staff_notes_stay_off_the_customers_timeline(client, customer, variant):
    order = place((variant, 1), email=customer.email, user=customer)
    orders.mark_paid(order_id=order.pk, amount=Decimal("1.00"), currency="USD", provider="test")
    response = client.get(order.get_absolute_url())
    assert "needs review" not in response.text.lower()


def test_someone_elses_order_is_not_found(client, customer, variant):
    theirs = place((variant, 1), user=UserFactory())
    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_a_guest_order_opens_with_the_key_from_the_email(client, variant):
    order = place((variant, 1))
    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.get(order.get_absolute_url(), {"key": "forged"}).status_code == 404
    response = client.get(order.get_absolute_url(), {"key": order_key(order.number)})
    assert response.status_code == 200
    # The same browser can come back without the key.
    assert client.get(order.get_absolute_url()).status_code == 200


def test_a_guest_key_does_not_open_a_customers_order(client, variant):
    order = place((variant, 1), user=UserFactory())
    response = client.get(order.get_absolute_url(), {"key": order_key(order.number)})
    assert response.status_code == 404


def test_the_customer_can_cancel_an_unpaid_order(client, customer, variant):
    order = place((variant, 3), email=customer.email, user=customer)
    response = client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)
    assert f"Order {order.number} is cancelled." in response.text
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and variant.reserved == 0
    assert order.events.last().actor == customer


def test_a_paid_order_cannot_be_cancelled_by_the_customer(client, customer, variant):
    order = place((variant, 1), email=customer.email, user=customer)
    pay(order)
    response = client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)
    assert "cancelled by refunding it in full" in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_someone_else_cannot_cancel_an_order(client, customer, variant):
    theirs = place((variant, 1), user=UserFactory())
    assert client.post(reverse("shop:order-cancel", args=[theirs.number])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Order.Status.AWAITING_PAYMENT


def test_the_order_page_needs_a_fixed_number_of_queries(client, customer,
                                                        django_assert_max_num_queries):
    """Session, user, the order, its lines and its events: 5, whatever their number."""
    order = place(*[(VariantFactory(on_hand=5), 1) for _ in range(8)], email=customer.email,
                  user=customer)
    with django_assert_max_num_queries(5):
        response = client.get(order.get_absolute_url())
    assert response.status_code == 200
    assert response.text.count('<td class="num">1</td>') == 8  # every line shown


def test_the_address_names_its_country(client, customer, variant):
    order = place((variant, 1), email=customer.email, user=customer)
    response = client.get(order.get_absolute_url())
    assert "United States" in response.text
