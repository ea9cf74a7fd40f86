"""What becomes of a demo order (see dashboard.demo.history) once it is placed: its parcels,
its payment, shipping and delivery, and its refunds.

Owns parcels and pay. An order leaves in one parcel per seller of its lines (a Shipment, the
order's shipping shared out between them as checkout shares it); each parcel is shipped and
delivered in its own time, and the order's status follows them as shop's order services
move it (shop.services.shipments.order_status): partially shipped while some parcels have
left and others not. Refunds by line are borne by the line's seller (`OrderLine.refunded`,
the goods before tax), as a refund by lines records them. Pay is charge, then fulfil: the
history scores an attacker's order for risk in between (dashboard.demo.attacks).

The first parcel's times and tracking number come from the history's own generator, drawn
as they were when every order was the store's alone, so a shop without sellers has the same
orders, parcels and times as before sellers came; every further parcel draws from `later`,
a generator of its own.
"""

import random
from datetime import datetime, timedelta

from core.money import ZERO, allocate, to_cents
from payments.models import Payment
from shop.models import Order, OrderLine, Shipment
from shop.services.shipments import order_status

PROVIDER = "test"
REFUNDED, PARTLY_REFUNDED = 0.03, 0.05  # shares of paid orders
# Hours from payment to the parcel leaving: the store's warehouse, and sellers packing their
# own, some made to order (slower: recent orders from several shops are often partly on
# their way).
STORE_DISPATCH = (12, 60)
SELLER_DISPATCH = (24, 168)
TRANSIT = (24, 96)  # hours on the road


def parcels(order: Order, lines: list[OrderLine], rank: dict[int, int]) -> list[Shipment]:
    """One pending parcel per seller of `lines`, listed as the order's pages list them
    (`rank`: the store first, then by name), each with an equal share of the shipping in
    cents, the first parcels taking any odd cent (shop.services.shipments.make)."""
    seller_ids = sorted({line.seller_id for line in lines}, key=rank.__getitem__)
    shares = allocate(order.shipping_total, [order.shipping_total] * len(seller_ids))
    return [Shipment(order=order, seller_id=seller_id, shipping=share)
            for seller_id, share in zip(seller_ids, shares, strict=True)]


def pay(rng: random.Random, later: random.Random, order: Order, lines: list[OrderLine],
        shipments: list[Shipment], horizon: datetime) -> list[Payment]:
    """Paid minutes after it was placed, then each parcel shipped and delivered as time
    allowed; maybe refunded in full, or in part (some units returned after delivery, or a
    line refunded before anything shipped)."""
    return fulfil(rng, later, order, lines, shipments, charge(rng, order), horizon)


def charge(rng: random.Random, order: Order) -> Payment:
    """The order paid minutes after it was placed: its capture."""
    order.paid_at = order.created_at + timedelta(minutes=rng.randint(1, 15))
    order.captured_total = order.total
    return Payment(
        order=order, provider=PROVIDER, kind=Payment.Kind.CAPTURE, amount=order.total,
        currency=order.currency, reference=f"test_{order.number}", created_at=order.paid_at,
        confirmed_at=order.paid_at,
    )


def fulfil(rng: random.Random, later: random.Random, order: Order, lines: list[OrderLine],
           shipments: list[Shipment], capture: Payment, horizon: datetime) -> list[Payment]:
    """What became of the paid order by `horizon` (see pay): its payments. An order held at
    payment is given its payment time as the horizon: nothing of it ships or is refunded."""
    shipped = order.paid_at + timedelta(hours=rng.uniform(*STORE_DISPATCH))
    times = [(shipped, shipped + timedelta(hours=rng.uniform(*TRANSIT)))]
    for _ in shipments[1:]:
        leaves = order.paid_at + timedelta(hours=later.uniform(*SELLER_DISPATCH))
        times.append((leaves, leaves + timedelta(hours=later.uniform(*TRANSIT))))
    delivered = max(arrives for _, arrives in times)
    refund_at, amount, status, before_shipping = _refund(rng, order, lines, delivered)
    if before_shipping:  # none of it will ship
        times = [(horizon, horizon)] * len(shipments)
    if refund_at is not None and refund_at >= horizon:  # not yet: no refund after all
        refund_at, amount, status = None, ZERO, None
        for line in lines:
            line.quantity_restocked, line.refunded = 0, ZERO
    _ship(rng, later, order, shipments, times, horizon)
    order.status = status or order.status
    if refund_at is None:
        return [capture]
    order.refunded_total = amount
    refund = Payment(
        order=order, provider=PROVIDER, kind=Payment.Kind.REFUND, amount=amount,
        currency=order.currency, reference=f"test_refund_{order.number}",
        capture_reference=capture.reference, created_at=refund_at, confirmed_at=refund_at,
    )
    return [capture, refund]


def _refund(rng: random.Random, order: Order, lines: list[OrderLine], delivered: datetime):
    """(when, how much, the order's status then, whether before anything shipped) of the
    order's refund, if it has one, with the lines refunded and restocked marked; when is
    None without one."""
    roll = rng.random()
    if roll < REFUNDED:
        return _refund_in_full(rng, order, lines, delivered)
    if roll >= REFUNDED + PARTLY_REFUNDED:
        return None, ZERO, None, False
    line = rng.choice(lines)
    returned = rng.randint(1, line.quantity)
    # What was paid for them and the tax on it, as a refund by lines gives back.
    paid = to_cents(line.paid * returned / line.quantity)
    amount = min(order.total, paid + to_cents(paid * order.tax_rate))
    if amount == order.total:  # every unit of a one-line order shipped free: in full, then
        return _refund_in_full(rng, order, lines, delivered)
    line.quantity_restocked, line.refunded = returned, paid
    if rng.random() < 1 / 3:  # refunded before it shipped
        refund_at = order.paid_at + timedelta(hours=rng.uniform(1, 12))
        return refund_at, amount, Order.Status.PARTIALLY_REFUNDED, True
    # Units sent back after delivery: the order stays delivered.
    return delivered + timedelta(days=rng.uniform(1, 14)), amount, None, False


def _refund_in_full(rng: random.Random, order: Order, lines: list[OrderLine],
                    delivered: datetime):
    for line in lines:
        line.quantity_restocked, line.refunded = line.quantity, line.paid
    refund_at = max(order.paid_at, delivered) + timedelta(days=rng.uniform(1, 14))
    return refund_at, order.total, Order.Status.REFUNDED, False


def _ship(rng: random.Random, later: random.Random, order: Order, shipments: list[Shipment],
          times: list[tuple[datetime, datetime]], horizon: datetime) -> None:
    for shipment, (shipped, delivered), draw in zip(
        shipments, times, [rng, *[later] * (len(shipments) - 1)], strict=True
    ):
        if shipped < horizon:
            shipment.status, shipment.shipped_at = Shipment.Status.SHIPPED, shipped
            shipment.tracking_number = f"1Z{draw.randrange(10**12):012d}"
        if delivered < horizon:
            shipment.status, shipment.delivered_at = Shipment.Status.DELIVERED, delivered
    order.status = order_status(shipments) or Order.Status.PAID
    # As shop's mark_shipped keeps them: every parcel's number, and the time the last left.
    order.tracking_number = ", ".join(
        dict.fromkeys(s.tracking_number for s in shipments if s.tracking_number))[:80]
    if order.status in (Order.Status.SHIPPED, Order.Status.DELIVERED):
        order.shipped_at = max(s.shipped_at for s in shipments)
    if order.status == Order.Status.DELIVERED:
        order.delivered_at = max(s.delivered_at for s in shipments)
