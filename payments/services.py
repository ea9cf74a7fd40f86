"""Applying what providers report, and starting a payment.

Every event becomes rows of the transaction history (payments.models.Payment) and moves the
order through shop's order services. Webhooks, the refund task and the test provider all come
through `apply_event`, which runs in one transaction with the order row locked, so two events
of one order never interleave; each event is recorded once (the provider's reference is
unique per kind), so deliveries may repeat and come in any order.
"""

from decimal import Decimal
from functools import partial

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from monitoring import metrics
from payments.models import Payment
from payments.providers.base import PaymentEvent, PaymentProvider, PaymentStartError
from shop.models import Order, OrderEvent
from shop.services import orders
from worker.enqueue import enqueue_with_transaction

Kind = Payment.Kind
Status = Payment.Status


class WaitForCapture(Exception):
    """A refund, dispute or reversal arrived before the capture it is about: it is kept and
    applied once the capture is recorded."""


class UnknownOrder(Exception):
    """The event is about no order of this shop."""


def start_payment(request: HttpRequest, order: Order, provider: PaymentProvider) -> str:
    """Open a payment attempt with the provider and record it; returns where to send the
    shopper. Raises PaymentStartError (the attempt is recorded as failed and the order
    keeps waiting for payment, to be paid again or another way)."""
    attempt = Payment.objects.create(
        order=order, provider=provider.name, kind=Kind.ATTEMPT, status=Status.PENDING,
        amount=order.total, currency=order.currency,
    )
    try:
        started = provider.start_payment(request, order, attempt_key=f"attempt-{attempt.pk}")
    except PaymentStartError as error:
        attempt.status = Status.FAILED
        attempt.note = str(error)[:255]
        attempt.save(update_fields=["status", "note"])
        metrics.record_payment(provider.name, "start_failed")
        raise
    attempt.reference = started.reference
    attempt.save(update_fields=["reference"])
    return started.redirect_url


@transaction.atomic
def apply_event(event: PaymentEvent) -> Order:
    """Record the event and move the order, with the order row locked. Idempotent. Raises
    UnknownOrder, or WaitForCapture for a refund, dispute or reversal whose capture is not
    recorded yet."""
    order = Order.objects.select_for_update().get(pk=_order_id(event))
    if APPLY[event.kind](order, event):  # False: a repeat, or nothing left to change
        transaction.on_commit(partial(metrics.record_payment, event.provider, event.kind))
    return Order.objects.get(pk=order.pk)


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
        provider=event.provider, kind=Kind.CAPTURE, reference=event.capture_reference
    ).first()
    if capture is None:
        raise WaitForCapture(f"No capture {event.capture_reference} recorded yet.")
    return capture


def _recorded(event: PaymentEvent, kind: str, **filters) -> bool:
    return Payment.objects.filter(
        provider=event.provider, kind=kind, reference=event.reference, **filters
    ).exists()


def _reason(event: PaymentEvent) -> str:
    return f" ({event.note})" if event.note else ""


def _record(order: Order, event: PaymentEvent, kind: str, **fields) -> Payment:
    return Payment.objects.create(**{
        "order": order, "provider": event.provider, "kind": kind, "amount": event.amount,
        "currency": event.currency or order.currency, "reference": event.reference,
        "note": event.note[:255], "confirmed_at": timezone.now(), **fields,
    })


def _settle_attempt(order: Order, event: PaymentEvent, status: str, *, final: bool = False) -> None:
    """Mark the attempt the event is about as succeeded or failed; a final event (a capture,
    a failure for good) settles every attempt still pending with that provider."""
    attempts = Payment.objects.filter(
        order=order, provider=event.provider, kind=Kind.ATTEMPT, status=Status.PENDING
    )
    if event.attempt_reference:
        attempts.filter(reference=event.attempt_reference).update(status=status)
    elif final:
        attempts.update(status=status)


def _captured(order: Order, event: PaymentEvent) -> bool:
    if _recorded(event, Kind.CAPTURE):
        return False
    _record(order, event, Kind.CAPTURE, capture_reference=event.reference)
    _settle_attempt(order, event, Status.SUCCEEDED, final=True)
    orders.mark_paid(order_id=order.pk, amount=event.amount, currency=event.currency,
                     provider=event.provider)
    # Refunds or disputes that came before this capture can now be applied.
    from payments import tasks  # the tasks module imports this one

    enqueue_with_transaction(
        tasks.apply_waiting_events, provider=event.provider, capture_reference=event.reference
    )
    return True


def _failed(order: Order, event: PaymentEvent) -> bool:
    if _recorded(event, Kind.FAILURE):
        return False
    _record(order, event, Kind.FAILURE)
    _settle_attempt(order, event, Status.FAILED, final=True)
    orders.fail_payment(order_id=order.pk, provider=event.provider, reason=event.note)
    return True


