"""Card payments through Stripe Checkout: opening a Checkout Session for an order, refunding
part of a capture, checking a webhook's Stripe-Signature, and listing recent events to catch
up on webhooks that never arrived. Reading the events is `stripe_events`.

Writes nothing to the database; `payments.services` applies what this module reads.
"""

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import stripe
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from payments.providers.base import (
    Delivery,
    PaymentStartError,
    ProviderUnavailable,
    RefundError,
    StartedPayment,
    StartedRefund,
    WebhookRejected,
)
from payments.providers.stripe_events import READERS, read_event, to_minor_units
from shop.models import Order

logger = logging.getLogger("payments.stripe")

TOLERANCE = 300  # seconds a webhook's signed timestamp may be away from now, either way
# Stripe keeps a Checkout Session open between 30 minutes and 24 hours after it creates it,
# by its own clock: a minute's slack either side keeps a request in transit within bounds.
SESSION_MINUTES = (30 + 1, 24 * 60 - 1)
MAX_LINE_ITEMS = 100  # Stripe's limit for a session in payment mode
# Stripe did not answer, or not now: a later try may work.
PASSING_ERRORS = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
# Stripe refused the shop's key: the settings need a person.
KEY_ERRORS = (stripe.AuthenticationError, stripe.PermissionError)


class StripeProvider:
    name = "stripe"

    def start_payment(
        self, order: Order, *, return_url: str, cancel_url: str, attempt_key: str
    ) -> StartedPayment:
        """Open a Checkout Session for the order's total; `attempt_key` makes a repeated
        call return the same session. Raises PaymentStartError with a message for the
        shopper, and logs the cause."""
        if not settings.STRIPE_SECRET_KEY:
            logger.error("Order %s: STRIPE_SECRET_KEY is empty, no payment started", order.number)
            raise PaymentStartError(_unavailable())
        try:
            params = _session_params(order, return_url=return_url, cancel_url=cancel_url)
        except ValueError as error:
            logger.error("Order %s cannot be paid by card: %s", order.number, error)
            raise PaymentStartError(_not_started()) from error
        try:
            session = _client().v1.checkout.sessions.create(
                params, {"idempotency_key": attempt_key}
            )
        except stripe.StripeError as error:
            raise PaymentStartError(_start_refused(error, order)) from error
        return StartedPayment(redirect_url=session.url, reference=session.id)

    def handle_return(self, order: Order, *, token: str) -> None:
        """Nothing to do: Stripe's webhooks report the payment."""
        return None

    def refund(
        self, *, capture_reference: str, amount: Decimal, currency: str, request_key: str
    ) -> StartedRefund:
        """Refund part of a PaymentIntent, `request_key` being the idempotency key and kept in
        the refund's metadata (charge.refunded echoes it). Raises RefundError when Stripe
        refuses, ProviderUnavailable when it does not answer."""
        if amount <= 0:
            raise RefundError("A refund must be more than zero.")
        try:
            minor = to_minor_units(amount, currency)
        except ValueError as error:
            raise RefundError(
                f"Stripe cannot refund {amount} {currency}: the currency has no such fractions."
            ) from error
        if not settings.STRIPE_SECRET_KEY:
            raise RefundError("Stripe is not set up: STRIPE_SECRET_KEY is empty.")
        try:
            refund = _client().v1.refunds.create(
                {"payment_intent": capture_reference, "amount": minor,
                 "metadata": {"refund_request": request_key}},
                {"idempotency_key": request_key},
            )
        except PASSING_ERRORS as error:
            _log_error(logging.WARNING, f"Refund of {capture_reference} not sent", error)
            raise ProviderUnavailable(
                "Stripe did not answer the refund request. Try again in a few minutes."
            ) from error
        except KEY_ERRORS as error:
            _log_error(logging.ERROR, f"Refund of {capture_reference} refused", error)
            raise RefundError(
                "Stripe refused the shop's API key for refunds: check STRIPE_SECRET_KEY and "
                "the key's permissions."
            ) from error
        except stripe.StripeError as error:
            _log_error(logging.WARNING, f"Refund of {capture_reference} refused", error)
            reason = _redact(error.user_message or "") or "no reason given"
            raise RefundError(f"Stripe refused the refund: {reason}") from error
        return StartedRefund(reference=refund.id)

    def verify_webhook(self, request: HttpRequest) -> str:
        """Check the Stripe-Signature header: an HMAC-SHA256 of "{t}.{body}" with the
        endpoint's secret, in any one of its v1 values, signed at most TOLERANCE seconds
        from now. Raises WebhookRejected with the reason."""
        header = request.headers.get("Stripe-Signature", "")
        if not header:
            raise WebhookRejected("no Stripe-Signature header")
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("STRIPE_WEBHOOK_SECRET is not set")
        body = request.body
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise WebhookRejected("the body is not UTF-8") from error
        timestamp, signatures = _read_signature_header(header)
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        if not any(hmac.compare_digest(expected.encode(), sig.encode()) for sig in signatures):
            raise WebhookRejected("no v1 signature matches")
        if abs(time.time() - int(timestamp)) > TOLERANCE:
            raise WebhookRejected(f"signed more than {TOLERANCE} seconds away from now")
        return "Stripe-Signature v1 (HMAC-SHA256)"

    def read_webhook(self, body: bytes) -> Delivery:
        return read_event(body)

    def recent_events(self, *, since: datetime) -> Iterator[tuple[Delivery, bytes]]:
        """Stripe's events of the handled types created since `since` (Stripe keeps 30
        days), newest first, each read and with its JSON as the API listed it. Raises
        ProviderUnavailable when Stripe cannot be asked."""
        params = {"created": {"gte": int(since.timestamp())}, "types": list(READERS),
                  "limit": 100}
        client = _client()
        while True:
            try:
                page = client.v1.events.list(params)
            except stripe.StripeError as error:
                _log_error(logging.ERROR, f"Events since {since.isoformat()} not listed", error)
                raise ProviderUnavailable("Stripe's list of events could not be read.") from error
            events = page.last_response.data["data"]
            for event in events:
                raw = json.dumps(event).encode()
                yield self.read_webhook(raw), raw
            if not (page.has_more and events):
                return
            params = {**params, "starting_after": events[-1]["id"]}


