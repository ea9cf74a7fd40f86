"""Applying what providers report, and starting a payment.

Every event becomes rows of the transaction history (payments.models.Payment) and moves the
order through shop's order services. Webhooks, the refund task and the test provider all come
through `apply_event`, which runs in one transaction with the order row locked, so two events
of one order never interleave; each event is recorded once (the provider's reference is
unique per kind), so deliveries may repeat and come in any order.

This module is the bottom of payments: the webhook inbox and refunds call it, it calls
neither. What follows an event (applying the events that waited for a capture) is up to the
caller, which `Applied` tells whether the event changed anything.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from monitoring import metrics
from payments.models import Payment
from payments.providers.base import EventKind, PaymentEvent, PaymentProvider, PaymentStartError
from shop.models import Order, OrderEvent
from shop.services import order_refunds, orders, risk


class WaitForCapture(Exception):
    """A refund, dispute or reversal arrived before the capture it is about: it is kept and
    applied once the capture is recorded."""


class UnknownOrder(Exception):
    """The event is about no order of this shop."""


@dataclass(frozen=True)
class Applied:
    """What applying an event did: the order as it is now, and whether the event changed
    anything (False for a repeat, or when nothing was left to change)."""

    order: Order
    changed: bool


def start_payment(
    *, order: Order, provider: PaymentProvider, return_url: str, cancel_url: str
) -> str:
    """Open a payment attempt with the provider and record it; returns where to send the
    shopper. The provider sends the shopper back to `return_url` or, when they leave
    without paying, `cancel_url` (both absolute). Raises PaymentStartError (the attempt is
    recorded as failed and the order keeps waiting for payment, to be paid again or
    another way)."""
    attempt = Payment.objects.create(
        order=order, provider=provider.name, kind=Payment.Kind.ATTEMPT,
        status=Payment.Status.PENDING, amount=order.total, currency=order.currency,
    )
    try:
        started = provider.start_payment(
            order, return_url=return_url, cancel_url=cancel_url,
            attempt_key=f"attempt-{attempt.pk}",
        )
    except PaymentStartError as error:
        attempt.status = Payment.Status.FAILED
        attempt.note = str(error)[:255]
        attempt.save(update_fields=["status", "note"])
        metrics.record_payment(provider.name, "start_failed")
        raise
    attempt.reference = started.reference
    attempt.save(update_fields=["reference"])
    return started.redirect_url


def is_attempt_of(order: Order, *, provider: str, reference: str) -> bool:
    """Whether `reference` names a payment attempt of this order with this provider."""
    return bool(reference) and Payment.objects.filter(
        order=order, provider=provider, kind=Payment.Kind.ATTEMPT, reference=reference
    ).exists()


@transaction.atomic
def apply_event(event: PaymentEvent) -> Applied:
    """Record the event and move the order, with the order row locked. Idempotent. Raises
    UnknownOrder, or WaitForCapture for a refund, dispute or reversal whose capture is not
    recorded yet."""
    order = Order.objects.select_for_update().get(pk=_order_id(event))
    changed = APPLY[event.kind](order, event)
    if changed:
        transaction.on_commit(partial(metrics.record_payment, event.provider, event.kind))
    return Applied(order=Order.objects.get(pk=order.pk), changed=changed)


def _order_id(event: PaymentEvent) -> int:
    if event.order_number:
        order_id = Order.objects.filter(number=event.order_number).values_list("pk", flat=True)
        if order_id:
            return order_id[0]
        raise UnknownOrder(f"No order {event.order_number}.")
    if event.capture_reference:  # a refund, dispute or reversal
        return _capture_of(event).order_id
    raise UnknownOrder("The event names no order of this shop.")


def _capture_of(event: PaymentEvent) -> Payment:
    """The recorded capture a refund, dispute or reversal is about. Raises WaitForCapture
    when it is not recorded yet."""
    capture = Payment.objects.filter(
        provider=event.provider, kind=Payment.Kind.CAPTURE, reference=event.capture_reference
    ).first()
    if capture is None:
        raise WaitForCapture(f"No capture {event.capture_reference} recorded yet.")
    return capture


def _recorded(event: PaymentEvent, kind: Payment.Kind, **filters) -> bool:
    return Payment.objects.filter(
        provider=event.provider, kind=kind, reference=event.reference, **filters
    ).exists()


def _reason(event: PaymentEvent) -> str:
    return f" ({event.note})" if event.note else ""


def _record(order: Order, event: PaymentEvent, kind: Payment.Kind, **fields) -> Payment:
    return Payment.objects.create(**{
        "order": order, "provider": event.provider, "kind": kind, "amount": event.amount,
        "currency": event.currency or order.currency, "reference": event.reference,
        "note": event.note[:255], "confirmed_at": timezone.now(), **fields,
    })


def _settle_attempt(
    order: Order, event: PaymentEvent, status: Payment.Status, *, final: bool = False
) -> None:
    """Mark the attempt the event is about as succeeded or failed; a final event (a capture,
    a failure for good) settles every attempt still pending with that provider."""
    attempts = Payment.objects.filter(
        order=order, provider=event.provider, kind=Payment.Kind.ATTEMPT,
        status=Payment.Status.PENDING,
    )
    if event.attempt_reference:
        attempts.filter(reference=event.attempt_reference).update(status=status)
    elif final:
        attempts.update(status=status)


def _captured(order: Order, event: PaymentEvent) -> bool:
    if _recorded(event, Payment.Kind.CAPTURE):
        return False
    _record(order, event, Payment.Kind.CAPTURE, capture_reference=event.reference)
    _settle_attempt(order, event, Payment.Status.SUCCEEDED, final=True)
    orders.mark_paid(order_id=order.pk, amount=event.amount, currency=event.currency,
                     provider=event.provider)
    risk.payment_arrived(order_id=order.pk, verdict=event.verdict)
    return True


def _screened(order: Order, event: PaymentEvent) -> bool:
    """The provider's verdict on the payment: the order is scored again with it."""
    if event.capture_reference:
        _capture_of(event)
    risk.payment_arrived(order_id=order.pk, verdict=event.verdict)
    return True


