"""Refunds staff ask for: recorded as pending at once, sent to the provider by the
`send_refund` task (retried with backoff while the provider does not answer), and applied to
the order only when the provider confirms them (its webhook, or the test provider's answer)
through `payments.services.apply_event`.

The task lives here, beside `request_refund` which enqueues it and the sending it runs, so
that asking for a refund and sending it need no module that imports this one back.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.tasks import task

from core import retries
from core.money import to_cents
from monitoring import alerts
from payments import providers, services
from payments.models import Payment
from payments.providers.base import PASSING_ERRORS, RefundError
from shop.errors import ShopError
from shop.models import Order, User
from shop.models.orders import PAID_UNSHIPPED
from shop.services import orders
from worker.enqueue import enqueue_with_transaction


@dataclass(frozen=True)
class RefundRequest:
    """What staff asked for: an amount, or units of lines (their price and tax); with
    `restock` the units of `lines` go back on sale when the refund is confirmed. A refund
    that cancels the order refunds everything left (shipping included), so there `lines`
    only name the units that go back on sale."""

    amount: Decimal | None = None
    lines: dict[int, int] = field(default_factory=dict)  # order line id → units refunded
    restock: bool = False
    cancel_order: bool = False
    reason: str = ""


def refundable(order: Order) -> Decimal:
    """What can still be refunded: captured, less refunded and less refunds not confirmed."""
    pending = order.payments.filter(kind=Payment.Kind.REFUND, status=Payment.Status.PENDING).total()
    return order.captured_total - order.refunded_total - pending


@transaction.atomic
def request_refund(*, order_id: int, wanted: RefundRequest, actor: User | None) -> Payment:
    """Record a pending refund (order row locked) and send it to the provider after commit.
    Raises ShopError for a refund the order cannot take: more than is left to refund, units
    it does not have, nothing captured to refund from; a cancel of an order that is not
    paid and unshipped, or a restock of units that never left or are already coming back
    (refused here because the provider's confirmation could not apply them)."""
    order = Order.objects.select_for_update().get(pk=order_id)
    left = refundable(order)
    _check_restock(order, wanted)
    if wanted.cancel_order:
        _check_cancel(order)
    amount = _amount(order, wanted, left)
    line_amounts = _line_amounts(order, wanted)
    if amount <= 0:
        raise ShopError("Give an amount to refund, or the units of the lines to refund.")
    if amount > left:
        raise ShopError(
            f"A refund of {amount} {order.currency} is more than the {left} {order.currency} "
            f"left to refund on order {order.number}."
        )
    if wanted.cancel_order and amount != left:
        raise ShopError("Only a refund of everything left cancels the order.")
    capture = _capture_to_refund(order, amount)
    refund = Payment.objects.create(
        order=order, provider=capture.provider, kind=Payment.Kind.REFUND,
        status=Payment.Status.PENDING, amount=amount, currency=order.currency,
        capture_reference=capture.reference,
        restock={str(line): units for line, units in wanted.lines.items()} if wanted.restock
        else {},
        cancels_order=wanted.cancel_order, requested_by=actor, note=wanted.reason[:255],
        line_amounts={str(line): str(value) for line, value in line_amounts.items()},
    )
    orders.note_payment(
        order_id=order.pk, internal=True, actor=actor,
        note=f"Refund of {amount} {order.currency} asked of {capture.provider}; it is applied "
             "when the provider confirms it.",
    )
    enqueue_with_transaction(send_refund, payment_id=refund.pk)
    return refund


def _check_restock(order: Order, wanted: RefundRequest) -> None:
    """Units go back on sale only from an order that was paid (its stock left the shelf),
    and only units not already back or on their way back: the provider refunds before the
    shop restocks, so a restock that cannot happen must be refused now."""
    if not wanted.restock:
        return
    if not wanted.lines:
        raise ShopError("Choose the lines whose units go back on sale.")
    if order.paid_at is None:
        raise ShopError(
            f"Order {order.number} was never paid, so its units never left the shelf: "
            "refund it without putting units back on sale."
        )
    coming_back: dict[int, int] = {}
    for refund in order.payments.filter(kind=Payment.Kind.REFUND, status=Payment.Status.PENDING):
        for line_id, units in refund.restock.items():
            coming_back[int(line_id)] = coming_back.get(int(line_id), 0) + units
    for line in order.lines.filter(pk__in=wanted.lines):
        left = line.quantity - line.quantity_restocked - coming_back.get(line.pk, 0)
        if wanted.lines[line.pk] > left:
            raise ShopError(
                f"Only {left} of {line.name} on order {order.number} can go back on sale "
                f"once the refunds already asked for are confirmed, not "
                f"{wanted.lines[line.pk]}."
            )


def _check_cancel(order: Order) -> None:
    if order.status not in PAID_UNSHIPPED:
        raise ShopError(
            f"Order {order.number} is {order.get_status_display().lower()}: only a paid "
            "order that has not shipped is cancelled by a refund. Refund it without "
            "cancelling it."
        )


def _amount(order: Order, wanted: RefundRequest, left: Decimal) -> Decimal:
    lines_amount = _lines_amount(order, wanted.lines)
    if wanted.cancel_order:
        # Cancelling refunds everything left, shipping included: the lines only say which
        # units go back on sale.
        return left if wanted.amount is None else wanted.amount
    if not wanted.lines:
        return wanted.amount or Decimal("0.00")
    if wanted.amount is not None:
        raise ShopError("Refund an amount or lines, not both.")
    return lines_amount


def _lines_amount(order: Order, units_by_line: dict[int, int]) -> Decimal:
    """What was paid for these units of the order's lines, their share of its discount
    taken off, and the tax charged on that, as at checkout: a whole line gives back exactly
    what it cost. Raises ShopError for units the order does not have."""
    return sum(
        (paid + to_cents(paid * order.tax_rate)
         for paid in _goods_refunded(order, units_by_line).values()),
        Decimal("0.00"),
    )


def _goods_refunded(order: Order, units_by_line: dict[int, int]) -> dict[int, Decimal]:
    """Line id → what was paid for these units of it before tax. Raises ShopError for
    units the order does not have."""
    lines = {line.pk: line for line in order.lines.filter(pk__in=units_by_line)}
    coming = _coming_back(order)
    goods = {}
    for line_id, units in units_by_line.items():
        line = lines.get(line_id)
        if line is None or units < 0 or units > line.quantity - line.quantity_restocked:
            raise ShopError(f"Order {order.number} has no {units} units of that line to refund.")
        goods[line_id] = (line.paid if units == line.quantity
                          else to_cents(line.paid * units / line.quantity))
        left = line.paid - line.refunded - coming.get(line_id, Decimal(0))
        if goods[line_id] > left:
            raise ShopError(
                f"{line.name} on order {order.number} has {left} {order.currency} left to "
                f"refund (before tax), once the refunds already asked for are confirmed, not "
                f"{goods[line_id]}."
            )
    return goods


def _coming_back(order: Order) -> dict[int, Decimal]:
    """Line id → goods the refunds not confirmed yet give back for it."""
    coming: dict[int, Decimal] = {}
    for refund in order.payments.filter(kind=Payment.Kind.REFUND, status=Payment.Status.PENDING):
        for line_id, value in refund.line_amounts.items():
            coming[int(line_id)] = coming.get(int(line_id), Decimal(0)) + Decimal(value)
    return coming


def _line_amounts(order: Order, wanted: RefundRequest) -> dict[int, Decimal]:
    """Whose goods the refund gives back, line by line before tax: each comes out of the
    seller of its line. Units of lines name theirs; cancelling gives back every line's rest
    (less refunds already on their way); an amount alone is the store's (goodwill, shipping)."""
    if not wanted.cancel_order:
        return {} if wanted.amount is not None else _goods_refunded(order, wanted.lines)
    coming = _coming_back(order)
    return {line.pk: rest for line in order.lines.all()
            if (rest := line.paid - line.refunded - coming.get(line.pk, Decimal(0))) > 0}


def _capture_to_refund(order: Order, amount: Decimal) -> Payment:
    """The capture the refund comes from: the newest with that much not yet refunded."""
    for capture in order.payments.filter(kind=Payment.Kind.CAPTURE).order_by("-created_at", "-pk"):
        taken = order.payments.filter(
            kind=Payment.Kind.REFUND, capture_reference=capture.reference,
            status__in=[Payment.Status.PENDING, Payment.Status.SUCCEEDED],
        ).total()
        if capture.amount - taken >= amount:
            return capture
    raise ShopError(f"No single payment of order {order.number} has {amount} left to refund.")


@task
def send_refund(*, payment_id: int, attempt: int = 1) -> None:
    """Send a pending refund to its provider; while the provider (or the database) does
    not answer, try again later, and after the last try mark the refund failed."""
    try:
        _send(payment_id=payment_id)
    except PASSING_ERRORS as error:
        if not retries.retry_later(send_refund, attempt=attempt, payment_id=payment_id):
            fail_refund(
                payment_id=payment_id,
                reason=f"the provider did not answer after {attempt} tries ({error}).",
            )
        raise


def _send(*, payment_id: int) -> None:
    """Ask the provider for a pending refund. ProviderUnavailable propagates (the task
    retries); a refusal marks the refund failed and alerts staff."""
    refund = Payment.objects.select_related("order").get(pk=payment_id)
    if refund.status != Payment.Status.PENDING or refund.reference:
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
        Payment.objects.filter(pk=refund.pk, status=Payment.Status.PENDING, reference="").update(
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
    if refund.status != Payment.Status.PENDING:
        return
    refund.status = Payment.Status.FAILED
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
