"""Refunds staff ask for: recorded as pending at once, sent to the provider by a task (with
retries), and applied to the order only when the provider confirms them (its webhook, or the
test provider's answer) through `payments.services.apply_event`."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import Sum

from monitoring import alerts
from payments import providers, services
from payments.models import Payment
from payments.providers.base import RefundError
from shop.errors import ShopError
from shop.models import Order
from shop.services import orders
from shop.services.pricing import to_cents

Kind = Payment.Kind
Status = Payment.Status


@dataclass(frozen=True)
class RefundRequest:
    """What staff asked for: an amount, or units of lines (their price and tax); units
    in `restock` go back on sale when the refund is confirmed."""

    amount: Decimal | None = None
    lines: dict[int, int] = field(default_factory=dict)  # order line id → units refunded
    restock: bool = False
    cancel_order: bool = False
    reason: str = ""


def refundable(order: Order) -> Decimal:
    """What can still be refunded: captured, less refunded and less refunds not confirmed."""
    pending = order.payments.filter(kind=Kind.REFUND, status=Status.PENDING).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0.00")
    return order.captured_total - order.refunded_total - pending


@transaction.atomic
def request_refund(*, order_id: int, request: RefundRequest, actor) -> Payment:
    """Record a pending refund (order row locked) and send it to the provider after commit.
    Raises ShopError for a refund the order cannot take: more than is left to refund, units
    it does not have, nothing captured to refund from."""
    order = Order.objects.select_for_update().get(pk=order_id)
    amount = _amount(order, request)
    left = refundable(order)
    if amount <= 0:
        raise ShopError("Give an amount to refund, or the units of the lines to refund.")
    if amount > left:
        raise ShopError(
            f"A refund of {amount} {order.currency} is more than the {left} {order.currency} "
            f"left to refund on order {order.number}."
        )
    if request.cancel_order and amount != left:
        raise ShopError("Only a refund of everything left cancels the order.")
    capture = _capture_to_refund(order, amount)
    refund = Payment.objects.create(
        order=order, provider=capture.provider, kind=Kind.REFUND, status=Status.PENDING,
        amount=amount, currency=order.currency, capture_reference=capture.reference,
        restock={str(line): units for line, units in request.lines.items()} if request.restock
        else {},
        cancels_order=request.cancel_order, requested_by=actor, note=request.reason[:255],
    )
    orders.note_payment(
        order_id=order.pk, internal=True, actor=actor,
        note=f"Refund of {amount} {order.currency} asked of {capture.provider}; it is applied "
             "when the provider confirms it.",
    )
    from payments import tasks  # the tasks module imports this one

    transaction.on_commit(partial(tasks.send_refund.enqueue, payment_id=refund.pk))
    return refund


def _amount(order: Order, request: RefundRequest) -> Decimal:
    if not request.lines:
        if request.restock:
            raise ShopError("Choose the lines whose units go back on sale.")
        return request.amount or Decimal("0.00")
    if request.amount is not None:
        raise ShopError("Refund an amount or lines, not both.")
    lines = {line.pk: line for line in order.lines.filter(pk__in=request.lines)}
    amount = Decimal("0.00")
    for line_id, units in request.lines.items():
        line = lines.get(line_id)
        if line is None or units < 0 or units > line.quantity - line.quantity_restocked:
            raise ShopError(f"Order {order.number} has no {units} units of that line to refund.")
        # The units' price and the tax charged on it, as at checkout.
        price = line.unit_price * units
        amount += price + to_cents(price * order.tax_rate)
    return amount


def _capture_to_refund(order: Order, amount: Decimal) -> Payment:
    """The capture the refund comes from: the newest with that much not yet refunded."""
    for capture in order.payments.filter(kind=Kind.CAPTURE).order_by("-created_at", "-pk"):
        taken = order.payments.filter(
            kind=Kind.REFUND, capture_reference=capture.reference,
            status__in=[Status.PENDING, Status.SUCCEEDED],
        ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
        if capture.amount - taken >= amount:
            return capture
    raise ShopError(f"No single payment of order {order.number} has {amount} left to refund.")


def send_refund(*, payment_id: int) -> None:
    """Ask the provider for a pending refund. ProviderUnavailable propagates (the task
    retries); a refusal marks the refund failed and alerts staff."""
    refund = Payment.objects.select_related("order").get(pk=payment_id)
    if refund.status != Status.PENDING or refund.reference:
        return  # sent already, or confirmed meanwhile
    provider = providers.PROVIDERS[refund.provider]
    try:
        started = provider.refund(
            capture_reference=refund.capture_reference, amount=refund.amount,
            currency=refund.currency, request_key=f"refund-{refund.pk}",
        )
    except RefundError as error:
        fail_refund(payment_id=refund.pk, reason=str(error))
        return
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=refund.order_id)
        Payment.objects.filter(pk=refund.pk, status=Status.PENDING, reference="").update(
            reference=started.reference
        )
    if started.event is not None:
        services.apply_event(started.event)


@transaction.atomic
def fail_refund(*, payment_id: int, reason: str) -> None:
    """The provider refused the refund, or never answered: nothing was refunded."""
    refund = Payment.objects.select_related("order").get(pk=payment_id)
    Order.objects.select_for_update().get(pk=refund.order_id)
    refund.refresh_from_db()
    if refund.status != Status.PENDING:
        return
    refund.status = Status.FAILED
    refund.note = f"Refused: {reason}"[:255]
    refund.save(update_fields=["status", "note"])
    orders.note_payment(
        order_id=refund.order_id, internal=True,
        note=f"The refund of {refund.amount} {refund.currency} failed: {reason}",
    )
    message = f"A refund for order {refund.order.number} failed: {reason}"
    transaction.on_commit(partial(
        alerts.raise_alert, alerts.PAYMENT_REVIEW, message, guard=f"refund:{refund.pk}"
    ))
