"""PayPal's webhook events read as PaymentEvents."""

import json
from decimal import Decimal, InvalidOperation
from functools import partial
from urllib.parse import urlsplit

from payments.providers.base import Delivery, EventKind, PaymentEvent
from shop.services.risk import ProviderVerdict

PROVIDER = "paypal"


def read_event(body: bytes) -> Delivery:
    """A verified webhook's event, read. Raises ValueError for a body that is not a
    PayPal event."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"A PayPal webhook that is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError("A PayPal webhook that is not a JSON object.")
    event_id, event_type = data.get("id"), data.get("event_type")
    if not (isinstance(event_id, str) and event_id
            and isinstance(event_type, str) and event_type):
        raise ValueError("A PayPal webhook without an id or an event_type.")
    resource = data.get("resource")
    if not isinstance(resource, dict):
        resource = {}
    reader = READERS.get(event_type)
    return Delivery(event_id=event_id, type=event_type,
                    event=reader(resource) if reader else None)


def link(resource: dict, rel: str) -> str:
    """The address of a PayPal resource's link with this rel, or ""."""
    for found in resource.get("links") or []:
        if isinstance(found, dict) and found.get("rel") == rel and found.get("href"):
            return str(found["href"])
    return ""


def first_unit(resource: dict) -> dict:
    """A PayPal order's first purchase unit, or {}."""
    units = resource.get("purchase_units")
    return units[0] if isinstance(units, list) and units and isinstance(units[0], dict) else {}


def _amount(resource: dict) -> tuple[Decimal, str]:
    amount = resource.get("amount") or {}
    try:
        return Decimal(str(amount["value"])), str(amount["currency_code"])
    except (KeyError, TypeError, InvalidOperation):
        raise ValueError("A PayPal payment without an amount.") from None


def _id(resource: dict) -> str:
    if not isinstance(resource.get("id"), str) or not resource["id"]:
        raise ValueError("A PayPal resource without an id.")
    return resource["id"]


def _up_capture(resource: dict) -> str:
    """The capture a refund belongs to, from its link rel "up" (…/v2/payments/captures/ID)."""
    parts = urlsplit(link(resource, "up")).path.rstrip("/").split("/")
    return parts[-1] if len(parts) >= 2 and parts[-2] == "captures" else ""


def _capture_event(kind: EventKind, resource: dict) -> PaymentEvent:
    """A capture completed, denied or pending; the order number is what the purchase unit
    carried (custom_id, or invoice_id)."""
    amount, currency = _amount(resource)
    related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
    reason = str((resource.get("status_details") or {}).get("reason") or "")
    notes = {EventKind.FAILED: "PayPal denied the payment" + (f" ({reason})." if reason else "."),
             EventKind.PENDING: f"PayPal is holding the payment: {reason or 'no reason given'}."}
    return PaymentEvent(
        provider=PROVIDER, kind=kind, reference=_id(resource),
        order_number=str(resource.get("custom_id") or resource.get("invoice_id") or ""),
        amount=amount, currency=currency,
        attempt_reference=str(related.get("order_id") or ""), note=notes.get(kind, ""),
        verdict=_verdict(resource) if kind == EventKind.CAPTURED else None,
    )


def _verdict(resource: dict) -> ProviderVerdict | None:
    """PayPal's seller protection on the capture: whether PayPal covers a fraud claim."""
    protection = resource.get("seller_protection")
    status = protection.get("status") if isinstance(protection, dict) else None
    return ProviderVerdict(seller_protection=str(status)) if status else None


def _refund_event(kind: EventKind, resource: dict) -> PaymentEvent:
    """A refund, or a reversal (PayPal reports both as a refund of a capture). A refund's
    custom_id is the shop's refund request (set by `refund`), so the order number can only
    come from invoice_id; the capture finds the order otherwise."""
    amount, currency = _amount(resource)
    return PaymentEvent(
        provider=PROVIDER, kind=kind, reference=_id(resource),
        order_number=str(resource.get("invoice_id") or ""), amount=amount, currency=currency,
        capture_reference=_up_capture(resource),
        refund_request=str(resource.get("custom_id") or "") if kind == EventKind.REFUNDED else "",
        note=str(resource.get("note_to_payer") or ""),
    )


def _approval_reversed(resource: dict) -> PaymentEvent:
    order_id = resource.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        raise ValueError("A reversed PayPal approval without an order_id.")
    unit = first_unit(resource)
    return PaymentEvent(
        provider=PROVIDER, kind=EventKind.FAILED,  # that PayPal order can no longer be paid
        reference=f"approval-reversed:{order_id}",
        order_number=str(unit.get("custom_id") or unit.get("reference_id") or ""),
        attempt_reference=order_id,
        note="PayPal reversed the approved payment: it was not captured in time.",
    )


READERS = {
    "PAYMENT.CAPTURE.COMPLETED": partial(_capture_event, EventKind.CAPTURED),
    "PAYMENT.CAPTURE.DENIED": partial(_capture_event, EventKind.FAILED),
    "PAYMENT.CAPTURE.PENDING": partial(_capture_event, EventKind.PENDING),
    "PAYMENT.CAPTURE.REFUNDED": partial(_refund_event, EventKind.REFUNDED),
    "PAYMENT.CAPTURE.REVERSED": partial(_refund_event, EventKind.REVERSED),
    "CHECKOUT.PAYMENT-APPROVAL.REVERSED": _approval_reversed,
}