def _failed(order: Order, event: PaymentEvent) -> bool:
    """The attempt is over (a declined test card, a denied PayPal capture, a delayed payment
    that failed); the order stays open for another try. The first is emailed."""
    if _recorded(event, Payment.Kind.FAILURE):
        return False
    _record(order, event, Payment.Kind.FAILURE)
    _settle_attempt(order, event, Payment.Status.FAILED, final=True)
    if _superseded(order, event):
        orders.note_payment(
            order_id=order.pk,
            note=f"An earlier payment attempt failed at {event.provider}{_reason(event)}; a "
                 "newer one is under way.",
        )
    else:
        orders.record_failed_payment(
            order_id=order.pk, provider=event.provider, reason=event.note
        )
    return True


def _superseded(order: Order, event: PaymentEvent) -> bool:
    """Whether the shopper started another attempt after the one the event is about: a late
    failure of an old attempt must not tell them their current payment was declined."""
    failed = Payment.objects.filter(
        order=order, kind=Payment.Kind.ATTEMPT, reference=event.attempt_reference
    ).first() if event.attempt_reference else None
    return failed is not None and Payment.objects.filter(
        order=order, kind=Payment.Kind.ATTEMPT, status=Payment.Status.PENDING,
        created_at__gt=failed.created_at,
    ).exists()


def _declined(order: Order, event: PaymentEvent) -> bool:
    """One try of an attempt that stays open (Stripe's Checkout Session): the shopper is on
    the provider's page, which says so and asks again, and may still pay there. The try is
    a row of the payment history and a line on the timeline; the attempt stays pending and
    the order does not show a failure (the shopper's next card may already be paying)."""
    if _recorded(event, Payment.Kind.FAILURE):
        return False
    _record(order, event, Payment.Kind.FAILURE)
    orders.record_declined_try(order_id=order.pk, provider=event.provider, reason=event.note)
    return True


def _pending(order: Order, event: PaymentEvent) -> bool:
    if not order.is_open:  # it completed or failed meanwhile: nothing is pending any more
        return False
    orders.note_payment(
        order_id=order.pk,
        note=f"The payment is pending at {event.provider}{_reason(event)}; the order is paid "
             "when it completes.",
    )
    return True


def _abandoned(order: Order, event: PaymentEvent) -> bool:
    """The provider ended the attempt for good (Stripe's payment page expired). Unless
    another attempt is still under way, the order will not be paid: it is cancelled and its
    stock released."""
    _settle_attempt(order, event, Payment.Status.FAILED)
    if not order.is_open or Payment.objects.filter(
        order=order, kind=Payment.Kind.ATTEMPT, status=Payment.Status.PENDING
    ).exists():
        return True
    orders.end_payment(order_id=order.pk, provider=event.provider, reason=event.note)
    return True


