"""The webhook contract, the same for every provider (payments.views): a delivery is verified
before anything is stored, stored once, applied once, answered 500 while applying fails so
the provider sends it again, and replayed by staff from the inbox. Each test runs for Stripe
and for PayPal, with their events signed as they sign them; what only one provider does is
in test_stripe_webhooks.py and test_paypal_webhooks.py."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from payments import services
from payments.models import Payment, WebhookEvent
from security.models import AuditEntry
from shop.models import Order, OrderEvent
from shop.services import orders
from tests.factories import VariantFactory
from tests.payments import paypal_signing
from tests.payments.webhook_helpers import (
    PAYPAL_URL,
    STRIPE_URL,
    as_body,
    database_gone,
    fresh,
    open_attempt,
    paypal_api,
    paypal_capture,
    paypal_event,
    paypal_headers,
    post,
    replay,
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


@dataclass(frozen=True)
class Provider:
    """What the contract needs to know of one provider's webhooks."""

    name: str
    url: str
    event: Callable[..., dict]  # (type, order, **changes) → the provider's event
    sign: Callable[[bytes], dict[str, str]]  # the signature headers of a body, as META
    capture_type: str  # the event reporting the order's total captured
    ignored: Callable[[Order], dict]  # an event of a type the shop does not act on
    capture_reference: Callable[[Order], str]  # the capture's id in the provider's events
    # Dotted changes that make the capture name an order of another shop, ELSEWHERE-9.
    another_shop: dict[str, str]
    verified_by: str  # how the stored event says it was verified
    refused_because: str  # in the security log line of a body its signature does not fit

    def capture(self, order: Order, **changes) -> dict:
        return self.event(self.capture_type, order, **changes)

    def deliver(self, client, event: dict | bytes):
        body = as_body(event)
        return post(client, self.url, body, self.sign(body))


STRIPE = Provider(
    name="stripe", url=STRIPE_URL, event=stripe_event, sign=stripe_headers,
    capture_type="payment_intent.succeeded",
    ignored=lambda order: stripe_event("payment_intent.succeeded", order,
                                       type="payment_intent.created"),
    capture_reference=stripe_intent,
    another_shop={"data.object.metadata.order": "ELSEWHERE-9"},
    verified_by="Stripe-Signature v1 (HMAC-SHA256)",
    refused_because="no v1 signature matches",
)
PAYPAL = Provider(
    name="paypal", url=PAYPAL_URL, event=paypal_event, sign=paypal_headers,
    capture_type="PAYMENT.CAPTURE.COMPLETED",
    ignored=lambda order: paypal_event("CHECKOUT.ORDER.APPROVED", order),
    capture_reference=paypal_capture,
    another_shop={"resource.custom_id": "ELSEWHERE-9", "resource.invoice_id": "ELSEWHERE-9"},
    verified_by=f"PayPal certificate {paypal_signing.PAYPAL_NAME}",
    refused_because="does not match",
)


@pytest.fixture(params=[STRIPE, PAYPAL], ids=lambda provider: provider.name)
def provider(request) -> Iterator[Provider]:
    if request.param is PAYPAL:
        with paypal_api():  # PayPal's certificate, served where the signature points
            yield PAYPAL
    else:
        yield STRIPE


@pytest.fixture
def lantern():
    return VariantFactory(on_hand=5, price=Decimal("24.00"))


@pytest.fixture
def order(provider, lantern):
    """Two lanterns, to be paid with the provider: two units reserved."""
    return place((lantern, 2), provider=provider.name)


def tampered(body: bytes) -> bytes:
    """The body changed after it was signed (one more space at its end)."""
    return body + b" "


# A valid delivery


def test_a_signed_capture_pays_the_order_once(client, provider, order, lantern):
    attempt = open_attempt(order)
    event = provider.capture(order)
    assert provider.deliver(client, event).status_code == 200
    paid = fresh(order)
    assert paid.status == Order.Status.PAID and paid.paid_at is not None
    assert paid.captured_total == order.total and not paid.needs_review
    [capture] = rows(order, Payment.Kind.CAPTURE)
    assert (capture.reference, capture.amount, capture.currency, capture.status) == (
        provider.capture_reference(order), order.total, "USD", Payment.Status.SUCCEEDED)
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.SUCCEEDED
    assert stock(lantern) == (3, 0)
    assert subjects() == [f"Order {order.number} is confirmed"]
    assert mail.outbox[0].to == [order.email]
    event_row = stored(event)
    assert event_row.status == WebhookEvent.Status.PROCESSED
    assert event_row.verified_by == provider.verified_by


# Signatures


@pytest.mark.parametrize("forge", [
    pytest.param(lambda provider, body: (tampered(body), provider.sign(body)),
                 id="tampered body"),
    pytest.param(lambda provider, body: (body, {}), id="no signature"),
])
def test_an_unproven_webhook_is_refused_and_nothing_is_stored(client, provider, order, lantern,
                                                              forge):
    body, headers = forge(provider, as_body(provider.capture(order)))
    response = post(client, provider.url, body, headers)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Order.Status.AWAITING_PAYMENT
    assert not Payment.objects.exists() and stock(lantern) == (5, 2)
    assert not mail.outbox


def test_a_refused_webhook_leaves_a_security_log_line(client, provider, order, caplog):
    body = as_body(provider.capture(order))
    with caplog.at_level(logging.WARNING, logger="security.webhooks"):
        post(client, provider.url, tampered(body), provider.sign(body))
    [line] = [r for r in caplog.records if r.name == "security.webhooks"]
    assert f"Rejected a {provider.name} webhook" in line.getMessage()
    assert provider.refused_because in line.getMessage()


