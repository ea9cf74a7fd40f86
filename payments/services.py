"""Applying what providers report: every capture, failure and refund becomes a Payment row,
and the order moves through shop's order services. Webhooks and the test provider both
come through `apply_event`."""

from functools import partial

from django.db import transaction

from monitoring import metrics
from payments.models import Payment
from payments.providers.base import PaymentEvent
from shop.models import Order
from shop.services import orders

KINDS = {
    "captured": Payment.Kind.CAPTURE,
    "failed": Payment.Kind.FAILURE,
    "refunded": Payment.Kind.REFUND,
}


@transaction.atomic
def apply_event(event: PaymentEvent) -> Order:
    """Record the event and move the order. Idempotent: an event already recorded (same
    provider, kind and reference) changes nothing. Raises Order.DoesNotExist for an
    unknown order number."""
    # Not locked here: the order services lock the order, and the unique reference keeps a
    # second delivery of the same event from being recorded twice.
    order_id = Order.objects.values_list("pk", flat=True).get(number=event.order_number)
    _, created = Payment.objects.get_or_create(
        provider=event.provider, kind=KINDS[event.kind], reference=event.reference,
        defaults={"order_id": order_id, "amount": event.amount, "currency": event.currency,
                  "note": event.note[:255]},
    )
    if not created:
        return Order.objects.get(pk=order_id)
    transaction.on_commit(partial(metrics.record_payment, event.provider, event.kind))
    if event.kind == "captured":
        return orders.mark_paid(
            order_id=order_id, amount=event.amount, currency=event.currency,
            provider=event.provider,
        )
    if event.kind == "failed":
        return orders.fail_payment(order_id=order_id, provider=event.provider, reason=event.note)
    return orders.record_refund(order_id=order_id, amount=event.amount, note=event.note)
