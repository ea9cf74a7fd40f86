"""PayPal, over its REST API: an Orders v2 order the shopper approves on PayPal, captured
when they come back; refunds of captures; webhooks verified (payments.providers.
paypal_certificates, or PayPal's verify API) and read (paypal_events).

Only webhooks fulfil an order. Nothing here writes to the database; the access token and
PayPal's certificates are kept in the cache. Causes are logged on `payments.paypal`, never
with a credential or a token.
"""

import json
import logging
import re
from decimal import ROUND_HALF_UP, Decimal

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from payments.providers.base import (
    Delivery,
    PaymentStartError,
    ProviderUnavailable,
    RefundError,
    StartedPayment,
    StartedRefund,
    WebhookRejected,
)
from payments.providers.paypal_certificates import check_transmission_time
from payments.providers.paypal_certificates import verify as verify_certificate
from payments.providers.paypal_events import first_unit, link, read_event
from shop.models import Order

log = logging.getLogger("payments.paypal")
session = requests.Session()
TIMEOUT = (3, 8)  # seconds to connect, to read
# A cached access token is dropped this long before PayPal expires it.
TOKEN_MARGIN_SECONDS = 300
# Currencies PayPal takes without decimals.
ZERO_DECIMAL_CURRENCIES = frozenset({"HUF", "JPY", "TWD"})
PAYPAL_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
TRANSMISSION_HEADERS = {
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "cert_url": "PAYPAL-CERT-URL",
    "auth_algo": "PAYPAL-AUTH-ALGO",
}

UNAVAILABLE = "PayPal is not available right now. Try again in a few minutes, or pay by card."
NOT_STARTED = "PayPal could not set up this payment. Try again, or pay by card."
DECLINED = ("PayPal declined the payment. Try again with another card or account in PayPal, "
            "or pay by card.")
NOT_CONFIRMED = ("PayPal did not confirm the payment. Try again in a few minutes: "
                 "you will not be charged twice.")
NOT_THIS_ORDER = ("This PayPal payment is not for this order. Start the payment again from "
                  "your order page.")


class _Unreachable(Exception):
    """PayPal did not answer, answered with a server error, or refused the shop's
    credentials: nothing was decided, a later try may work."""


class _Refused(Exception):
    """PayPal answered a call with a 4xx error."""

    def __init__(self, response: requests.Response):
        body = _json(response)
        details = body.get("details")
        detail = details[0] if isinstance(details, list) and details else {}
        self.status = response.status_code
        self.issue = str(detail.get("issue", "")) if isinstance(detail, dict) else ""
        description = detail.get("description", "") if isinstance(detail, dict) else ""
        self.message = str(description or body.get("message", "") or response.reason)
        super().__init__(f"HTTP {self.status} {body.get('name', '')} {self.issue}: "
                         f"{self.message} (debug id {body.get('debug_id', '')})")


