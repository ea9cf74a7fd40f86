"""Money going back for an order: a refund a provider made, in full or in part, with the
units that came back put on sale again. Payment providers call `record_refund`; like every
order service it is one transaction that locks the order row first."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shop import caching
from shop.errors import CannotCancel, ShopError
from shop.models.customers import User
from shop.models.orders import (
    PAID_UNSHIPPED,
    PURCHASED,
    TRANSITIONS,
    Order,
    OrderEmail,
    OrderEvent,
    OrderLine,
)
from shop.services import inventory, shipments
from shop.services.orders import email_customer, lock_order, move_status


@transaction.atomic
def record_refund(
    *, order_id: int, amount: Decimal, restock: dict[int, int] | None = None,
    line_amounts: dict[int, Decimal] | None = None, cancel: bool = False,
    actor: User | None = None, note: str = "",
) -> Order:
    """A provider refunded money for the order, never more than was captured and not yet
    refunded. `restock` maps order line ids to units that came back and go on sale again.

    A paid order refunded in full becomes refunded, in part partially refunded; once shipped
    a partial refund is only an event. `cancel` cancels a paid, unshipped order refunded in
    full. `line_amounts` maps order line ids to the goods given back before tax: they come
    out of each line's seller. Refunding money captured for an order that was never paid (a
    flagged payment) changes only the amounts and the timeline."""
    order = lock_order(order_id)
    left = order.captured_total - order.refunded_total
    if amount <= 0 or amount > left:
        raise ShopError(
            f"A refund of {amount} is more than the {left} left to refund on order "
            f"{order.number}."
        )
    order.refunded_total += amount
    refund_note = note or f"Refunded {amount} {order.currency}."
    if order.paid_at is None:
        if restock:
            raise ShopError(f"Order {order.number} was never paid: nothing left its shelves.")
        order.save(update_fields=["refunded_total"])
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.REFUNDED, actor=actor,
                                  note=refund_note, is_internal=True)
        return order
    # The stock rows are locked before the order's save locks its paid day's figures
    # (dashboard.rollups), in the order a payment locks them, so the two never deadlock.
    _restock_lines(order, restock or {})
    _charge_lines(order, line_amounts or {})
    order.save(update_fields=["refunded_total"])
    email_customer(order, OrderEmail.Kind.REFUNDED)
    full = order.refunded_total >= order.total
    if cancel:
        if not full or order.status not in PAID_UNSHIPPED:
            raise CannotCancel(
                "Only a paid order that has not shipped, refunded in full, can be cancelled."
            )
        # Cancelled and refunded: nothing is left to review.
        move_status(order, Order.Status.CANCELLED, kind=OrderEvent.Kind.CANCELLED, actor=actor,
                    note=refund_note, closed_at=timezone.now(), needs_review=False)
    elif full and Order.Status.REFUNDED in TRANSITIONS[order.status]:
        move_status(order, Order.Status.REFUNDED, kind=OrderEvent.Kind.REFUNDED, actor=actor,
                    note=refund_note)
    elif not full and order.status == Order.Status.PAID:
        move_status(order, Order.Status.PARTIALLY_REFUNDED, kind=OrderEvent.Kind.REFUNDED,
                    actor=actor, note=refund_note)
    else:  # shipped or delivered in part, or closed already: the status stays
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.REFUNDED, actor=actor,
                                  note=refund_note)
    if line_amounts and order.status in PURCHASED:
        _cancel_refunded_parcels(order, actor)
    return order


def _cancel_refunded_parcels(order: Order, actor: User | None) -> None:
    """A parcel whose lines were all refunded before it left is not sent; an order whose
    other parcels have all left is then shipped."""
    parcels = shipments.cancel_refunded(order)
    if (order.status == Order.Status.PARTIALLY_SHIPPED
            and shipments.order_status(parcels) == Order.Status.SHIPPED):
        move_status(order, Order.Status.SHIPPED, kind=OrderEvent.Kind.SHIPPED, actor=actor,
                    note="The rest was refunded before it left.", shipped_at=timezone.now())


def _charge_lines(order: Order, line_amounts: dict[int, Decimal]) -> None:
    """Each line's seller bears what was given back for it, never more than was paid."""
    lines = list(order.lines.filter(pk__in=line_amounts))
    for line in lines:
        line.refunded = min(line.paid, line.refunded + line_amounts[line.pk])
    OrderLine.objects.bulk_update(lines, ["refunded"])
    caching.bump_customer(order.user_id)  # a bulk update sends no signal


def _restock_lines(order: Order, restock: dict[int, int]) -> None:
    if not restock:
        return
    lines = {line.pk: line for line in order.lines.filter(pk__in=restock)}
    quantities = {}
    for line_id, units in restock.items():
        line = lines.get(line_id)
        if line is None or units < 0 or line.quantity_restocked + units > line.quantity:
            raise ShopError(f"Cannot restock {units} units of that line of order {order.number}.")
        line.quantity_restocked += units
        if line.variant_id:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + units
    OrderLine.objects.bulk_update(lines.values(), ["quantity_restocked"])
    caching.bump_customer(order.user_id)  # a bulk update sends no signal
    inventory.restock(quantities=quantities)
