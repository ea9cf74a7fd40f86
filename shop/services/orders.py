"""An order's life after it is placed: paid, a payment attempt failed, payment ended for good,
cancelled, expired; and staff's internal notes on it (shipping and delivery, parcel by
parcel, are shop.services.fulfilment's). Payment providers call `mark_paid`,
`record_failed_payment` and `end_payment` (and shop.services.order_refunds.record_refund,
which uses the helpers here); staff and customers call the rest.

Each public function is one transaction that locks the order row first, so a webhook, a
staff action and the expiry task never act on the same order at once. Every status change
goes through `move_status`, which refuses what TRANSITIONS does not allow and writes the
timeline's event.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from monitoring import alerts
from shop import notifications
from shop.errors import CannotCancel, IllegalTransition, NotDueYet, ShopError
from shop.models.customers import User
from shop.models.orders import (
    PAID_UNSHIPPED,
    TRANSITIONS,
    Order,
    OrderEmail,
    OrderEvent,
)
from shop.models.risk import OrderRisk
from shop.models.sellers import Shipment
from shop.services import cart as cart_services
from shop.services import inventory
from worker.enqueue import enqueue_with_transaction

logger = logging.getLogger(__name__)


def lock_order(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _quantities(order: Order) -> dict[int, int]:
    return {
        variant_id: quantity
        for variant_id, quantity in order.lines.filter(variant__isnull=False)
        .order_by("variant_id")
        .values_list("variant_id", "quantity")
    }


def move_status(
    order: Order, to: Order.Status, *, kind: OrderEvent.Kind, actor: User | None = None,
    note: str = "", **stamps: object,
) -> None:
    if to not in TRANSITIONS[order.status]:
        raise IllegalTransition(
            f"Order {order.number} is {order.get_status_display().lower()} and cannot become "
            f"{Order.Status(to).label.lower()}."
        )
    OrderEvent.objects.create(
        order=order, kind=kind, from_status=order.status, to_status=to, actor=actor, note=note
    )
    order.status = to
    for field, value in stamps.items():
        setattr(order, field, value)
    order.save(update_fields=["status", *stamps])


def email_customer(
    order: Order, kind: OrderEmail.Kind, *, shipment: Shipment | None = None
) -> None:
    """Send the customer an email about this change (about one parcel of it), once it has
    committed."""
    email = OrderEmail.objects.create(order=order, kind=kind, shipment=shipment)
    enqueue_with_transaction(notifications.send_order_email, email_id=email.pk)


def hold_for_review(
    order: Order, note: str, *, kind: OrderEvent.Kind = OrderEvent.Kind.PAYMENT_MISMATCH
) -> None:
    """Keep the money, hold the order for a person to look at, and tell staff."""
    order.needs_review = True
    order.save(update_fields=["needs_review"])
    OrderEvent.objects.create(order=order, kind=kind, note=note, is_internal=True)
    logger.error("Order %s needs review: %s", order.number, note)
    transaction.on_commit(partial(
        alerts.raise_alert, alerts.PAYMENT_REVIEW, f"Order {order.number} needs review: {note}",
        guard=f"{alerts.PAYMENT_REVIEW}:{order.number}",
    ))


@transaction.atomic
def flag_for_review(
    *, order_id: int, note: str, kind: OrderEvent.Kind = OrderEvent.Kind.PAYMENT_MISMATCH
) -> Order:
    """Something happened to the order's money that a person must look at (a dispute, a
    reversal): flag the order, note why on the timeline (internally) and alert staff."""
    order = lock_order(order_id)
    hold_for_review(order, note, kind=kind)
    return order


@transaction.atomic
def note_payment(
    *, order_id: int, note: str, internal: bool = False, actor: User | None = None
) -> OrderEvent:
    """A payment update that changes no status (a declined try, a payment pending at the
    provider, a refund asked for), on the order's timeline."""
    order = lock_order(order_id)
    return OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.PAYMENT_UPDATE, note=note, actor=actor,
        is_internal=internal,
    )


@transaction.atomic
def choose_payment_provider(*, order_id: int, provider: str) -> Order:
    """The shopper starts paying an open order: again, or another way than the one picked at
    checkout. The last attempt's failure is no longer news, so the pages stop showing it."""
    order = lock_order(order_id)
    if not order.is_open:
        raise IllegalTransition(f"Order {order.number} is no longer waiting for payment.")
    if order.payment_provider != provider or order.payment_failure:
        order.payment_provider = provider
        order.payment_failure = ""
        order.save(update_fields=["payment_provider", "payment_failure"])
    return order


