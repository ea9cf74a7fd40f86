"""Stripe's webhooks, signed as Stripe signs them and posted to /webhooks/stripe/, about real
orders: what only Stripe does (its signatures and their tolerance, each kind of its events
moving the order, and its stock, history and emails, as it should). The contract every
provider keeps is test_webhook_contract.py."""

import json
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core import mail

from monitoring import alerts, counters
from payments.models import Payment, WebhookEvent
from shop.models import Order, OrderEvent
from shop.services import orders
from tests.factories import VariantFactory
from tests.payments import stripe_signing
from tests.payments.webhook_helpers import (
    STRIPE_URL,
    STRIPE_WEBHOOK_SECRET,
    as_body,
    capture_by_webhook,
    fresh,
    open_attempt,
    post,
    post_stripe,
    review_alerts,
    rows,
    stored,
    stripe_event,
    stripe_headers,
    stripe_intent,
    subjects,
)
from tests.shop.buying import place, stock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers_on")]
Status = Order.Status


@pytest.fixture
def lantern():
    return VariantFactory(on_hand=5, price=Decimal("24.00"))


@pytest.fixture
def order(lantern):
    """Two lanterns, paid by card: two units reserved."""
    return place((lantern, 2), provider="stripe")


# A valid delivery


def test_a_completed_checkout_session_pays_and_settles_its_attempt(client, order):
    attempt = open_attempt(order)
    response = post_stripe(client, stripe_event("checkout.session.completed", order))
    assert response.status_code == 200
    assert fresh(order).status == Status.PAID
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.SUCCEEDED
    assert [p.reference for p in rows(order, Payment.Kind.CAPTURE)] == [stripe_intent(order)]


def test_the_session_and_its_payment_intent_are_one_capture(client, order, lantern):
    post_stripe(client, stripe_event("checkout.session.completed", order))
    post_stripe(client, stripe_event("payment_intent.succeeded", order))
    paid = fresh(order)
    assert paid.captured_total == order.total and not paid.needs_review
    assert len(rows(order, Payment.Kind.CAPTURE)) == 1
    assert stock(lantern) == (3, 0)


def test_the_stored_event_keeps_the_body_as_it_arrived(client, order):
    # Indented as Stripe sends it: the same event read and written again would not be.
    body = json.dumps(stripe_event("payment_intent.succeeded", order), indent=2).encode()
    post(client, STRIPE_URL, body, stripe_headers(body))
    event = WebhookEvent.objects.get()
    assert event.payload.encode() == body
    assert (event.type, event.order_number) == ("payment_intent.succeeded", order.number)
    assert event.verified_by == "Stripe-Signature v1 (HMAC-SHA256)"


# Signatures


@pytest.mark.parametrize("forge", [
    pytest.param(lambda body: (body, stripe_headers(body, secret="whsec_someone_else")),
                 id="wrong secret"),
    pytest.param(lambda body: (body, stripe_headers(body, timestamp=int(time.time()) - 301)),
                 id="signed 301 seconds ago"),
    # Ahead by more than a second: int() drops up to one, and the request takes a little.
    pytest.param(lambda body: (body, stripe_headers(body, timestamp=int(time.time()) + 310)),
                 id="signed 310 seconds ahead"),
    pytest.param(lambda body: (body, {"HTTP_STRIPE_SIGNATURE": "t=1,v1=nothing"}),
                 id="made-up header"),
])
def test_an_unproven_webhook_is_refused_and_nothing_is_stored(client, order, lantern, forge):
    body, headers = forge(as_body(stripe_event("payment_intent.succeeded", order)))
    response = post(client, STRIPE_URL, body, headers)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Status.AWAITING_PAYMENT
    assert not Payment.objects.exists()
    assert stock(lantern) == (5, 2)
    assert not mail.outbox