def test_a_signed_body_that_is_not_an_event_is_refused(client, provider, order):
    body = b"not json"
    response = post(client, provider.url, body, provider.sign(body))
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert fresh(order).status == Order.Status.AWAITING_PAYMENT


# Delivered again


def test_the_same_event_ten_times_is_applied_once(client, provider, order, lantern):
    event = provider.capture(order)
    # Each delivery is signed again (PayPal's is a new transmission); the event id stays.
    answers = [provider.deliver(client, event).status_code for _ in range(10)]
    assert answers == [200] * 10
    assert WebhookEvent.objects.count() == 1
    assert len(rows(order)) == 1
    paid = fresh(order)
    assert paid.status == Order.Status.PAID and paid.captured_total == order.total
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAID).count() == 1
    assert stock(lantern) == (3, 0)
    assert len(mail.outbox) == 1


# Money that does not match


MISMATCHES = [
    pytest.param(lambda order: {"amount": order.total - Decimal("0.01")}, id="a cent short"),
    pytest.param(lambda order: {"amount": order.total * 2}, id="twice the total"),
    pytest.param(lambda order: {"currency": "EUR"}, id="another currency"),
]


@pytest.mark.parametrize("mismatch", MISMATCHES)
def test_a_capture_that_does_not_match_is_kept_but_does_not_pay(client, provider, order,
                                                                lantern, mismatch):
    change = mismatch(order)
    event = provider.capture(order, **change)
    assert provider.deliver(client, event).status_code == 200
    flagged = fresh(order)
    assert flagged.status == Order.Status.AWAITING_PAYMENT and flagged.paid_at is None
    assert flagged.needs_review
    [capture] = rows(order, Payment.Kind.CAPTURE)
    assert capture.currency == change.get("currency", "USD")
    assert capture.amount == change.get("amount", order.total)
    assert stock(lantern) == (5, 2)
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAYMENT_MISMATCH,
                                     is_internal=True).exists()
    assert review_alerts(order)
    assert not mail.outbox
    assert stored(event).status == WebhookEvent.Status.PROCESSED


@pytest.mark.parametrize("mismatch", MISMATCHES)
def test_an_order_with_a_mismatched_payment_waits_for_staff_instead_of_expiring(
    client, provider, order, lantern, mismatch
):
    provider.deliver(client, provider.capture(order, **mismatch(order)))
    assert orders.expire_unpaid_orders(now=timezone.now() + timedelta(days=1)) == 0
    assert fresh(order).status == Order.Status.AWAITING_PAYMENT
    assert stock(lantern) == (5, 2)


# Events this shop does not act on


def test_a_type_this_shop_does_not_act_on_is_stored_as_ignored(client, provider, order,
                                                               lantern):
    event = provider.ignored(order)
    assert provider.deliver(client, event).status_code == 200
    assert stored(event).status == WebhookEvent.Status.IGNORED
    assert fresh(order).status == Order.Status.AWAITING_PAYMENT
    assert not Payment.objects.exists() and stock(lantern) == (5, 2)


def test_a_capture_for_an_order_of_no_shop_is_stored_and_ignored(client, provider, order,
                                                                 lantern):
    event = provider.capture(order, **provider.another_shop)
    assert provider.deliver(client, event).status_code == 200
    event_row = stored(event)
    assert event_row.status == WebhookEvent.Status.IGNORED
    assert "ELSEWHERE-9" in event_row.error
    assert fresh(order).status == Order.Status.AWAITING_PAYMENT
    assert not Payment.objects.exists() and stock(lantern) == (5, 2)


# A failure while applying, and staff replaying


def test_a_failing_apply_answers_500_and_the_redelivery_applies_it(client, provider, order,
                                                                   lantern, monkeypatch):
    event = provider.capture(order)
    monkeypatch.setattr(services, "apply_event", database_gone)
    assert provider.deliver(client, event).status_code == 500
    failed = stored(event)
    assert failed.status == WebhookEvent.Status.FAILED and failed.attempts == 1
    assert "OperationalError" in failed.error
    assert fresh(order).status == Order.Status.AWAITING_PAYMENT and stock(lantern) == (5, 2)

    monkeypatch.undo()
    assert provider.deliver(client, event).status_code == 200
    applied = stored(event)
    assert (applied.status, applied.attempts, applied.error) == (
        WebhookEvent.Status.PROCESSED, 2, "")
    assert fresh(order).status == Order.Status.PAID and stock(lantern) == (3, 0)
    assert len(mail.outbox) == 1


def test_staff_replay_a_failed_event_from_the_inbox(client, provider, staff, staff_client,
                                                    order, monkeypatch):
    event = provider.capture(order)
    with monkeypatch.context() as patched:
        patched.setattr(services, "apply_event", database_gone)
        assert provider.deliver(client, event).status_code == 500
    failed = stored(event)
    response = replay(staff_client, failed)
    assert response.status_code == 200
    assert "Replayed: 1 processed." in response.text
    assert stored(event).status == WebhookEvent.Status.PROCESSED
    assert fresh(order).status == Order.Status.PAID
    entry = AuditEntry.objects.get(action="webhook.replayed")
    assert (entry.actor, entry.object_id, entry.details) == (
        staff, str(failed.pk), {"status": WebhookEvent.Status.PROCESSED})


def test_a_processed_event_is_not_replayed(client, provider, staff_client, order):
    event = provider.capture(order)
    provider.deliver(client, event)
    response = replay(staff_client, stored(event))
    assert "Only events that failed or wait can be replayed." in response.text
    assert stored(event).attempts == 1
    assert len(rows(order, Payment.Kind.CAPTURE)) == 1
