"""Stripe's events read as PaymentEvents, and Stripe's amounts in minor units.

The capture reference is always the PaymentIntent's id (`pi_…`): the session's completion
and the PaymentIntent's success report the same capture, and refunds and disputes name it.
"""

import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from payments.providers.base import Delivery, EventKind, PaymentEvent
from shop.services.risk import ProviderVerdict

PROVIDER = "stripe"
NOTE_LENGTH = 255  # Payment.note
CENT = Decimal("0.01")
# Currencies Stripe counts in whole units, and those it counts in thousandths
# (docs.stripe.com/currencies); every other one in hundredths.
ZERO_DECIMAL = frozenset({
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
})
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def to_minor_units(amount: Decimal, currency: str) -> int:
    """An amount as Stripe counts it (cents, yen, fils). Raises ValueError for an amount
    the currency cannot hold, such as ¥10.50."""
    minor = Decimal(amount).scaleb(_exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency.upper()} is not a whole number of minor units")
    return int(minor)


def from_minor_units(minor: int, currency: str) -> Decimal:
    """Stripe's integer amount as the shop's Decimal with two places."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise ValueError(f"an amount must be an integer, not {minor!r}")
    return Decimal(minor).scaleb(-_exponent(currency)).quantize(CENT, rounding=ROUND_HALF_UP)


def _exponent(currency: str) -> int:
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def read_event(body: bytes) -> Delivery:
    """A Stripe event's JSON, read: its PaymentEvent for the types in READERS, None for any
    other type. Raises ValueError for a body that is not such an event."""
    event = json.loads(body)
    if not isinstance(event, dict):
        raise ValueError("a Stripe event is a JSON object")
    event_id, kind = event.get("id"), event.get("type")
    if not (isinstance(event_id, str) and event_id and isinstance(kind, str) and kind):
        raise ValueError("a Stripe event has an id and a type")
    reader = READERS.get(kind)
    if reader is None:
        return Delivery(event_id=event_id, type=kind, event=None)
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise ValueError(f"{kind} event {event_id} has no data.object")
    try:
        payment_event = reader(obj, event_id)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{kind} event {event_id} is malformed: {error!r}") from error
    return Delivery(event_id=event_id, type=kind, event=payment_event)


def _id(value) -> str:
    """An object's id, whether Stripe sent the id or the expanded object."""
    if isinstance(value, dict):
        return value["id"]
    return value or ""


def _order_number(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("order") or obj.get("client_reference_id") or ""


def _note(text) -> str:
    return " ".join(str(text or "").split())[:NOTE_LENGTH]


def _event(kind: EventKind, obj: dict, *, amount_field: str, **fields) -> PaymentEvent:
    currency = obj["currency"]
    return PaymentEvent(
        provider=PROVIDER, kind=kind, order_number=_order_number(obj),
        amount=from_minor_units(obj[amount_field], currency), currency=currency.upper(),
        **fields,
    )


def _session_paid(session: dict, event_id: str) -> PaymentEvent:
    payment_intent = _id(session["payment_intent"])
    if not payment_intent:
        raise KeyError("payment_intent")
    return _event(EventKind.CAPTURED, session, amount_field="amount_total",
                  reference=payment_intent, attempt_reference=session["id"])


def _session_completed(session: dict, event_id: str) -> PaymentEvent | None:
    status = session["payment_status"]
    if status == "paid":
        return _session_paid(session, event_id)
    if status == "unpaid":  # a delayed method (a bank debit, a voucher) is under way
        return _event(EventKind.PENDING, session, amount_field="amount_total",
                      reference=_id(session.get("payment_intent")) or session["id"],
                      attempt_reference=session["id"])
    return None  # no_payment_required: nothing was charged


def _session_failed(session: dict, event_id: str) -> PaymentEvent:
    return _event(EventKind.FAILED, session, amount_field="amount_total",
                  reference=_id(session.get("payment_intent")) or session["id"],
                  attempt_reference=session["id"], note="The delayed payment failed.")


def _session_expired(session: dict, event_id: str) -> PaymentEvent:
    return _event(EventKind.ABANDONED, session, amount_field="amount_total",
                  reference=session["id"], attempt_reference=session["id"],
                  note="The Stripe payment page expired.")


def _intent_succeeded(intent: dict, event_id: str) -> PaymentEvent:
    charge = intent.get("latest_charge")  # an object only where the event was expanded
    return _event(EventKind.CAPTURED, intent, amount_field="amount_received",
                  reference=intent["id"],
                  verdict=_verdict(charge) if isinstance(charge, dict) else None)


def _charge_succeeded(charge: dict, event_id: str) -> PaymentEvent:
    """Radar's verdict on the charge, and its card: for the risk score, no money moved."""
    return PaymentEvent(
        provider=PROVIDER, kind=EventKind.SCREENED, reference=charge["id"],
        order_number=_order_number(charge), capture_reference=_id(charge.get("payment_intent")),
        verdict=_verdict(charge),
    )


def _verdict(charge: dict) -> ProviderVerdict:
    outcome = charge.get("outcome") or {}
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    address = (charge.get("billing_details") or {}).get("address") or {}
    score = outcome.get("risk_score")
    return ProviderVerdict(
        card_fingerprint=str(card.get("fingerprint") or "")[:64],
        billing_country=str(address.get("country") or card.get("country") or "")[:2],
        risk_level=str(outcome.get("risk_level") or ""),
        risk_score=(score if isinstance(score, int) and not isinstance(score, bool)
                    and 0 <= score <= 100 else None),
    )


def _intent_failed(intent: dict, event_id: str) -> PaymentEvent:
    error = intent.get("last_payment_error") or {}
    # Each failed try is its own charge; a try without one is named by its event.
    reference = _id(error.get("charge")) or f"{intent['id']}:{event_id}"
    return _event(EventKind.DECLINED, intent, amount_field="amount", reference=reference,
                  note=_note(error.get("message") or "The payment was declined."))


def _charge_refunded(charge: dict, event_id: str) -> PaymentEvent:
    # Stripe reports the running total; the charge lists its refunds only in API versions
    # before 2022-11-15 or when expanded, newest first.
    refunds = (charge.get("refunds") or {}).get("data") or []
    newest = max(refunds, key=lambda refund: refund.get("created") or 0, default=None)
    if newest:
        reference = newest["id"]
        refund_request = (newest.get("metadata") or {}).get("refund_request") or ""
    else:
        reference = f"{charge['id']}:refunded:{charge['amount_refunded']}"
        refund_request = ""
    currency = charge["currency"]
    return PaymentEvent(
        provider=PROVIDER, kind=EventKind.REFUNDED, reference=reference,
        # A PaymentIntent copies its metadata to its charges when it is confirmed.
        order_number=_order_number(charge), currency=currency.upper(),
        capture_reference=_id(charge.get("payment_intent")),
        refunded_to_date=from_minor_units(charge["amount_refunded"], currency),
        refund_request=refund_request,
    )


def _dispute_created(dispute: dict, event_id: str) -> PaymentEvent:
    return _event(EventKind.DISPUTED, dispute, amount_field="amount", reference=dispute["id"],
                  capture_reference=_id(dispute.get("payment_intent")),
                  note=_note(dispute.get("reason")))


READERS: dict[str, Callable[[dict, str], PaymentEvent | None]] = {
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.async_payment_failed": _session_failed,
    "checkout.session.expired": _session_expired,
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "charge.succeeded": _charge_succeeded,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
}
