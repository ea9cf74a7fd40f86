"""Webhooks arriving at the same moment on PostgreSQL, each request on its own connection:
the same event delivered many times at once is applied once, and a refund that is told to
wait while its capture is being applied at that very moment does not wait for ever.

Every test here commits, so they keep to this file (see tests/conftest.py)."""

import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connections

from payments import services, views, webhooks
from payments.models import Payment, WebhookEvent
from shop.models import Order, OrderEvent
from tests.factories import VariantFactory
from tests.payments.webhook_helpers import (
    paypal_api,
    paypal_event,
    paypal_request,
    stored,
    stripe_event,
    stripe_request,
)
from tests.shop.buying import place

DELIVERIES = 10
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgres", "providers_on"),
]


@pytest.fixture
def stove():
    return VariantFactory(on_hand=3, price=Decimal("80.00"))


def at_once(*deliveries) -> list[int]:
    """Each delivery (a function returning a response) from its own thread and connection,
    all released together; returns the status codes in the order given."""
    start = threading.Barrier(len(deliveries))
    answers, crashed = [None] * len(deliveries), []

    def run(index, deliver):
        try:
            start.wait()
            answers[index] = deliver().status_code
        except Exception as error:  # anything else fails the test below
            crashed.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, deliver))
               for index, deliver in enumerate(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashed, crashed
    return answers


def stripe_delivery(event: dict):
    return lambda: views.webhook(stripe_request(event), "stripe")


def paypal_delivery(event: dict):
    return lambda: views.webhook(paypal_request(event), "paypal")


def test_one_stripe_event_delivered_ten_times_at_once_is_applied_once(stove):
    order = place((stove, 2), provider="stripe")
    event = stripe_event("payment_intent.succeeded", order)
    answers = at_once(*[stripe_delivery(event)] * DELIVERIES)
    assert answers == [200] * DELIVERIES
    assert WebhookEvent.objects.count() == 1
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED
    assert Payment.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.captured_total == order.total
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1
    stove.refresh_from_db()
    assert (stove.on_hand, stove.reserved) == (1, 0)
    assert len(mail.outbox) == 1


def test_one_paypal_event_delivered_ten_times_at_once_is_applied_once(stove):
    order = place((stove, 1), provider="paypal")
    event = paypal_event("PAYMENT.CAPTURE.COMPLETED", order)
    with paypal_api():
        answers = at_once(*[paypal_delivery(event)] * DELIVERIES)
    assert answers == [200] * DELIVERIES
    assert WebhookEvent.objects.count() == 1
    assert Payment.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1


def test_a_capture_and_its_dispute_at_once_end_disputed(stove):
    order = place((stove, 1), provider="stripe")
    capture = stripe_event("payment_intent.succeeded", order)
    dispute = stripe_event("charge.dispute.created", order)
    answers = at_once(stripe_delivery(capture), stripe_delivery(dispute))
    assert answers == [200, 200]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.needs_review
    assert Payment.objects.filter(order=order, kind=Payment.Kind.DISPUTE).count() == 1
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {
        WebhookEvent.Status.PROCESSED}


def test_a_refund_told_to_wait_while_its_capture_commits_is_applied(stove, monkeypatch):
    """The refund finds no capture and is about to be stored as waiting; meanwhile the
    capture commits and looks for the events waiting on it. The refund must not be missed."""
    order = place((stove, 1), provider="stripe")
    capture = stripe_event("payment_intent.succeeded", order)
    refund = stripe_event("charge.refunded", order, refunded=Decimal("20.00"))
    refund_waits, capture_looks = threading.Event(), threading.Event()
    apply_event, apply_waiting = services.apply_event, webhooks.apply_waiting

    def apply_and_hold_a_refund_that_waits(event):
        try:
            return apply_event(event)
        except services.WaitForCapture:
            if not refund_waits.is_set():
                refund_waits.set()
                capture_looks.wait(timeout=10)
                time.sleep(0.3)  # the capture's look for waiting events runs meanwhile
            raise

    def look_for_waiting_events(**capture):
        capture_looks.set()
        return apply_waiting(**capture)

    def capture_once_the_refund_waits():
        refund_waits.wait(timeout=10)
        return views.webhook(stripe_request(capture), "stripe")

    monkeypatch.setattr(services, "apply_event", apply_and_hold_a_refund_that_waits)
    monkeypatch.setattr(webhooks, "apply_waiting", look_for_waiting_events)
    answers = at_once(stripe_delivery(refund), capture_once_the_refund_waits)
    assert answers == [200, 200]
    assert stored(refund).status == WebhookEvent.Status.PROCESSED
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED
    assert order.refunded_total == Decimal("20.00")
