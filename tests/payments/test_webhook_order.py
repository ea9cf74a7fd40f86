"""Providers send an order's events in whatever order their queues deliver them: every order
of delivery ends in the same state (status, money, transaction history, stock), and a refund
or dispute that arrives before its capture waits for it."""

from decimal import Decimal
from itertools import permutations

import pytest

from payments import refunds
from payments.models import Payment, WebhookEvent
from shop.models import Order, OrderEvent
from tests.factories import VariantFactory
from tests.payments.webhook_helpers import (
    open_attempt,
    paypal_api,
    paypal_capture,
    paypal_event,
    post_paypal,
    post_stripe,
    stored,
    stripe_event,
    stripe_intent,
    subjects,
)
from tests.shop.buying import place, stock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers_on")]
Status = Order.Status
Kind = Payment.Kind
REFUND = Decimal("10.00")

STRIPE_EVENTS = (
    "checkout.session.completed", "payment_intent.succeeded", "charge.refunded",
    "charge.dispute.created",
)
PAYPAL_EVENTS = ("PAYMENT.CAPTURE.PENDING", "PAYMENT.CAPTURE.COMPLETED",
                 "PAYMENT.CAPTURE.REFUNDED")


@pytest.fixture
def lamp():
    return VariantFactory(on_hand=6, price=Decimal("30.00"))


def placed(lamp, provider: str) -> Order:
    """Two lamps, and the attempt the provider opened for them."""
    order = place((lamp, 2), provider=provider)
    open_attempt(order)
    return order


def history(order) -> list[tuple[str, str, Decimal, str]]:
    """The order's transaction history, sorted so that the order of arrival does not show."""
    return sorted(
        (payment.kind, payment.status, payment.amount, payment.capture_reference)
        for payment in Payment.objects.filter(order=order)
    )


def stripe_events(order) -> dict[str, dict]:
    return {
        name: stripe_event(name, order, refunded=REFUND) if name == "charge.refunded"
        else stripe_event(name, order)
        for name in STRIPE_EVENTS
    }


def paypal_events(order) -> dict[str, dict]:
    return {
        name: paypal_event(name, order, amount=REFUND) if name.endswith("REFUNDED")
        else paypal_event(name, order)
        for name in PAYPAL_EVENTS
    }


@pytest.mark.parametrize("arrival", list(permutations(STRIPE_EVENTS)),
                         ids=lambda names: " > ".join(names))
def test_stripe_events_in_any_order_end_the_same(client, lamp, arrival):
    order = placed(lamp, "stripe")
    events = stripe_events(order)
    for name in arrival:
        assert post_stripe(client, events[name]).status_code == 200
    order.refresh_from_db()
    assert order.status == Status.PARTIALLY_REFUNDED and order.needs_review
    assert (order.captured_total, order.refunded_total) == (order.total, REFUND)
    intent = stripe_intent(order)
    assert history(order) == sorted([
        (Kind.ATTEMPT, Payment.Status.SUCCEEDED, order.total, ""),
        (Kind.CAPTURE, Payment.Status.SUCCEEDED, order.total, intent),
        (Kind.REFUND, Payment.Status.SUCCEEDED, REFUND, intent),
        (Kind.DISPUTE, Payment.Status.SUCCEEDED, order.total, intent),
    ])
    assert stock(lamp) == (4, 0)
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {
        WebhookEvent.Status.PROCESSED}
    assert sorted(subjects()) == [
        f"A refund for order {order.number}", f"Order {order.number} is confirmed"]


@pytest.mark.parametrize("arrival", list(permutations(PAYPAL_EVENTS)),
                         ids=lambda names: " > ".join(names))
def test_paypal_events_in_any_order_end_the_same(client, lamp, arrival):
    order = placed(lamp, "paypal")
    events = paypal_events(order)
    with paypal_api():
        for name in arrival:
            assert post_paypal(client, events[name]).status_code == 200
    order.refresh_from_db()
    assert order.status == Status.PARTIALLY_REFUNDED and not order.needs_review
    assert (order.captured_total, order.refunded_total) == (order.total, REFUND)
    capture = paypal_capture(order)
    assert history(order) == sorted([
        (Kind.ATTEMPT, Payment.Status.SUCCEEDED, order.total, ""),
        (Kind.CAPTURE, Payment.Status.SUCCEEDED, order.total, capture),
        (Kind.REFUND, Payment.Status.SUCCEEDED, REFUND, capture),
    ])
    assert stock(lamp) == (4, 0)
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {
        WebhookEvent.Status.PROCESSED}