def test_a_burst_of_refused_webhooks_alerts_staff(client, order, settings, monkeypatch):
    settings.ALERT_WEBHOOK_SIGNATURE_FAILURES_PER_MINUTE = 2
    # Counted within one minute, whenever the test runs.
    monkeypatch.setattr(counters, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    body = as_body(stripe_event("payment_intent.succeeded", order))
    for _ in range(2):
        post(client, STRIPE_URL, body, stripe_headers(body, secret="whsec_someone_else"))
    assert not alerts.active_alerts()
    post(client, STRIPE_URL, body, stripe_headers(body, secret="whsec_someone_else"))
    assert [alert.kind for alert in alerts.active_alerts()] == [
        alerts.WEBHOOK_SIGNATURE_FAILURES]


def test_a_webhook_signed_within_the_tolerance_is_taken(client, order):
    event = stripe_event("payment_intent.succeeded", order)
    response = post_stripe(client, event, timestamp=int(time.time()) - 290)
    assert response.status_code == 200
    assert fresh(order).status == Status.PAID


def test_a_webhook_signed_while_the_secret_is_rolled_is_taken(client, order):
    body = as_body(stripe_event("payment_intent.succeeded", order))
    header = stripe_signing.sign(body, "whsec_old_one", extra_secrets=[STRIPE_WEBHOOK_SECRET])
    response = post(client, STRIPE_URL, body, {"HTTP_STRIPE_SIGNATURE": header})
    assert response.status_code == 200
    assert fresh(order).status == Status.PAID


# Events this shop does not act on


def test_an_event_about_no_order_at_all_is_ignored(client, order):
    event = stripe_event("customer.created", order)
    assert post_stripe(client, event).status_code == 200
    assert stored(event).status == WebhookEvent.Status.IGNORED


def test_a_session_with_nothing_to_pay_is_ignored(client, order):
    event = stripe_event("checkout.session.completed", order,
                         **{"data.object.payment_status": "no_payment_required"})
    assert post_stripe(client, event).status_code == 200
    assert stored(event).status == WebhookEvent.Status.IGNORED
    assert fresh(order).status == Status.AWAITING_PAYMENT


# Payments that do not go through


def test_a_declined_card_leaves_the_order_open(client, order, lantern):
    attempt = open_attempt(order)
    event = stripe_event("payment_intent.payment_failed", order)
    assert post_stripe(client, event).status_code == 200
    still = fresh(order)
    assert still.status == Status.AWAITING_PAYMENT and not still.needs_review
    [failure] = rows(order, Payment.Kind.FAILURE)
    assert failure.reference == "ch_3SDoPq2eZvKYlo2C0dE2c3L4"  # the declined try's charge
    assert stock(lantern) == (5, 2)
    note = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.PAYMENT_UPDATE)
    assert note.note == ("A payment try was declined at stripe (Your card has insufficient "
                         "funds.); the payment page stays open for another.")
    # The shopper is on Stripe's page, which asks again and may be paying with another card
    # by now: the order does not say it was declined, and nothing is emailed.
    assert still.payment_failure == ""
    assert not OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAYMENT_FAILED)
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.PENDING  # Stripe's page is still open
    assert not mail.outbox


def test_a_declined_try_and_then_a_payment_pays(client, order, lantern):
    post_stripe(client, stripe_event("payment_intent.payment_failed", order))
    post_stripe(client, stripe_event("payment_intent.succeeded", order))
    assert fresh(order).status == Status.PAID
    assert stock(lantern) == (3, 0)


def test_a_delayed_payment_under_way_does_not_fulfil(client, order, lantern):
    event = stripe_event("checkout.session.completed.unpaid", order)
    assert post_stripe(client, event).status_code == 200
    assert fresh(order).status == Status.AWAITING_PAYMENT
    assert not rows(order, Payment.Kind.CAPTURE)
    assert stock(lantern) == (5, 2)
    note = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.PAYMENT_UPDATE)
    assert "pending" in note.note


def test_a_delayed_payment_that_fails_leaves_the_order_open(client, order, lantern):
    attempt = open_attempt(order)
    post_stripe(client, stripe_event("checkout.session.completed.unpaid", order))
    post_stripe(client, stripe_event("checkout.session.async_payment_failed", order))
    still = fresh(order)
    assert still.status == Status.AWAITING_PAYMENT
    assert still.payment_failure == "The delayed payment failed."
    assert stock(lantern) == (5, 2)
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.FAILED
    assert subjects() == [f"Payment for order {order.number} did not go through"]


def test_a_delayed_payment_that_succeeds_pays(client, order, lantern):
    post_stripe(client, stripe_event("checkout.session.completed.unpaid", order))
    post_stripe(client, stripe_event("checkout.session.async_payment_succeeded", order))
    assert fresh(order).status == Status.PAID
    assert stock(lantern) == (3, 0)


def test_an_expired_session_cancels_the_order_and_releases_its_stock(client, order, lantern):
    attempt = open_attempt(order)
    event = stripe_event("checkout.session.expired", order)
    assert post_stripe(client, event).status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.FAILED
    closed = fresh(order)
    assert closed.status == Status.CANCELLED and closed.closed_at and not closed.needs_review
    assert rows(order) == [attempt]
    assert stock(lantern) == (5, 0)
    [ended] = OrderEvent.objects.filter(order=order).exclude(kind=OrderEvent.Kind.PLACED)
    assert ended.kind == OrderEvent.Kind.PAYMENT_FAILED
    assert "page expired" in ended.note and "back on sale" in ended.note
    assert stored(event).status == WebhookEvent.Status.PROCESSED
    assert not mail.outbox


