"""An order's parcels leaving and arriving: each seller ships its own parcel, and the order's
status follows them (shop.services.shipments.order_status). Like every order service, each
function is one transaction that locks the order row first."""

from django.db import transaction
from django.utils import timezone

from shop import caching
from shop.errors import IllegalTransition, ShopError
from shop.models.customers import User
from shop.models.orders import Order, OrderEmail, OrderEvent
from shop.models.sellers import Shipment
from shop.services import shipments
from shop.services.orders import email_customer, lock_order, move_status


@transaction.atomic
def mark_shipped(
    *, order_id: int, tracking_number: str, actor: User | None = None,
    seller_id: int | None = None,
) -> Order:
    """The parcels of the order not yet shipped (of one seller's, with `seller_id`) have left
    with this tracking number; the order is shipped once all its parcels have, partially
    shipped before. The customer gets an email per parcel naming what is in it. An order held
    for review (shop.services.risk) does not ship: IllegalTransition."""
    tracking_number = tracking_number.strip()
    if not tracking_number:
        raise ShopError("Give the parcel's tracking number to mark an order shipped.")
    order = lock_order(order_id)
    if order.needs_review:
        raise IllegalTransition(f"Order {order.number} is held for review: it ships once a "
                                "person who reviews orders has cleared the hold.")
    everything = shipments.of(order)
    leaving = [s for s in everything if s.status == Shipment.Status.PENDING
               and seller_id in (None, s.seller_id)]
    if not leaving:
        if all(s.seller_id != seller_id for s in everything) and seller_id is not None:
            raise IllegalTransition(f"Order {order.number} holds nothing of this shop's: its "
                                    "sellers ship their own parcels.")
        raise IllegalTransition(f"Order {order.number} has already shipped.")
    now = timezone.now()
    for shipment in leaving:
        shipment.status, shipment.tracking_number, shipment.shipped_at = (
            Shipment.Status.SHIPPED, tracking_number, now)
    Shipment.objects.bulk_update(leaving, ["status", "tracking_number", "shipped_at"])
    caching.bump_customer(order.user_id)  # a bulk update sends no signal
    note = f"Tracking number {tracking_number}."
    if len(everything) > 1:
        note = f"{', '.join(s.seller.name for s in leaving)} shipped. {note}"
    to = shipments.order_status(everything)
    if to == order.status:  # a further parcel, others still to go
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.SHIPPED, actor=actor,
                                  note=note)
        order.tracking_number = _tracking(everything)
        order.save(update_fields=["tracking_number"])
    else:
        move_status(order, to, kind=OrderEvent.Kind.SHIPPED, actor=actor, note=note,
                    tracking_number=_tracking(everything),
                    **({"shipped_at": now} if to == Order.Status.SHIPPED else {}))
    for shipment in leaving:
        email_customer(order, OrderEmail.Kind.SHIPPED, shipment=shipment)
    return order


def _tracking(shipments: list[Shipment]) -> str:
    numbers = dict.fromkeys(s.tracking_number for s in shipments if s.tracking_number)
    return ", ".join(numbers)[:80]


@transaction.atomic
def mark_delivered(
    *, order_id: int, actor: User | None = None, seller_id: int | None = None
) -> Order:
    """The shipped parcels of the order (of one seller's, with `seller_id`) have arrived; the
    order is delivered once all have."""
    order = lock_order(order_id)
    everything = shipments.of(order)
    arriving = [s for s in everything if s.status == Shipment.Status.SHIPPED
                and seller_id in (None, s.seller_id)]
    if seller_id is None and order.status != Order.Status.SHIPPED:
        arriving = []  # the whole order arrives only once all of it has left
    if not arriving:
        raise IllegalTransition(
            f"Order {order.number} is {order.get_status_display().lower()} and cannot become "
            "delivered."
        )
    now = timezone.now()
    for shipment in arriving:
        shipment.status, shipment.delivered_at = Shipment.Status.DELIVERED, now
    Shipment.objects.bulk_update(arriving, ["status", "delivered_at"])
    caching.bump_customer(order.user_id)  # a bulk update sends no signal
    if shipments.order_status(everything) == Order.Status.DELIVERED:
        move_status(order, Order.Status.DELIVERED, kind=OrderEvent.Kind.DELIVERED, actor=actor,
                    delivered_at=now)
    else:
        OrderEvent.objects.create(
            order=order, kind=OrderEvent.Kind.DELIVERED, actor=actor,
            note=f"{', '.join(s.seller.name for s in arriving)}: delivered.",
        )
    return order