def _refunded(order: Order, event: PaymentEvent) -> bool:
    if event.capture_reference:
        _capture_of(event)
    if _recorded(event, Payment.Kind.REFUND, status=Payment.Status.SUCCEEDED):
        return False
    amount = _refund_amount(event)
    if amount <= 0:
        return False  # a running total this shop has already recorded
    if order.captured_total - order.refunded_total < amount:
        raise WaitForCapture(
            f"A refund of {amount} is more than order {order.number} has captured so far."
        )
    pending_refunds = _pending_refunds(order, event, amount)
    if not pending_refunds:  # started outside the shop, in the provider's own dashboard
        _record(order, event, Payment.Kind.REFUND, amount=amount,
                capture_reference=event.capture_reference,
                note=(event.note or f"Refunded at {event.provider}.")[:255])
        order_refunds.record_refund(
            order_id=order.pk, amount=amount,
            note=f"Refunded {amount} {order.currency} at {event.provider}.",
        )
        return True
    for refund in pending_refunds:
        refund.status = Payment.Status.SUCCEEDED
        if refund is pending_refunds[0]:
            refund.reference = refund.reference or event.reference
        refund.confirmed_at = timezone.now()
        refund.save(update_fields=["status", "reference", "confirmed_at"])
        order_refunds.record_refund(
            order_id=order.pk, amount=amount if len(pending_refunds) == 1 else refund.amount,
            restock={int(line): units for line, units in refund.restock.items()},
            line_amounts={int(line): Decimal(value)
                          for line, value in refund.line_amounts.items()},
            cancel=refund.cancels_order, actor=refund.requested_by, note=refund.note,
        )
    return True


def _refund_amount(event: PaymentEvent) -> Decimal:
    if event.refunded_to_date is None:
        return event.amount
    done = Payment.objects.filter(
        provider=event.provider, kind=Payment.Kind.REFUND, status=Payment.Status.SUCCEEDED,
        capture_reference=event.capture_reference,
    ).total()
    return event.refunded_to_date - done


def _pending_refunds(order: Order, event: PaymentEvent, amount: Decimal) -> list[Payment]:
    """The pending refunds staff asked for that this event confirms: the one named by the
    event or with the provider's refund id, else the oldest of the same amount on that
    capture; or several, for a running total (Stripe's) that came before the totals under
    it. Empty for a refund started outside the shop. A refund the event names is confirmed
    even if it was marked failed: the provider's answer was lost, not the refund."""
    asked = Payment.objects.select_for_update().filter(
        order=order, provider=event.provider, kind=Payment.Kind.REFUND
    ).order_by("created_at", "pk")
    pending = asked.filter(status=Payment.Status.PENDING)
    asked_id = event.refund_request.removeprefix("refund-")
    named = (
        asked.filter(
            pk=int(asked_id), status__in=[Payment.Status.PENDING, Payment.Status.FAILED]
        ).first()
        if asked_id.isdigit() else None
    )
    named = named or pending.filter(reference=event.reference).first()
    on_capture = pending.filter(capture_reference=event.capture_reference)
    if named is None:
        if same := on_capture.filter(amount=amount).first():
            return [same]
    elif named.amount == amount:
        return [named]
    if event.refunded_to_date is not None and (covered := _covered(named, on_capture, amount)):
        return covered
    return [named] if named else []


def _covered(
    named: Payment | None, on_capture: QuerySet[Payment], amount: Decimal
) -> list[Payment]:
    """The named refund and the oldest other pending ones on the capture that fit, when they
    add up to the amount exactly; else none."""
    chosen = [named] if named else []
    total = sum((refund.amount for refund in chosen), Decimal("0.00"))
    for refund in on_capture.exclude(pk__in=[refund.pk for refund in chosen]):
        if total + refund.amount <= amount:
            chosen.append(refund)
            total += refund.amount
    return chosen if total == amount else []


def _disputed(order: Order, event: PaymentEvent) -> bool:
    return _flag(order, event, Payment.Kind.DISPUTE, OrderEvent.Kind.DISPUTED,
                 f"The payer disputed {event.amount} {event.currency} with {event.provider}"
                 f"{_reason(event)}. Answer the dispute at the provider.")


def _reversed(order: Order, event: PaymentEvent) -> bool:
    return _flag(order, event, Payment.Kind.REVERSAL, OrderEvent.Kind.PAYMENT_MISMATCH,
                 f"{event.provider} reversed {event.amount} {event.currency} of the payment"
                 f"{_reason(event)}. Do not ship until it is settled.")


def _flag(
    order: Order, event: PaymentEvent, kind: Payment.Kind, event_kind: OrderEvent.Kind, note: str
) -> bool:
    if event.capture_reference:
        _capture_of(event)
    if _recorded(event, kind):
        return False
    _record(order, event, kind, capture_reference=event.capture_reference)
    orders.flag_for_review(order_id=order.pk, note=note, kind=event_kind)
    return True


APPLY: dict[EventKind, Callable[[Order, PaymentEvent], bool]] = {
    EventKind.CAPTURED: _captured,
    EventKind.FAILED: _failed,
    EventKind.DECLINED: _declined,
    EventKind.PENDING: _pending,
    EventKind.ABANDONED: _abandoned,
    EventKind.REFUNDED: _refunded,
    EventKind.DISPUTED: _disputed,
    EventKind.REVERSED: _reversed,
    EventKind.SCREENED: _screened,
}
