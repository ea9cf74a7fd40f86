"""The test payment provider: approve or decline on a local page, through the same path
a provider's webhook takes."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from payments.models import Payment
from payments.providers import PaymentEvent
from payments.services import apply_event
from shop.access import remember_guest_order
from shop.models import Order
from tests.factories import VariantFactory
from tests.shop.buying import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant():
    return VariantFactory(on_hand=4, price=Decimal("25.00"))


@pytest.fixture
def order(client, variant):
    """A guest's order, seen from the browser session that placed it."""
    order = place((variant, 2))
    session = client.session
    session["guest_orders"] = [order.number]
    session.save()
    return order


def test_starting_payment_goes_to_the_test_page(client, order):
    response = client.get(reverse("payments:start", args=[order.number]))
    assert response["Location"] == reverse("payments:test-checkout", args=[order.number])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"Order {order.number}: <strong>${order.total}</strong>" in page.text


def test_approving_pays_the_order_and_records_the_capture(
    client, order, variant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:test-checkout", args=[order.number]),
                               {"decision": "approve"}, follow=True)
    assert f"Thank you! Order {order.number} is paid." in response.text
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert (variant.on_hand, variant.reserved) == (2, 0)
    payment = Payment.objects.get()
    assert (payment.kind, payment.amount, payment.provider) == ("capture", order.total, "test")
    assert len(mail.outbox) == 1


def test_declining_cancels_the_order_and_releases_the_stock(client, order, variant):
    response = client.post(reverse("payments:test-checkout", args=[order.number]),
                           {"decision": "decline"}, follow=True)
    assert "The payment was declined" in response.text
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and variant.reserved == 0
    assert Payment.objects.get().kind == "failure"


def test_the_same_event_twice_is_applied_once(order, variant):
    event = PaymentEvent(provider="test", kind="captured", order_number=order.number,
                         amount=order.total, currency="USD", reference="ch_1")
    apply_event(event)
    apply_event(event)
    variant.refresh_from_db()
    assert (variant.on_hand, variant.reserved) == (2, 0)
    assert Payment.objects.count() == 1


def test_a_paid_order_goes_straight_to_its_page(client, order):
    apply_event(PaymentEvent(provider="test", kind="captured", order_number=order.number,
                             amount=order.total, currency="USD", reference="ch_1"))
    response = client.get(reverse("payments:test-checkout", args=[order.number]))
    assert response["Location"] == order.get_absolute_url()


def test_a_stranger_cannot_pay_or_decline_someone_elses_order(variant, client):
    order = place((variant, 1))
    url = reverse("payments:test-checkout", args=[order.number])
    assert client.post(url, {"decision": "decline"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_the_provider_is_off_unless_settings_turn_it_on(client, settings, order):
    settings.PAYMENT_PROVIDERS = []
    url = reverse("payments:test-checkout", args=[order.number])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_a_session_remembers_the_last_ten_guest_orders(rf):
    variant = VariantFactory(on_hand=20)
    request = rf.get("/")
    request.session = {}
    placed = [place((variant, 1)) for _ in range(12)]
    for order in placed:
        remember_guest_order(request, order)
    assert request.session["guest_orders"] == [o.number for o in placed[-10:]]


def test_a_decision_that_is_neither_approve_nor_decline_changes_nothing(client, order):
    response = client.post(reverse("payments:test-checkout", args=[order.number]))
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