def test_an_expired_session_leaves_an_order_holding_money_for_staff(client, order, lantern):
    open_attempt(order)
    orders.flag_for_review(order_id=order.pk, note="Captured 1.00 USD, not the total.")
    post_stripe(client, stripe_event("checkout.session.expired", order))
    assert fresh(order).status == Status.AWAITING_PAYMENT
    assert stock(lantern) == (5, 2)  # staff settle it by hand, as at the deadline


def test_an_expired_session_leaves_the_order_open_while_another_attempt_is_under_way(
    client, order, lantern
):
    expired = open_attempt(order)
    newer = Payment.objects.create(
        order=order, provider="stripe", kind=Payment.Kind.ATTEMPT,
        status=Payment.Status.PENDING, amount=order.total, currency="USD", reference="cs_newer",
    )
    post_stripe(client, stripe_event("checkout.session.expired", order))
    expired.refresh_from_db()
    newer.refresh_from_db()
    assert (expired.status, newer.status) == (Payment.Status.FAILED, Payment.Status.PENDING)
    assert fresh(order).status == Status.AWAITING_PAYMENT
    assert stock(lantern) == (5, 2)


# Disputes


def test_a_dispute_flags_the_order_and_alerts_staff(client, order, lantern):
    capture_by_webhook(client, order)
    event = stripe_event("charge.dispute.created", order)
    assert post_stripe(client, event).status_code == 200
    disputed = fresh(order)
    assert disputed.status == Status.PAID and disputed.needs_review
    [dispute] = rows(order, Payment.Kind.DISPUTE)
    assert (dispute.reference, dispute.capture_reference, dispute.amount) == (
        "du_1SDpRs2eZvKYlo2CpQ8rS9tU", stripe_intent(order), order.total)
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.DISPUTED).exists()
    assert any("disputed" in message for message in review_alerts(order))
    assert stock(lantern) == (3, 0)


def test_a_dispute_delivered_twice_is_one_dispute(client, order):
    capture_by_webhook(client, order)
    event = stripe_event("charge.dispute.created", order)
    post_stripe(client, event)
    post_stripe(client, {**event, "id": event["id"] + "x"})  # Stripe's same dispute, re-sent
    assert len(rows(order, Payment.Kind.DISPUTE)) == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.DISPUTED).count() == 1


# Bodies and requests that are not Stripe's events


@pytest.mark.parametrize("body", [
    b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": "nothing"}',
    b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}',
    b'{"type": "payment_intent.succeeded"}',
    b"[1, 2, 3]",
])
def test_a_signed_body_that_is_not_an_event_is_refused(client, order, body):
    response = post(client, STRIPE_URL, body, stripe_headers(body))
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Status.AWAITING_PAYMENT


def test_the_webhook_of_a_provider_turned_off_is_not_found(client, order, settings):
    settings.PAYMENT_PROVIDERS = ["paypal"]
    response = post_stripe(client, stripe_event("payment_intent.succeeded", order))
    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Status.AWAITING_PAYMENT


def test_the_test_provider_takes_no_webhooks(client, order):
    body = as_body(stripe_event("payment_intent.succeeded", order))
    response = post(client, "/webhooks/test/", body, stripe_headers(body))
    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()


def test_a_webhook_is_only_posted(client):
    assert client.get(STRIPE_URL).status_code == 405


def test_a_paying_webhook_takes_a_fixed_number_of_queries(
    client, order, django_assert_num_queries
):
    """Verify, store, apply with the order locked (capture row, stock, status, timeline,
    whether the customer bought before, the bought lines out of the cart: read and deleted,
    the confirmation email's row), mark processed; then,
    after commit, the confirmation email (its row locked, the order's discounts read for it,
    sent, marked) and the events waiting
    for this capture. Savepoints included. A repeat is answered from the inbox alone.
    Scoring the order's risk again adds seven: its savepoint (2), the order locked, its risk
    row made (an order placed without one: read, then inserted in a savepoint, 4), the facts
    (the orders from the same sources, paid before, the usual order: 3, one of them cached
    after) and the row saved, less what the transaction shares.
    The dashboard's daily rollups were not built here (asked when the order was placed, then
    the cache knows), so the payment adds nothing to them."""
    event = stripe_event("checkout.session.completed", order)
    with django_assert_num_queries(44):
        assert post_stripe(client, event).status_code == 200
    with django_assert_num_queries(5):
        assert post_stripe(client, event).status_code == 200