@transaction.atomic
def mark_paid(*, order_id: int, amount: Decimal, currency: str, provider: str) -> Order:
    """A provider captured a payment for the order (each capture once: callers deduplicate
    by the provider's reference). The money is always recorded; the order is paid only when
    the capture matches it and it is still awaiting payment. Otherwise (wrong amount or
    currency, a second capture, or one after the order closed) it is flagged for review."""
    order = lock_order(order_id)
    if currency.upper() != order.currency:
        hold_for_review(order, f"{provider} captured {amount} {currency}, not in the order's "
                               f"currency ({order.currency}). Refund it.")
        return order
    order.captured_total += amount
    order.save(update_fields=["captured_total"])
    if order.paid_at is not None:
        hold_for_review(order, f"{provider} captured {amount} {currency} more for an order "
                               "already paid: a double charge? Refund the extra.")
    elif amount != order.total:
        hold_for_review(order, f"{provider} captured {amount} {currency}; the order is for "
                               f"{order.total} {order.currency}. Check it, then refund or "
                               "fulfil by hand.")
    elif order.status != Order.Status.AWAITING_PAYMENT:
        hold_for_review(order, f"{provider} captured {amount} {currency} after the order was "
                               f"{order.get_status_display().lower()}; its stock was released. "
                               "Refund it, or fulfil it by hand.")
    else:
        quantities = _quantities(order)
        levels = inventory.commit_stock(quantities=quantities)
        transaction.on_commit(partial(_alert_low_stock, levels))
        move_status(order, Order.Status.PAID, kind=OrderEvent.Kind.PAID,
                    note=f"Paid ({provider} provider).", paid_at=timezone.now(),
                    is_repeat_purchase=_has_paid_before(order), payment_failure="")
        if order.cart_id:
            cart_services.take_paid_units(cart_id=order.cart_id, bought=quantities)
        email_customer(order, OrderEmail.Kind.CONFIRMATION)
    return order


def _has_paid_before(order: Order) -> bool:
    """Whether the order's customer (its email address, in any case) paid for another order
    before."""
    return (
        Order.objects.annotate(customer=Lower("email"))
        .filter(customer=order.email.lower(), paid_at__isnull=False)
        .exclude(pk=order.pk)
        .exists()
    )


def _alert_low_stock(levels: dict[str, int]) -> None:
    for sku, available in levels.items():
        alerts.alert_low_stock(sku, available)


def _close(
    order: Order, to: Order.Status, *, kind: OrderEvent.Kind, actor: User | None = None,
    note: str = "", email: OrderEmail.Kind | None = None,
) -> None:
    """An unpaid order will not go ahead: its reserved units go back on sale."""
    inventory.release_stock(quantities=_quantities(order))
    move_status(order, to, kind=kind, actor=actor, note=note, closed_at=timezone.now())
    if email:
        email_customer(order, email)


@transaction.atomic
def record_failed_payment(*, order_id: int, provider: str, reason: str = "") -> Order:
    """A payment attempt failed (a declined card, a denied capture): the order stays
    awaiting payment with its stock reserved, for the shopper to try again or pay another
    way until its deadline. The reason is kept for the order's page and written on the
    timeline. The first failure of an order is emailed with a link to pay it
    (for a shopper who has left the provider's page); later ones show on the page they are
    looking at. A failure reported for an order no longer awaiting payment changes nothing."""
    order = lock_order(order_id)
    if not order.is_open:
        return order
    reason = reason or "The payment was declined."
    order.payment_failure = reason[:255]
    order.save(update_fields=["payment_failure"])
    _count_failed_try(order)
    OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.PAYMENT_FAILED,
        note=f"{_provider_label(provider)}: {reason} The order is still waiting for payment.",
    )
    if not order.emails.filter(kind=OrderEmail.Kind.PAYMENT_FAILED).exists():
        email_customer(order, OrderEmail.Kind.PAYMENT_FAILED)
    return order


@transaction.atomic
def record_declined_try(*, order_id: int, provider: str, reason: str = "") -> OrderEvent:
    """One try of a payment attempt that stays open was declined (Stripe keeps its page open
    for another card): a line on the timeline, and a failed try for the risk rules."""
    order = lock_order(order_id)
    _count_failed_try(order)
    return OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.PAYMENT_UPDATE,
        note=f"A payment try was declined at {provider}{f' ({reason})' if reason else ''}; "
             "the payment page stays open for another.",
    )


def _count_failed_try(order: Order) -> None:
    OrderRisk.objects.filter(order=order).update(failed_tries=F("failed_tries") + 1)


def _provider_label(provider: str) -> str:
    return settings.PAYMENT_PROVIDER_LABELS.get(provider, provider)