class PayPalProvider:
    name = "paypal"

    def start_payment(
        self, order: Order, *, return_url: str, cancel_url: str, attempt_key: str
    ) -> StartedPayment:
        """Create a PayPal order for the shop's order; the shopper approves it on PayPal."""
        try:
            created = _call("POST", "/v2/checkout/orders",
                            body=_order_body(order, return_url, cancel_url),
                            headers={"PayPal-Request-Id": attempt_key,
                                     "Prefer": "return=minimal"})
        except _Unreachable as error:
            log.warning("PayPal order for %s not created: %s", order.number, error)
            raise PaymentStartError(UNAVAILABLE) from error
        except _Refused as error:
            log.error("PayPal refused an order for %s: %s", order.number, error)
            raise PaymentStartError(NOT_STARTED) from error
        redirect_url = link(created, "payer-action") or link(created, "approve")
        if not redirect_url or not created.get("id"):
            log.error("PayPal order for %s came without an approval link: %s",
                      order.number, created)
            raise PaymentStartError(UNAVAILABLE)
        return StartedPayment(redirect_url=redirect_url, reference=str(created["id"]))

    def handle_return(self, order: Order, *, token: str) -> None:
        """Capture the PayPal order named by `token` (the return URL's `?token=`), once it
        is checked to be this order's. Completed or pending is enough: the webhook
        fulfils."""
        paypal_id = token
        if not PAYPAL_ID.fullmatch(paypal_id):
            log.warning("Return from PayPal for %s without a valid token.", order.number)
            raise PaymentStartError(NOT_THIS_ORDER)
        try:
            paypal_order = _call("GET", f"/v2/checkout/orders/{paypal_id}")
        except _Unreachable as error:
            log.warning("PayPal order %s for %s not read: %s", paypal_id, order.number, error)
            raise PaymentStartError(NOT_CONFIRMED) from error
        except _Refused as error:
            log.warning("PayPal order %s for %s not found: %s", paypal_id, order.number, error)
            raise PaymentStartError(NOT_THIS_ORDER) from error
        if not _is_for(paypal_order, order):
            log.warning("PayPal order %s is not for %s.", paypal_id, order.number)
            raise PaymentStartError(NOT_THIS_ORDER)
        if paypal_order.get("status") == "COMPLETED":
            return None
        _capture(paypal_id, order)
        return None

    def refund(
        self, *, capture_reference: str, amount: Decimal, currency: str, request_key: str
    ) -> StartedRefund:
        """Refund part of a capture; PayPal echoes `request_key` back as the refund's
        custom_id in its webhook."""
        if not PAYPAL_ID.fullmatch(capture_reference):
            raise RefundError(f"{capture_reference!r} is not a PayPal capture id.")
        if amount <= 0:
            raise RefundError("A refund must be for more than nothing.")
        body = {
            "amount": {"value": _value(amount, currency), "currency_code": currency},
            "custom_id": request_key,
            "note_to_payer": f"Refund from {settings.STORE_NAME}",
        }
        try:
            refunded = _call("POST", f"/v2/payments/captures/{capture_reference}/refund",
                             body=body, headers={"PayPal-Request-Id": request_key,
                                                 "Prefer": "return=representation"})
        except _Unreachable as error:
            log.warning("PayPal refund %s of %s not made: %s",
                        request_key, capture_reference, error)
            raise ProviderUnavailable(
                "PayPal did not answer the refund. Try again in a few minutes."
            ) from error
        except _Refused as error:
            log.warning("PayPal refused refund %s of %s: %s",
                        request_key, capture_reference, error)
            raise RefundError(f"PayPal refused the refund: {error.message}") from error
        if not refunded.get("id"):
            raise ProviderUnavailable("PayPal accepted the refund without naming it.")
        return StartedRefund(reference=str(refunded["id"]))

    def verify_webhook(self, request: HttpRequest) -> str:
        """Check the transmission's signature, by PAYPAL_WEBHOOK_VERIFICATION: here with
        PayPal's certificate, or by asking PayPal. Raises WebhookRejected, or
        ProviderUnavailable when PayPal could not be asked (the webhook is retried)."""
        webhook_id = settings.PAYPAL_WEBHOOK_ID
        if not webhook_id:
            raise WebhookRejected("PAYPAL_WEBHOOK_ID is not set: no PayPal webhook can be "
                                  "verified.")
        transmission = {}
        for field, header in TRANSMISSION_HEADERS.items():
            transmission[field] = request.headers.get(header, "")
            if not transmission[field]:
                raise WebhookRejected(f"The {header} header is missing.")
        check_transmission_time(transmission["transmission_time"])
        if settings.PAYPAL_WEBHOOK_VERIFICATION == "api":
            _verify_by_api(transmission, request.body, webhook_id)
            return "PayPal verify-webhook-signature API"
        name = verify_certificate(
            transmission_id=transmission["transmission_id"],
            transmission_time=transmission["transmission_time"],
            signature=transmission["transmission_sig"],
            cert_url=transmission["cert_url"],
            auth_algo=transmission["auth_algo"],
            webhook_id=webhook_id,
            body=request.body,
        )
        return f"PayPal certificate {name}"

    def read_webhook(self, body: bytes) -> Delivery:
        return read_event(body)


# Calls to PayPal's API ---------------------------------------------------------------------