@pytest.mark.parametrize("arrival", [("pending", "completed"), ("completed", "pending")])
def test_the_customer_reads_of_a_pending_payment_only_while_it_is_pending(client, lamp,
                                                                           arrival):
    order = placed(lamp, "paypal")
    events = {"pending": paypal_event("PAYMENT.CAPTURE.PENDING", order),
              "completed": paypal_event("PAYMENT.CAPTURE.COMPLETED", order)}
    with paypal_api():
        for name in arrival:
            post_paypal(client, events[name])
    timeline = list(OrderEvent.objects.filter(order=order, is_internal=False)
                    .order_by("created_at", "pk").values_list("kind", flat=True))
    expected = [OrderEvent.Kind.PLACED, OrderEvent.Kind.PAID]
    if arrival[0] == "pending":
        expected.insert(1, OrderEvent.Kind.PAYMENT_UPDATE)
    assert timeline == expected


def test_a_stripe_refund_before_its_capture_waits_for_it(client, lamp):
    order = placed(lamp, "stripe")
    refund = stripe_event("charge.refunded", order, refunded=REFUND)
    assert post_stripe(client, refund).status_code == 200
    waiting = stored(refund)
    assert waiting.status == WebhookEvent.Status.WAITING
    assert waiting.capture_reference == stripe_intent(order)
    order.refresh_from_db()
    assert order.refunded_total == 0 and order.status == Status.AWAITING_PAYMENT
    assert not Payment.objects.filter(kind=Kind.REFUND).exists()

    assert post_stripe(client, stripe_event("payment_intent.succeeded", order)).status_code == 200
    waiting.refresh_from_db()
    assert waiting.status == WebhookEvent.Status.PROCESSED
    order.refresh_from_db()
    assert order.status == Status.PARTIALLY_REFUNDED and order.refunded_total == REFUND


def test_a_paypal_refund_before_its_capture_waits_for_it(client, lamp):
    order = placed(lamp, "paypal")
    refund = paypal_event("PAYMENT.CAPTURE.REFUNDED", order, amount=order.total)
    with paypal_api():
        assert post_paypal(client, refund).status_code == 200
        assert stored(refund).status == WebhookEvent.Status.WAITING
        post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))
    assert stored(refund).status == WebhookEvent.Status.PROCESSED
    order.refresh_from_db()
    assert order.status == Status.REFUNDED and order.refunded_total == order.total
    assert stock(lamp) == (4, 0)  # refunded without restock: the lamps left


def test_a_waiting_refund_delivered_again_still_waits_once(client, lamp):
    order = placed(lamp, "stripe")
    refund = stripe_event("charge.refunded", order, refunded=REFUND)
    for _ in range(3):
        assert post_stripe(client, refund).status_code == 200
    post_stripe(client, stripe_event("payment_intent.succeeded", order))
    order.refresh_from_db()
    assert order.refunded_total == REFUND
    assert Payment.objects.filter(kind=Kind.REFUND).count() == 1


def running_totals(order, asked: list[Payment], *, listed: bool) -> list[dict]:
    """Stripe's charge.refunded after each of the refunds asked for: the running total, and
    when `listed` the charge's refunds, newest first, each naming the request it answers."""
    totals, refunded = [], Decimal("0.00")
    listing = []
    for number, request in enumerate(asked):
        refunded += request.amount
        event = stripe_event("charge.refunded.with_refunds" if listed else "charge.refunded",
                             order, refunded=refunded)
        if listed:
            listing.insert(0, {
                **event["data"]["object"]["refunds"]["data"][0], "id": f"re_test_{number}",
                "amount": int(request.amount * 100), "created": 1760000000 + number,
                "metadata": {"refund_request": f"refund-{request.pk}"},
            })
            event["data"]["object"]["refunds"]["data"] = list(listing)
        totals.append(event)
    return totals


@pytest.mark.parametrize("listed", [False, True], ids=["totals only", "refunds listed"])
@pytest.mark.parametrize("arrival", [(0, 1), (1, 0)], ids=["in order", "newest first"])
def test_two_refunds_staff_asked_for_are_confirmed_whatever_the_order(client, lamp, arrival,
                                                                     listed):
    """Stripe reports each refund as the running total refunded on the charge."""
    order = placed(lamp, "stripe")
    post_stripe(client, stripe_event("payment_intent.succeeded", order))
    first, second = Decimal("10.00"), Decimal("5.99")
    asked = [
        refunds.request_refund(order_id=order.pk, actor=None,
                               wanted=refunds.RefundRequest(amount=amount))
        for amount in (first, second)
    ]
    totals = running_totals(order, asked, listed=listed)
    for index in arrival:
        assert post_stripe(client, totals[index]).status_code == 200
    order.refresh_from_db()
    assert order.refunded_total == first + second
    assert order.status == Status.PARTIALLY_REFUNDED
    for refund in asked:
        refund.refresh_from_db()
        assert refund.status == Payment.Status.SUCCEEDED
    assert sorted(Payment.objects.filter(kind=Kind.REFUND).values_list("amount", flat=True)) == [
        second, first]
    assert refunds.refundable(order) == order.total - first - second
