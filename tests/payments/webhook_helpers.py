"""Webhooks delivered as Stripe and PayPal deliver them, for tests: events from the fixtures
made to name a real order, signed posts to /webhooks/<provider>/ (the providers turned on by
the `providers_on` fixture of tests/payments/conftest.py), and what a test reads back.

    post_stripe(client, stripe_event("payment_intent.succeeded", order))
    with paypal_api():
        post_paypal(client, paypal_event("PAYMENT.CAPTURE.COMPLETED", order))

Each event gets an id of its own unless told (`event_id=`); posting the same dict again is a
redelivery. Stripe names an order's capture `pi_test_<number>`, PayPal `CAP-<number>`.
A post's after-commit work (emails, alerts, events that waited for their capture) runs when
it returns, as it does once a real request commits, also inside a test's transaction.
"""

import json
import uuid
from contextlib import contextmanager
from decimal import Decimal
from functools import cache

import responses
from django.core import mail
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, TestCase
from django.urls import reverse

from monitoring import alerts
from payments.models import Payment, WebhookEvent
from payments.providers.stripe import to_minor_units
from shop.models import Order
from tests.payments import fixture_events, paypal_signing, stripe_signing

STRIPE_SECRET_KEY = "sk_test_51ShopTestKey0000000000000000"
STRIPE_WEBHOOK_SECRET = "whsec_test_shop_endpoint_secret"
STRIPE_API = "https://api.stripe.com"
PAYPAL_API = "https://api-m.sandbox.paypal.com"
PAYPAL_WEBHOOK_ID = paypal_signing.WEBHOOK_ID
PAYPAL_CERT_URL = paypal_signing.CERT_URL
STRIPE_URL = "/webhooks/stripe/"
PAYPAL_URL = "/webhooks/paypal/"


# Stripe -------------------------------------------------------------------------------------


def stripe_intent(order: Order) -> str:
    """The PaymentIntent (the capture reference) Stripe events name for this order."""
    return f"pi_test_{order.number}"


def stripe_session(order: Order) -> str:
    return f"cs_test_{order.number}"


def stripe_event(
    name: str, order: Order, *, event_id: str | None = None, amount: Decimal | None = None,
    currency: str | None = None, refunded: Decimal | None = None, **changes,
) -> dict:
    """The Stripe fixture `name` about `order`: its number in the metadata, its session and
    PaymentIntent, and its total (or `amount`) in `currency` (the order's unless told).
    For charge.refunded, `refunded` is the running total refunded on the charge. Dotted
    `changes` are applied last, as stripe_signing.event() does."""
    currency = (currency or order.currency).lower()
    minor = to_minor_units(order.total if amount is None else amount, currency)
    data = stripe_signing.event(name)
    data["id"] = event_id or f"evt_test_{uuid.uuid4().hex}"
    obj = data["data"]["object"]
    if "metadata" in obj and obj.get("object") != "dispute":
        obj["metadata"] = {**(obj["metadata"] or {}), "order": order.number}
    if "client_reference_id" in obj:
        obj["client_reference_id"] = order.number
    if obj.get("object") == "checkout.session":
        obj["id"] = stripe_session(order)
        if obj.get("payment_intent"):
            obj["payment_intent"] = stripe_intent(order)
    elif obj.get("object") == "payment_intent":
        obj["id"] = stripe_intent(order)
    elif "payment_intent" in obj:
        obj["payment_intent"] = stripe_intent(order)
    if obj.get("object") == "charge":
        obj["id"] = f"ch_test_{order.number}"
    elif obj.get("object") == "dispute":
        obj["charge"] = f"ch_test_{order.number}"
    for field in ("amount_total", "amount_subtotal", "amount"):
        if field in obj:
            obj[field] = minor
    if obj.get("amount_received"):
        obj["amount_received"] = minor
    if "currency" in obj:
        obj["currency"] = currency
    if refunded is not None:
        obj["amount_refunded"] = to_minor_units(refunded, currency)
    for refund in (obj.get("refunds") or {}).get("data") or []:
        refund["charge"] = obj["id"]
        refund["payment_intent"] = stripe_intent(order)
        refund["currency"] = currency
    return fixture_events.changed(data, changes)