def _call(method: str, path: str, *, body: dict | None = None, data: bytes | None = None,
          headers: dict | None = None) -> dict:
    """One API call with a cached access token; a 401 drops the token and tries once more
    with a new one. Raises _Unreachable or _Refused."""
    for attempt in (1, 2):
        token = _access_token()
        try:
            response = session.request(
                method, settings.PAYPAL_API_BASE + path, json=body, data=data,
                headers={"Authorization": f"Bearer {token}", **(headers or {})},
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            raise _Unreachable(f"{method} {path}: {type(error).__name__}") from error
        if response.status_code != 401:
            break
        cache.delete(_token_key())
        if attempt == 2:
            raise _Unreachable(f"{method} {path}: HTTP 401 with a new access token")
    if response.status_code >= 500:
        raise _Unreachable(f"{method} {path}: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise _Refused(response)
    return _json(response)


def _access_token() -> str:
    """An OAuth2 client-credentials token, cached until shortly before it expires."""
    key = _token_key()
    token = cache.get(key)
    if token:
        return token
    if not (settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET):
        raise _Unreachable("PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are not both set")
    try:
        response = session.post(
            settings.PAYPAL_API_BASE + "/v1/oauth2/token",
            auth=(settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET),
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise _Unreachable(f"access token: {type(error).__name__}") from error
    body = _json(response)
    token = body.get("access_token")
    if response.status_code != 200 or not isinstance(token, str) or not token:
        raise _Unreachable(f"access token: HTTP {response.status_code} "
                           f"{body.get('error', '')} {body.get('error_description', '')}")
    try:
        lifetime = int(body.get("expires_in", 0)) - TOKEN_MARGIN_SECONDS
    except (TypeError, ValueError):
        lifetime = 0
    if lifetime > 0:
        cache.set(key, token, lifetime)
    return token


def _token_key() -> str:
    return f"payments:paypal:token:{settings.PAYPAL_MODE}:{settings.PAYPAL_CLIENT_ID}"


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# Paying ------------------------------------------------------------------------------------


def _order_body(order: Order, return_url: str, cancel_url: str) -> dict:
    """The Orders v2 request: one purchase unit named by the order number, its breakdown
    adding up to the total as PayPal checks, and the pages PayPal sends the shopper to."""
    currency = order.currency

    def money(amount: Decimal) -> dict:
        return {"currency_code": currency, "value": _value(amount, currency)}

    return {
        "intent": "CAPTURE",
        "purchase_units": [{
            "reference_id": order.number,
            "custom_id": order.number,
            "invoice_id": order.number,
            "amount": {
                **money(order.total),
                "breakdown": {
                    "item_total": money(order.subtotal),
                    "shipping": money(order.shipping_total),
                    "tax_total": money(order.tax_total),
                    "discount": money(order.discount_total - order.shipping_discount),
                    "shipping_discount": money(order.shipping_discount),
                },
            },
            "items": [
                {"name": line.name[:127], "sku": line.sku[:127],
                 "quantity": str(line.quantity), "unit_amount": money(line.unit_price)}
                for line in order.lines.all()
            ],
        }],
        "payment_source": {"paypal": {"experience_context": {
            "return_url": return_url,
            "cancel_url": cancel_url,
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
            "brand_name": settings.STORE_NAME[:127],
        }}},
    }


def _value(amount: Decimal, currency: str) -> str:
    """An amount as PayPal writes it: two places, none for currencies without decimals."""
    places = Decimal("1") if currency.upper() in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    return str(Decimal(amount).quantize(places, rounding=ROUND_HALF_UP))


def _is_for(paypal_order: dict, order: Order) -> bool:
    unit = first_unit(paypal_order)
    return order.number in (unit.get("custom_id"), unit.get("reference_id"))


def _capture(paypal_id: str, order: Order) -> None:
    """Capture an approved PayPal order. The request id makes a repeat harmless."""
    try:
        captured = _call("POST", f"/v2/checkout/orders/{paypal_id}/capture", body={},
                         headers={"PayPal-Request-Id": f"capture-{paypal_id}",
                                  "Prefer": "return=representation"})
    except _Unreachable as error:
        log.warning("PayPal order %s for %s not captured: %s", paypal_id, order.number, error)
        raise PaymentStartError(NOT_CONFIRMED) from error
    except _Refused as error:
        if error.issue == "ORDER_ALREADY_CAPTURED":
            return
        log.warning("PayPal declined capturing %s for %s: %s", paypal_id, order.number, error)
        raise PaymentStartError(DECLINED) from error
    statuses = {
        capture.get("status")
        for unit in captured.get("purchase_units") or []
        for capture in ((unit.get("payments") or {}).get("captures") or [])
    }
    if not statuses & {"COMPLETED", "PENDING"}:
        log.warning("PayPal capture of %s for %s ended %s.", paypal_id, order.number, statuses)
        raise PaymentStartError(DECLINED)


# Webhooks ----------------------------------------------------------------------------------


def _verify_by_api(transmission: dict, body: bytes, webhook_id: str) -> None:
    """Ask PayPal to check the signature. The event goes back byte for byte as it came,
    spliced into the request: PayPal checks the CRC32 of exactly those bytes."""
    try:
        if not isinstance(json.loads(body), dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError):
        raise WebhookRejected("The PayPal webhook's body is not a JSON object.") from None
    fields = json.dumps({**transmission, "webhook_id": webhook_id})
    payload = fields[:-1].encode() + b', "webhook_event": ' + body + b"}"
    try:
        answer = _call("POST", "/v1/notifications/verify-webhook-signature", data=payload,
                       headers={"Content-Type": "application/json"})
    except _Unreachable as error:
        log.warning("PayPal webhook signature not checked: %s", error)
        raise ProviderUnavailable("PayPal could not check the webhook signature.") from error
    except _Refused as error:
        raise WebhookRejected(f"PayPal refused to check the signature: {error}") from error
    status = answer.get("verification_status")
    if status != "SUCCESS":
        raise WebhookRejected(f"PayPal says the signature is not valid ({status}).")
