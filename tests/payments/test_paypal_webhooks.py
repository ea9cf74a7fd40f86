"""PayPal's webhooks, signed with a certificate like PayPal's (served over a stubbed PayPal
address) and posted to /webhooks/paypal/, about real orders: what only PayPal does (its
certificates, its forgeries, each kind of its events moving the order as it should). The
contract every provider keeps is test_webhook_contract.py."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from payments import webhooks
from payments.models import Payment, WebhookEvent
from shop.models import Order, OrderEvent
from shop.services import orders
from tests.factories import VariantFactory
from tests.payments import paypal_signing
from tests.payments.webhook_helpers import (
    PAYPAL_URL,
    as_body,
    capture_by_webhook,
    fresh,
    open_attempt,
    paypal_api,
    paypal_capture,
    paypal_event,
    paypal_headers,
    post,
    post_paypal,
    replay,
    review_alerts,
    rows,
    stored,
    subjects,
)
from tests.shop.buying import place, stock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers_on")]
Status = Order.Status


@pytest.fixture
def api():
    with paypal_api() as mock:
        yield mock


@pytest.fixture
def kettle():
    return VariantFactory(on_hand=4, price=Decimal("35.00"))


@pytest.fixture
def order(kettle):
    """One kettle, paid with PayPal: one unit reserved."""
    return place((kettle, 1), provider="paypal")


# The certificate


def test_the_certificate_is_fetched_once_for_many_webhooks(client, api, order):
    post_paypal(client, paypal_event("PAYMENT.CAPTURE.PENDING", order))
    post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))
    assert fresh(order).status == Status.PAID
    assert [call.request.url for call in api.calls] == [paypal_signing.CERT_URL]


# Signatures


def long_ago() -> str:
    return (datetime.now(UTC) - timedelta(seconds=301)).strftime("%Y-%m-%dT%H:%M:%SZ")


def without(headers: dict, name: str) -> dict:
    return {key: value for key, value in headers.items() if key != name}


@pytest.mark.parametrize("forge", [
    pytest.param(lambda body: (body, paypal_headers(body, key=paypal_signing.rsa_key("other"))),
                 id="someone else's key"),
    pytest.param(lambda body: (body, paypal_headers(body, webhook_id="WH-OTHER-ENDPOINT")),
                 id="another webhook id"),
    pytest.param(lambda body: (body, without(paypal_headers(body),
                                             "HTTP_PAYPAL_TRANSMISSION_SIG")),
                 id="missing signature header"),
    pytest.param(lambda body: (body, paypal_headers(body, transmission_time=long_ago())),
                 id="sent 301 seconds ago"),
    pytest.param(lambda body: (body, paypal_headers(
        body, cert_url="https://messageverificationcerts.paypal.com.evil.test/cert")),
        id="certificate from another host"),
    pytest.param(lambda body: (body, paypal_headers(
        body, cert_url="http://api.paypal.com/v1/notifications/certs/CERT-1")),
        id="certificate over plain http"),
])
def test_an_unproven_webhook_is_refused_and_nothing_is_stored(client, api, order, kettle,
                                                              forge):
    body, headers = forge(as_body(paypal_event("PAYMENT.CAPTURE.COMPLETED", order)))
    response = post(client, PAYPAL_URL, body, headers)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Status.AWAITING_PAYMENT
    assert not Payment.objects.exists() and stock(kettle) == (4, 1)
    assert not mail.outbox


def test_an_expired_certificate_is_refused(client, order):
    with paypal_api(paypal_signing.expired()):
        response = post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Status.AWAITING_PAYMENT


def test_a_certificate_not_for_paypal_is_refused(client, order):
    with paypal_api(paypal_signing.wrong_subject()):
        response = post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_certificate_that_cannot_be_fetched_asks_paypal_to_try_again(client, order):
    with paypal_api() as api:
        api.replace("GET", paypal_signing.CERT_URL, status=503)
        response = post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))
    assert response.status_code == 503
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Status.AWAITING_PAYMENT


# Payments that do not go through, or not yet


def test_a_pending_capture_does_not_fulfil(client, api, order, kettle):
    event = paypal_event("PAYMENT.CAPTURE.PENDING", order)
    assert post_paypal(client, event).status_code == 200
    still = fresh(order)
    assert still.status == Status.AWAITING_PAYMENT and still.captured_total == 0
    assert not rows(order, Payment.Kind.CAPTURE)
    assert stock(kettle) == (4, 1)
    note = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.PAYMENT_UPDATE)
    assert "pending" in note.note and "PENDING_REVIEW" in note.note
    assert not mail.outbox


def test_a_pending_capture_then_its_completion_pays(client, api, order, kettle):
    post_paypal(client, paypal_event("PAYMENT.CAPTURE.PENDING", order))
    post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))
    assert fresh(order).status == Status.PAID
    assert stock(kettle) == (3, 0)


def test_a_denied_capture_leaves_the_order_open_with_its_stock_reserved(
    client, api, order, kettle
):
    attempt = open_attempt(order)
    event = paypal_event("PAYMENT.CAPTURE.DENIED", order)
    assert post_paypal(client, event).status_code == 200
    still = fresh(order)
    assert still.status == Status.AWAITING_PAYMENT and not still.closed_at
    assert still.payment_failure == "PayPal denied the payment (DECLINED_BY_RISK_FRAUD_FILTERS)."
    assert stock(kettle) == (4, 1)
    [failure] = rows(order, Payment.Kind.FAILURE)
    assert "DECLINED_BY_RISK_FRAUD_FILTERS" in failure.note
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.FAILED
    note = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.PAYMENT_FAILED)
    assert "still waiting for payment" in note.note
    assert subjects() == [f"Payment for order {order.number} did not go through"]
    assert "still open" in mail.outbox[0].body


def test_a_denied_capture_then_another_that_completes_pays(client, api, order, kettle):
    post_paypal(client, paypal_event("PAYMENT.CAPTURE.DENIED", order))
    post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))
    paid = fresh(order)
    assert paid.status == Status.PAID and not paid.needs_review and not paid.payment_failure
    assert stock(kettle) == (3, 0)


def test_a_reversed_approval_leaves_the_order_open(client, api, order, kettle):
    attempt = open_attempt(order)
    event = paypal_event("CHECKOUT.PAYMENT-APPROVAL.REVERSED", order)
    assert post_paypal(client, event).status_code == 200
    assert stored(event).status == WebhookEvent.Status.PROCESSED
    still = fresh(order)
    assert still.status == Status.AWAITING_PAYMENT and not still.needs_review
    assert stock(kettle) == (4, 1)
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.FAILED
    note = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.PAYMENT_FAILED)
    assert "still waiting for payment" in note.note
    assert still.payment_failure.startswith("PayPal reversed the approved payment")
    assert len(mail.outbox) == 1  # the shopper left PayPal's page long ago


def test_a_capture_after_the_order_was_cancelled_is_kept_for_review(client, api, order,
                                                                   kettle):
    orders.cancel_order(order_id=order.pk)
    post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))
    late = fresh(order)
    assert late.status == Status.CANCELLED and late.needs_review
    assert late.captured_total == order.total
    assert len(rows(order, Payment.Kind.CAPTURE)) == 1
    assert stock(kettle) == (4, 0)  # released when it was cancelled, not sold
    assert review_alerts(order)


# Reversals


def test_a_reversal_flags_the_paid_order_and_alerts_staff(client, api, order, kettle):
    capture_by_webhook(client, order)
    event = paypal_event("PAYMENT.CAPTURE.REVERSED", order, amount=order.total)
    assert post_paypal(client, event).status_code == 200
    flagged = fresh(order)
    assert flagged.status == Status.PAID and flagged.needs_review
    assert flagged.refunded_total == 0
    [reversal] = rows(order, Payment.Kind.REVERSAL)
    assert (reversal.capture_reference, reversal.amount) == (paypal_capture(order), order.total)
    assert any("reversed" in message for message in review_alerts(order))
    assert stock(kettle) == (3, 0)


def test_a_reversal_before_its_capture_waits_for_it(client, api, order):
    reversal = paypal_event("PAYMENT.CAPTURE.REVERSED", order, amount=order.total)
    assert post_paypal(client, reversal).status_code == 200
    assert stored(reversal).status == WebhookEvent.Status.WAITING
    assert not fresh(order).needs_review
    capture_by_webhook(client, order)
    assert stored(reversal).status == WebhookEvent.Status.PROCESSED
    assert fresh(order).needs_review and len(rows(order, Payment.Kind.REVERSAL)) == 1


def test_staff_replay_a_waiting_event_once_its_capture_is_there(client, api, staff_client,
                                                               order, monkeypatch):
    reversal = paypal_event("PAYMENT.CAPTURE.REVERSED", order, amount=order.total)
    post_paypal(client, reversal)
    # The capture is recorded, but the task that applies what waited for it never ran.
    monkeypatch.setattr(webhooks, "apply_waiting", lambda **capture: 0)
    capture_by_webhook(client, order)
    assert stored(reversal).status == WebhookEvent.Status.WAITING
    response = replay(staff_client, stored(reversal))
    assert "Replayed: 1 processed." in response.text
    assert fresh(order).needs_review and len(rows(order, Payment.Kind.REVERSAL)) == 1


# Bodies that are not PayPal's events


@pytest.mark.parametrize("body", [
    b'{"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": {"id": "C1"}}',
    b'{"event_type": "PAYMENT.CAPTURE.COMPLETED"}',
])
def test_a_signed_body_that_is_not_an_event_is_refused(client, api, order, body):
    response = post(client, PAYPAL_URL, body, paypal_headers(body))
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Status.AWAITING_PAYMENT