@transaction.atomic
def end_payment(*, order_id: int, provider: str, reason: str = "") -> Order:
    """The provider ended the payment for good (its payment page expired): the order is
    cancelled and its stock released, as at its deadline, without an email. A failure
    reported for an order no longer awaiting payment changes nothing."""
    order = lock_order(order_id)
    if order.status == Order.Status.AWAITING_PAYMENT and not (
        order.captured_total or order.needs_review
    ):  # money that arrived and did not match is settled by staff, as at the deadline
        reason = reason or "The payment was not completed."
        _close(order, Order.Status.CANCELLED, kind=OrderEvent.Kind.PAYMENT_FAILED,
               note=f"{_provider_label(provider)}: {reason} The items went back on sale.")
    return order


@transaction.atomic
def cancel_order(*, order_id: int, actor: User | None = None, note: str = "") -> Order:
    """Cancel an order that is not paid yet and release its stock. A paid order is
    cancelled by refunding it in full; a shipped one cannot be."""
    order = lock_order(order_id)
    if order.status in PAID_UNSHIPPED:
        raise CannotCancel(
            f"Order {order.number} is paid: it is cancelled by refunding it in full."
        )
    if order.status != Order.Status.AWAITING_PAYMENT:
        raise CannotCancel(
            f"Order {order.number} is {order.get_status_display().lower()} and can no longer "
            "be cancelled."
        )
    _close(order, Order.Status.CANCELLED, kind=OrderEvent.Kind.CANCELLED, actor=actor, note=note,
           email=OrderEmail.Kind.CANCELLED)
    return order


@transaction.atomic
def expire_order(*, order_id: int, now: datetime | None = None) -> bool:
    """Close an order left unpaid past its deadline and release its stock. Returns whether
    it expired: it may have been paid or cancelled meanwhile, or money may have arrived
    that did not match it, which staff settle by hand (the order waits, flagged). Money in
    another currency is not in captured_total, so the flag is what keeps such an order.
    Raises NotDueYet before the deadline stored on the order."""
    order = lock_order(order_id)
    now = now or timezone.now()
    if order.status != Order.Status.AWAITING_PAYMENT or order.captured_total or order.needs_review:
        return False
    if order.payment_deadline > now:
        raise NotDueYet(due=order.payment_deadline)
    minutes = round((order.payment_deadline - order.created_at).total_seconds() / 60)
    _close(order, Order.Status.EXPIRED, kind=OrderEvent.Kind.EXPIRED,
           note=f"Not paid within {minutes} minutes; the items went back on sale.")
    return True


def expire_unpaid_orders(*, now: datetime | None = None) -> int:
    """Expire every order unpaid past its deadline, each in its own transaction. Returns how
    many expired."""
    now = now or timezone.now()
    # Orders from before deadlines were stored keep the timeout in force.
    overdue = Q(pay_by__lte=now) | Q(
        pay_by__isnull=True,
        created_at__lte=now - timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
    )
    pks = Order.objects.filter(
        overdue, status=Order.Status.AWAITING_PAYMENT, captured_total=0, needs_review=False
    ).values_list("pk", flat=True)
    return sum(expire_order(order_id=pk, now=now) for pk in list(pks))


@transaction.atomic
def add_note(*, order_id: int, note: str, actor: User | None = None) -> OrderEvent:
    """Staff write something down on the order's timeline for each other. The note is
    internal: customers never see it. The status stays as it is."""
    note = note.strip()
    if not note:
        raise ShopError("Write something in the note before saving it.")
    order = lock_order(order_id)
    return OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.NOTE, note=note, actor=actor, is_internal=True
    )


@transaction.atomic
def resend_last_email(*, order_id: int, actor: User | None = None) -> Order:
    """Send the customer the last email about the order again (they lost it, or it went to
    spam), noted on the timeline for staff. Raises ShopError when none has been sent."""
    order = lock_order(order_id)
    last = order.emails.order_by("-created_at", "-pk").first()
    if last is None:
        raise ShopError(f"Order {order.number}: no email has gone to the customer yet.")
    if last.sent_at is None:
        raise ShopError(f"Order {order.number}: its last email is still on its way; try "
                        "again once it has gone.")
    email_customer(order, last.kind, shipment=last.shipment)
    OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.NOTE, actor=actor, is_internal=True,
        note=f"Sent the “{last.get_kind_display()}” email again.",
    )
    return order


@transaction.atomic
def set_needs_review(
    *, order_id: int, needs_review: bool, actor: User | None = None
) -> Order:
    """Staff flag an order for a closer look, or clear the flag once they have looked; the
    timeline says who did it (internally: customers never see it)."""
    order = lock_order(order_id)
    if order.needs_review != needs_review:
        order.needs_review = needs_review
        order.save(update_fields=["needs_review"])
        note = "Flagged for review." if needs_review else "Review done: flag cleared."
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.NOTE, note=note, actor=actor,
                                  is_internal=True)
    return order