# The API client, and starting a payment


@lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key=api_key,
        base_addresses={"api": api_base},
        max_network_retries=2,
        # A shopper waits on this call: give up on a silent connection long before the
        # SDK's default of 80 seconds.
        http_client=stripe.RequestsClient(timeout=(5, 30)),
    )


def _client() -> stripe.StripeClient:
    """A client for the current settings (tests change them)."""
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def _session_params(order: Order, *, return_url: str, cancel_url: str) -> dict:
    minutes = min(max(SESSION_MINUTES[0], settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
                  SESSION_MINUTES[1])
    metadata = {"order": order.number}
    return {
        "mode": "payment",
        "line_items": _line_items(order),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "client_reference_id": order.number,
        "customer_email": order.email,
        "success_url": f"{return_url}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": cancel_url,
        "expires_at": int((timezone.now() + timedelta(minutes=minutes)).timestamp()),
    }


def _line_items(order: Order) -> list[dict]:
    """The order as Checkout shows it: its lines, shipping and tax, adding up to its total
    exactly. Checkout has no discount line, so a discounted line is sent as one item at what
    is paid for it ("Tee × 3") and shipping at what is paid for it; an order whose items do
    not add up to its total, or has too many, is one line for its total."""
    total = to_minor_units(order.total, order.currency)
    items = [
        _line_item(f"{line.name} × {line.quantity}", line.paid, order.currency)
        if line.discount else _line_item(line.name, line.unit_price, order.currency, line.quantity)
        for line in order.lines.all()
    ]
    shipping = order.shipping_total - order.shipping_discount
    if shipping:
        items.append(_line_item(f"Shipping ({order.shipping_method_name})", shipping,
                                order.currency))
    if order.tax_total:
        items.append(_line_item("Tax", order.tax_total, order.currency))
    charged = sum(item["price_data"]["unit_amount"] * item["quantity"] for item in items)
    if charged == total and len(items) <= MAX_LINE_ITEMS:
        return items
    if charged != total:
        logger.warning("Order %s: its lines come to %s, not its total %s; sent as one line",
                       order.number, charged, total)
    return [_line_item(f"Order {order.number}", order.total, order.currency)]


def _line_item(name: str, unit_price: Decimal, currency: str, quantity: int = 1) -> dict:
    return {
        "price_data": {
            "currency": currency.lower(),
            "unit_amount": to_minor_units(unit_price, currency),
            "product_data": {"name": name},
        },
        "quantity": quantity,
    }


def _start_refused(error: stripe.StripeError, order: Order) -> str:
    """The shopper's message for an error Stripe raised; the cause goes to the log."""
    what = f"Order {order.number}: payment not started"
    if isinstance(error, PASSING_ERRORS):
        _log_error(logging.WARNING, what, error)
        return _unavailable()
    if isinstance(error, KEY_ERRORS):
        _log_error(logging.ERROR, f"{what}, check STRIPE_SECRET_KEY", error)
        return _unavailable()
    if isinstance(error, stripe.CardError):
        _log_error(logging.INFO, what, error)
        reason = (error.user_message or "The card was declined.").strip()
        return f"The card payment could not be started: {reason} Try another card{_or_paypal()}."
    _log_error(logging.ERROR, what, error)
    return _not_started()


def _unavailable() -> str:
    return f"Card payments are not available right now. Try again in a few minutes{_or_paypal()}."


def _not_started() -> str:
    return f"The card payment could not be started. Try again{_or_paypal()}."


def _or_paypal() -> str:
    return ", or pay with PayPal" if "paypal" in settings.PAYMENT_PROVIDERS else ""


def _log_error(level: int, what: str, error: stripe.StripeError) -> None:
    """One log line for a Stripe error, with Stripe's request id and no key in it."""
    logger.log(
        level, "%s: %s %s (HTTP %s, code %s, request %s)", what, type(error).__name__,
        _redact(error.user_message or ""), error.http_status, error.code, error.request_id,
    )


def _redact(text: str) -> str:
    """Stripe's message without the API key (a stand-in or a proxy may echo it whole)."""
    key = settings.STRIPE_SECRET_KEY
    return text.replace(key, "[key]") if key else text


# Webhooks


def _read_signature_header(header: str) -> tuple[str, list[str]]:
    """The header's one timestamp and its v1 signatures (one per secret while a secret is
    being rolled); other schemes such as v0 are ignored."""
    timestamps, signatures = [], []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamps.append(value)
        elif key == "v1" and value:
            signatures.append(value)
    if len(timestamps) != 1 or not timestamps[0].isascii() or not timestamps[0].isdigit():
        raise WebhookRejected("the Stripe-Signature header has no valid t=")
    if not signatures:
        raise WebhookRejected("the Stripe-Signature header has no v1=")
    return timestamps[0], signatures