def _declined(order: Order, event: PaymentEvent) -> bool:
    if _recorded(event, Kind.FAILURE):
        return False
    _record(order, event, Kind.FAILURE)
    _settle_attempt(order, event, Status.FAILED)
    if order.is_open:
        orders.note_payment(
            order_id=order.pk,
            note=f"A payment with {event.provider} was declined{_reason(event)}. The order "
                 "is still waiting for payment.",
        )
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
    _settle_attempt(order, event, Status.FAILED)
    return True


def _refunded(order: Order, event: PaymentEvent) -> bool:
    if event.capture_reference:
        _capture_of(event)
    if _recorded(event, Kind.REFUND, status=Status.SUCCEEDED):
        return False
    amount = _refund_amount(event)
    if amount <= 0:
        return False  # a running total this shop has already recorded
    if order.captured_total - order.refunded_total < amount:
        raise WaitForCapture(
            f"A refund of {amount} is more than order {order.number} has captured so far."
        )
    requests = _refund_requests(order, event, amount)
    if not requests:  # started outside the shop, in the provider's own dashboard
        _record(order, event, Kind.REFUND, amount=amount,
                capture_reference=event.capture_reference,
                note=(event.note or f"Refunded at {event.provider}.")[:255])
        orders.record_refund(order_id=order.pk, amount=amount,
                             note=f"Refunded {amount} {order.currency} at {event.provider}.")
        return True
    for request in requests:
        request.status = Status.SUCCEEDED
        if request is requests[0]:
            request.reference = request.reference or event.reference
        request.confirmed_at = timezone.now()
        request.save(update_fields=["status", "reference", "confirmed_at"])
        orders.record_refund(
            order_id=order.pk, amount=amount if len(requests) == 1 else request.amount,
            restock={int(line): units for line, units in request.restock.items()},
            cancel=request.cancels_order, actor=request.requested_by, note=request.note,
        )
    return True


def _refund_amount(event: PaymentEvent) -> Decimal:
    if event.refunded_to_date is None:
        return event.amount
    done = Payment.objects.filter(
        provider=event.provider, kind=Kind.REFUND, status=Status.SUCCEEDED,
        capture_reference=event.capture_reference,
    ).total()
    return event.refunded_to_date - done


def _refund_requests(order: Order, event: PaymentEvent, amount: Decimal) -> list[Payment]:
    """The pending refunds staff asked for that this event confirms: the one named by the
    event or with the provider's refund id, else the oldest of the same amount on that
    capture; or several, for a running total (Stripe's) that came before the totals under
    it. Empty for a refund started outside the shop. A request the event names is confirmed
    even if it was marked failed: the provider's answer was lost, not the refund."""
    asked = Payment.objects.select_for_update().filter(
        order=order, provider=event.provider, kind=Kind.REFUND
    ).order_by("created_at", "pk")
    pending = asked.filter(status=Status.PENDING)
    request_id = event.refund_request.removeprefix("refund-")
    named = (
        asked.filter(pk=int(request_id), status__in=[Status.PENDING, Status.FAILED]).first()
        if request_id.isdigit() else None
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


def _covered(named: Payment | None, on_capture, amount: Decimal) -> list[Payment]:
    """The named request and the oldest others on the capture that fit, when they add up to
    the amount exactly; else none."""
    chosen = [named] if named else []
    total = sum((request.amount for request in chosen), Decimal("0.00"))
    for request in on_capture.exclude(pk__in=[request.pk for request in chosen]):
        if total + request.amount <= amount:
            chosen.append(request)
            total += request.amount
    return chosen if total == amount else []


def _disputed(order: Order, event: PaymentEvent) -> bool:
    return _flag(order, event, Kind.DISPUTE, OrderEvent.Kind.DISPUTED,
                 f"The payer disputed {event.amount} {event.currency} with {event.provider}"
                 f"{_reason(event)}. Answer the dispute at the provider.")


def _reversed(order: Order, event: PaymentEvent) -> bool:
    return _flag(order, event, Kind.REVERSAL, OrderEvent.Kind.PAYMENT_MISMATCH,
                 f"{event.provider} reversed {event.amount} {event.currency} of the payment"
                 f"{_reason(event)}. Do not ship until it is settled.")


def _flag(order: Order, event: PaymentEvent, kind: str, event_kind: str, note: str) -> bool:
    if event.capture_reference:
        _capture_of(event)
    if _recorded(event, kind):
        return False
    _record(order, event, kind, capture_reference=event.capture_reference)
    orders.flag_for_review(order_id=order.pk, note=note, kind=event_kind)
    return True


APPLY = {
    "captured": _captured,
    "failed": _failed,
    "declined": _declined,
    "pending": _pending,
    "abandoned": _abandoned,
    "refunded": _refunded,
    "disputed": _disputed,
    "reversed": _reversed,
}
