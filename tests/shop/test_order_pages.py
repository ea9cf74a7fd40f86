"""The customer's order pages: history, detail with its timeline, guest links, cancelling."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.access import order_key
from shop.models import Order
from shop.services import orders
from tests.factories import UserFactory, VariantFactory
from tests.shop.buying import pay, place, stock

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


def test_cancelling_asks_to_confirm_first(client, customer, variant):
    order = place((variant, 3), email=customer.email, user=customer)
    page = client.get(order.get_absolute_url())
    cancel_url = reverse("shop:order-cancel", args=[order.number])
    assert f'<a class="button" href="{cancel_url}">Cancel order</a>' in page.text
    asked = client.get(cancel_url)
    assert asked.status_code == 200
    assert f"Cancel order {order.number}?" in asked.text
    assert '<input type="hidden" name="confirm" value="yes">' in asked.text
    assert f'<a class="button" href="{order.get_absolute_url()}">No, keep it</a>' in asked.text
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and stock(variant) == (10, 3)


def test_a_cancel_posted_without_its_confirmation_only_asks(client, customer, variant):
    order = place((variant, 3), email=customer.email, user=customer)
    response = client.post(reverse("shop:order-cancel", args=[order.number]))
    assert response.status_code == 200
    assert f"Cancel order {order.number}?" in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and stock(variant) == (10, 3)


def test_the_customer_can_cancel_an_unpaid_order(client, customer, variant):
    order = place((variant, 3), email=customer.email, user=customer)
    response = client.post(reverse("shop:order-cancel", args=[order.number]),
                           {"confirm": "yes"}, follow=True)
    assert f"Order {order.number} is cancelled." in response.text
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and variant.reserved == 0
    assert order.events.last().actor == customer


def test_a_paid_order_cannot_be_cancelled_by_the_customer(client, customer, variant):
    order = place((variant, 1), email=customer.email, user=customer)
    pay(order)
    assert client.get(reverse("shop:order-cancel", args=[order.number])).status_code == 302
    response = client.post(reverse("shop:order-cancel", args=[order.number]),
                           {"confirm": "yes"}, follow=True)
    assert "cancelled by refunding it in full" in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_someone_else_cannot_cancel_an_order(client, customer, variant):
    theirs = place((variant, 1), user=UserFactory())
    url = reverse("shop:order-cancel", args=[theirs.number])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Order.Status.AWAITING_PAYMENT


def test_after_a_failed_payment_the_page_offers_to_try_again_or_pay_another_way(
    client, customer, variant, settings
):
    settings.PAYMENT_PROVIDERS = ["stripe", "paypal", "test"]
    order = place((variant, 1), email=customer.email, user=customer)
    orders.record_failed_payment(order_id=order.pk, provider="test",
                                 reason="The test card was declined.")
    response = client.get(order.get_absolute_url())
    assert "<strong>Your payment was declined.</strong> The test card was declined." in (
        response.text)
    start = reverse("payments:start", args=[order.number])
    assert f'<form method="post" action="{start}" class="button-row">' in response.text
    buttons = [
        '<button type="submit" name="provider" value="test" class="button button--primary">'
        "Try again</button>",
        '<button type="submit" name="provider" value="stripe" class="button">'
        "Pay with Card (Stripe)</button>",
        '<button type="submit" name="provider" value="paypal" class="button">'
        "Pay with PayPal</button>",
    ]
    positions = [response.text.index(button) for button in buttons]
    assert positions == sorted(positions)  # trying again comes first
    assert "Cancel order" in response.text


def test_past_its_deadline_an_unpaid_order_offers_no_payment(client, customer, variant):
    order = place((variant, 1), email=customer.email, user=customer)
    Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(minutes=1))
    response = client.get(order.get_absolute_url())
    assert "The time to pay for this order has run out" in response.text
    assert reverse("payments:start", args=[order.number]) not in response.text


def test_the_order_page_needs_a_fixed_number_of_queries(client, customer,
                                                        django_assert_max_num_queries):
    """Session, user, the order, its lines and its events: 5, whatever their number."""
    order = place(*[(VariantFactory(on_hand=5), 1) for _ in range(8)], email=customer.email,
                  user=customer)
    with django_assert_max_num_queries(5):
        response = client.get(order.get_absolute_url())
    assert response.status_code == 200
    assert response.text.count('<td class="num">1</td>') == 8  # every line shown
    with django_assert_max_num_queries(5):
        asked = client.get(reverse("shop:order-cancel", args=[order.number]))
    assert f"Cancel order {order.number}?" in asked.text


def test_the_address_names_its_country(client, customer, variant):
    order = place((variant, 1), email=customer.email, user=customer)
    response = client.get(order.get_absolute_url())
    assert "United States" in response.text