def stripe_headers(
    body: bytes, *, secret: str = STRIPE_WEBHOOK_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The Stripe-Signature header for `body`, as request META."""
    return {"HTTP_STRIPE_SIGNATURE": stripe_signing.sign(body, secret, timestamp=timestamp)}


def post_stripe(client: Client, event: dict | bytes, **signing) -> HttpResponse:
    """Post the event to the Stripe webhook, signed (`secret=`, `timestamp=`)."""
    body = as_body(event)
    return post(client, STRIPE_URL, body, stripe_headers(body, **signing))


def stripe_request(event: dict | bytes, **signing) -> HttpRequest:
    """The signed Stripe webhook as a request, for calling payments.views.webhook."""
    body = as_body(event)
    return RequestFactory().post(STRIPE_URL, data=body, content_type="application/json",
                                 **stripe_headers(body, **signing))


# PayPal -------------------------------------------------------------------------------------


def paypal_capture(order: Order) -> str:
    """The capture id PayPal events name for this order."""
    return f"CAP-{order.number}"


def paypal_order_id(order: Order) -> str:
    return f"PPO-{order.number}"


def paypal_event(
    name: str, order: Order, *, event_id: str | None = None, amount: Decimal | None = None,
    currency: str | None = None, **changes,
) -> dict:
    """The PayPal fixture `name` about `order`: its number as custom_id and invoice_id, its
    capture and PayPal order ids, and for captures its total (or `amount`) in `currency`.
    A refund or reversal has an id of its own and keeps the fixture's amount unless `amount`
    is given; a refund has no custom_id (the shop's refund request, "refund-<pk>") unless
    `**{"resource.custom_id": …}` gives one."""
    data = paypal_signing.event(name)
    data["id"] = event_id or f"WH-TEST-{uuid.uuid4().hex.upper()}"
    resource = data["resource"]
    currency = currency or order.currency
    if data.get("resource_type") == "capture":
        resource["id"] = paypal_capture(order) if name.endswith("COMPLETED") else (
            f"{name.rsplit('.', 1)[-1]}-{order.number}")
        resource["custom_id"] = order.number
        resource["invoice_id"] = order.number
        resource["supplementary_data"]["related_ids"]["order_id"] = paypal_order_id(order)
        _set_amount(resource, order.total if amount is None else amount, currency)
    elif data.get("resource_type") == "refund":
        resource["id"] = f"{name.rsplit('.', 1)[-1]}-{uuid.uuid4().hex[:12].upper()}"
        resource.pop("custom_id", None)  # the refund request, when the shop asked: give it
        if "invoice_id" in resource:
            resource["invoice_id"] = order.number
        for link in resource["links"]:
            if link["rel"] == "up":
                link["href"] = (
                    f"https://api.paypal.com/v2/payments/captures/{paypal_capture(order)}")
        if amount is not None:
            _set_amount(resource, amount, currency)
    elif data.get("resource_type") == "checkout-order":
        # The PayPal order itself, or (an approval reversed) the one it names.
        resource["order_id" if "order_id" in resource else "id"] = paypal_order_id(order)
        for unit in resource["purchase_units"]:
            unit.update(reference_id=order.number, custom_id=order.number,
                        invoice_id=order.number)
    return fixture_events.changed(data, changes)


@cache
def paypal_certificate() -> paypal_signing.Certificate:
    """PayPal's certificate for the run (its key is paypal_signing.rsa_key("paypal"))."""
    return paypal_signing.certificate()


@contextmanager
def paypal_api(certificate: paypal_signing.Certificate | None = None):
    """PayPal's API stubbed with `responses`: the certificate (PayPal's unless told) served
    at PAYPAL_CERT_URL, and an access token ("token-1") granted. Yields the RequestsMock for
    tests to add more answers; nothing else answers, and nothing outside is reached."""
    served = certificate or paypal_certificate()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(PAYPAL_CERT_URL, body=served.pem)
        mock.post(f"{PAYPAL_API}/v1/oauth2/token",
                  json={"access_token": "token-1", "token_type": "Bearer", "expires_in": 32400})
        yield mock


def paypal_headers(
    body: bytes, *, key=None, webhook_id: str = PAYPAL_WEBHOOK_ID,
    cert_url: str = PAYPAL_CERT_URL, transmission_time: str | None = None,
    transmission_id: str | None = None,
) -> dict[str, str]:
    """PayPal's transmission headers for `body`, as request META, signed with `key`
    (PayPal's unless told)."""
    headers = paypal_signing.sign(
        body, webhook_id=webhook_id, key=key or paypal_signing.rsa_key("paypal"),
        cert_url=cert_url, transmission_id=transmission_id,
        transmission_time=transmission_time,
    )
    return {"HTTP_" + name.replace("-", "_"): value for name, value in headers.items()}


def post_paypal(client: Client, event: dict | bytes, **signing) -> HttpResponse:
    """Post the event to the PayPal webhook, signed (see paypal_headers). The certificate
    must be served: call inside `with paypal_api():`."""
    body = as_body(event)
    return post(client, PAYPAL_URL, body, paypal_headers(body, **signing))


def paypal_request(event: dict | bytes, **signing) -> HttpRequest:
    body = as_body(event)
    return RequestFactory().post(PAYPAL_URL, data=body, content_type="application/json",
                                 **paypal_headers(body, **signing))


# Both ---------------------------------------------------------------------------------------


def post(client: Client, url: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
    """Post a raw webhook body with these headers (as META), running what the request left
    for after its commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data=body, content_type="application/json", **headers)


def as_body(event: dict | bytes) -> bytes:
    return event if isinstance(event, bytes) else json.dumps(event).encode()


def _set_amount(resource: dict, amount: Decimal, currency: str) -> None:
    resource["amount"] = {"currency_code": currency, "value": str(amount)}


def open_attempt(order: Order) -> Payment:
    """The attempt start_payment records once the order's provider opened its payment page
    (Stripe's Checkout Session, PayPal's order)."""
    reference = (stripe_session(order) if order.payment_provider == "stripe"
                 else paypal_order_id(order))
    return Payment.objects.create(
        order=order, provider=order.payment_provider, kind=Payment.Kind.ATTEMPT,
        status=Payment.Status.PENDING, amount=order.total, currency=order.currency,
        reference=reference,
    )


def database_gone(event) -> None:
    """In place of payments.services.apply_event: a failure that may pass."""
    raise OperationalError("server closed the connection unexpectedly")


def capture_by_webhook(client: Client, order: Order, name: str | None = None) -> Order:
    """Deliver the webhook in which the order's provider reports capturing its total (`name`,
    else Stripe's payment_intent.succeeded or PayPal's PAYMENT.CAPTURE.COMPLETED, PayPal's
    inside `with paypal_api():`), check it was taken and paid the order; returns the order
    read again."""
    if order.payment_provider == "stripe":
        response = post_stripe(client, stripe_event(name or "payment_intent.succeeded", order))
    else:
        response = post_paypal(client, paypal_event(name or "PAYMENT.CAPTURE.COMPLETED", order))
    assert response.status_code == 200
    paid = fresh(order)
    assert paid.status == Order.Status.PAID
    return paid


def replay(staff_client: Client, stored: WebhookEvent) -> HttpResponse:
    """Staff replay the stored event from the admin's webhook inbox."""
    return staff_client.post(
        reverse("admin:payments_webhookevent_changelist"),
        {"action": "replay", "_selected_action": [stored.pk]}, follow=True,
    )


# What a test reads back ---------------------------------------------------------------------


def subjects() -> list[str]:
    """The subjects of the emails sent, without the store's name in front."""
    return [message.subject.split("] ", 1)[1] for message in mail.outbox]


def review_alerts(order: Order) -> list[str]:
    """The messages of the alerts asking staff to review this order's payment."""
    return [alert.message for alert in alerts.active_alerts()
            if alert.kind == alerts.PAYMENT_REVIEW and order.number in alert.message]


def stored(event: dict) -> WebhookEvent:
    """The inbox's row for the event, under the provider whose events have its shape
    (PayPal's name their type `event_type`, Stripe's `type`)."""
    provider = "paypal" if "event_type" in event else "stripe"
    return WebhookEvent.objects.get(provider=provider, event_id=event["id"])


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def rows(order, kind=None) -> list[Payment]:
    """The order's payment rows, of one kind if given."""
    payments = Payment.objects.filter(order=order)
    return list(payments.filter(kind=kind) if kind else payments)
