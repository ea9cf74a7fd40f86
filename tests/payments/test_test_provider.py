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
from shop.models import Order, OrderEvent
from tests.factories import VariantFactory
from tests.shop.buying import place, stock

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


def start(client, order) -> str:
    """Start a test payment as the order page does; returns the test page's address."""
    return client.post(reverse("payments:start", args=[order.number]),
                       {"provider": "test"})["Location"]


def test_starting_payment_goes_to_the_test_page_of_that_attempt(client, order):
    location = start(client, order)
    attempt = Payment.objects.get(kind=Payment.Kind.ATTEMPT)
    assert location == (reverse("payments:test-checkout", args=[order.number])
                        + f"?attempt={attempt.reference}")
    page = client.get(location)
    assert page.status_code == 200
    assert f"Order {order.number}: <strong>${order.total}</strong>" in page.text
    assert f'name="attempt" value="{attempt.reference}"' in page.text


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


def test_declining_leaves_the_order_open_with_its_stock_reserved(
    client, order, variant, django_capture_on_commit_callbacks
):
    page = start(client, order)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"decision": "decline", "attempt": page.split("=")[1]},
                               follow=True)
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert "<strong>Your payment was declined.</strong> The test card was declined." in (
        response.text)
    assert ">Try again</button>" in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.payment_failure == "The test card was declined."
    assert stock(variant) == (4, 2)
    attempt, failure = Payment.objects.order_by("pk")
    assert (attempt.kind, attempt.status) == (Payment.Kind.ATTEMPT, Payment.Status.FAILED)
    assert (failure.kind, failure.reference) == (Payment.Kind.FAILURE,
                                                 f"{attempt.reference}:declined")
    event = order.events.last()
    assert event.kind == OrderEvent.Kind.PAYMENT_FAILED
    assert event.note == ("Test payment (no money moves): The test card was declined. The "
                          "order is still waiting for payment.")
    [email] = mail.outbox
    assert "still open" in email.body and "key=" in email.body  # a link to pay it
    assert "still open" in email.alternatives[0].content


def test_declined_then_approved_on_the_same_order_pays_it(
    client, order, variant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(start(client, order), {"decision": "decline"})
        client.post(start(client, order), {"decision": "decline"})
        client.post(start(client, order), {"decision": "approve"})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not order.payment_failure
    assert stock(variant) == (2, 0)
    assert [p.kind for p in Payment.objects.order_by("pk")] == [
        "attempt", "failure", "attempt", "failure", "attempt", "capture"]
    # One email about the failures (the shopper saw the second on the page), then the
    # confirmation.
    assert [m.subject.split("] ")[1] for m in mail.outbox] == [
        f"Payment for order {order.number} did not go through",
        f"Order {order.number} is confirmed",
    ]


def test_declining_the_same_attempt_twice_records_it_once(client, order):
    page = start(client, order)
    client.post(page, {"decision": "decline"})
    client.post(page, {"decision": "decline"})
    assert Payment.objects.filter(kind=Payment.Kind.FAILURE).count() == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAYMENT_FAILED).count() == 1


def test_another_orders_attempt_is_not_taken_for_this_ones(client, order, variant):
    other = place((variant, 1))
    other_attempt = Payment.objects.create(
        order=other, provider="test", kind=Payment.Kind.ATTEMPT, amount=other.total,
        currency="USD", status=Payment.Status.PENDING, reference="test_attempt-other",
    )
    url = reverse("payments:test-checkout", args=[order.number])
    client.post(url, {"decision": "decline", "attempt": other_attempt.reference})
    other_attempt.refresh_from_db()
    assert other_attempt.status == Payment.Status.PENDING
    failure = Payment.objects.get(kind=Payment.Kind.FAILURE)
    assert failure.order == order and not failure.reference.startswith(other_attempt.reference)


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


def test_a_late_decline_of_an_earlier_attempt_does_not_say_the_newer_one_failed(client, order):
    earlier = start(client, order)
    start(client, order)  # the shopper went back and started again
    client.post(earlier, {"decision": "decline"})
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and order.payment_failure == ""
    assert not order.events.filter(kind=OrderEvent.Kind.PAYMENT_FAILED).exists()
    assert "a newer one is under way" in order.events.last().note
    assert Payment.objects.filter(kind=Payment.Kind.FAILURE).count() == 1  # finance sees it
