"""An order's shipments: one per seller whose lines it holds, each leaving with its own
tracking number. The order services (shop.services.orders) ship and deliver them under the
order's lock and move the order's status after them with `order_status`."""

from django.db.models import Count

from core.money import allocate
from shop.models.orders import Order
from shop.models.sellers import Shipment


def make(order: Order, seller_ids: list[int]) -> list[Shipment]:
    """The order's shipments, one per seller in `seller_ids` (in that order), the order's
    shipping charge shared out between them in cents (equal parts, the first parcels taking
    any odd cent)."""
    shares = allocate(order.shipping_total, [order.shipping_total] * len(seller_ids))
    return Shipment.objects.bulk_create(
        Shipment(order=order, seller_id=seller_id, shipping=share)
        for seller_id, share in zip(seller_ids, shares, strict=True)
    )


def of(order: Order) -> list[Shipment]:
    """The order's shipments, made now for orders placed before sellers shipped their own
    parts (one per seller of its lines)."""
    shipments = list(order.shipments.select_related("seller"))
    if shipments:
        return shipments
    sellers = (order.lines.order_by().values("seller_id").annotate(n=Count("pk"))
               .order_by("seller__is_store", "seller__name").values_list("seller_id", flat=True))
    made = make(order, list(sellers))
    # An order that left (or arrived) before parcels were kept left whole, as they say.
    if order.shipped_at is not None:
        for shipment in made:
            shipment.tracking_number, shipment.shipped_at = order.tracking_number, order.shipped_at
            shipment.status = Shipment.Status.SHIPPED
            if order.delivered_at is not None:
                shipment.status, shipment.delivered_at = (Shipment.Status.DELIVERED,
                                                          order.delivered_at)
        Shipment.objects.bulk_update(
            made, ["status", "tracking_number", "shipped_at", "delivered_at"])
    return list(order.shipments.select_related("seller"))


def order_status(shipments: list[Shipment]) -> str | None:
    """The status the order's shipments give it: delivered once all are, shipped once all
    have left, partially shipped once some have; None while none has. A parcel cancelled
    (all its lines refunded before it left) does not count."""
    statuses = {s.status for s in shipments if s.status != Shipment.Status.CANCELLED}
    if not statuses:
        return None
    if statuses == {Shipment.Status.DELIVERED}:
        return Order.Status.DELIVERED
    if Shipment.Status.PENDING not in statuses:
        return Order.Status.SHIPPED
    if statuses != {Shipment.Status.PENDING}:
        return Order.Status.PARTIALLY_SHIPPED
    return None


def cancel_refunded(order: Order) -> list[Shipment]:
    """The parcels still to leave whose lines have all been refunded in full: cancelled,
    nothing left to send. Returns the order's parcels."""
    everything = of(order)
    lines = list(order.lines.all())
    for shipment in everything:
        own = [line for line in lines if line.seller_id == shipment.seller_id]
        if shipment.status == Shipment.Status.PENDING and own and all(
            line.refunded >= line.paid for line in own
        ):
            shipment.status = Shipment.Status.CANCELLED
            shipment.save(update_fields=["status"])
    return everything
