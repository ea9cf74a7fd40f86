"""Signal receivers: an order placed at checkout marks its visitor's day as one that
ordered; a product added to a cart is counted for its visitor's day (the Products page's
funnel). A count lost to the database never breaks what the shopper did.

Orders, their lines and their risk rows saved or deleted keep the rollups in step
(dashboard.rollups), in the transaction of the change: unlike a session count, a rollup that
missed a payment would show wrong money, so an error there fails the change, which the
provider retries."""

import logging

from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from dashboard import rollups, sessions
from shop.models import Order, OrderLine, OrderRisk, Product, Variant
from shop.signals import added_to_cart, order_placed

logger = logging.getLogger(__name__)


@receiver(order_placed, dispatch_uid="dashboard.mark_session_ordered")
def mark_session_ordered(
    sender: type[Order], request: HttpRequest, order: Order, **kwargs: object
) -> None:
    try:
        sessions.mark_ordered(request)
    except DatabaseError:  # the order stands; only the conversion count misses it
        logger.warning("Order %s could not be counted for its visitor.", order.number,
                       exc_info=True)


@receiver(added_to_cart, dispatch_uid="dashboard.count_cart_add")
def count_cart_add(
    sender: type[Variant], request: HttpRequest, product: Product, **kwargs: object
) -> None:
    try:
        sessions.count_cart_add(request, slug=product.slug)
    except DatabaseError:  # the cart keeps its units; only the funnel misses them
        logger.warning("Adding %s to a cart could not be counted.", product.slug,
                       exc_info=True)


@receiver(post_save, sender=Order, dispatch_uid="dashboard.rollups.order_saved")
def order_saved(sender: type[Order], instance: Order, created: bool,
                update_fields: frozenset[str] | None, **kwargs: object) -> None:
    if created:
        rollups.note_order_placed(instance)
    rollups.note_order_saved(instance, update_fields=update_fields)


@receiver(post_delete, sender=Order, dispatch_uid="dashboard.rollups.order_deleted")
def order_deleted(sender: type[Order], instance: Order, **kwargs: object) -> None:
    rollups.note_order_deleted(instance)


@receiver(post_save, sender=OrderLine, dispatch_uid="dashboard.rollups.line_saved")
def line_saved(sender: type[OrderLine], instance: OrderLine,
               update_fields: frozenset[str] | None, **kwargs: object) -> None:
    rollups.note_line_changed(instance, update_fields=update_fields)


@receiver(post_delete, sender=OrderLine, dispatch_uid="dashboard.rollups.line_deleted")
def line_deleted(sender: type[OrderLine], instance: OrderLine, **kwargs: object) -> None:
    rollups.note_line_changed(instance)


@receiver(pre_save, sender=OrderRisk, dispatch_uid="dashboard.rollups.risk_scoring")
def risk_scoring(sender: type[OrderRisk], instance: OrderRisk,
                 update_fields: frozenset[str] | None, **kwargs: object) -> None:
    # The score it had, for its order to move from that score's count to its new one.
    instance._score_before = None
    if update_fields is None or "score" in update_fields:
        instance._score_before = rollups.score_before(instance)


@receiver(post_save, sender=OrderRisk, dispatch_uid="dashboard.rollups.risk_scored")
def risk_scored(sender: type[OrderRisk], instance: OrderRisk, created: bool,
                update_fields: frozenset[str] | None, **kwargs: object) -> None:
    if created or update_fields is None or "score" in update_fields:
        rollups.note_risk_scored(instance, before=getattr(instance, "_score_before", None))


@receiver(post_delete, sender=OrderRisk, dispatch_uid="dashboard.rollups.risk_deleted")
def risk_deleted(sender: type[OrderRisk], instance: OrderRisk, **kwargs: object) -> None:
    rollups.note_risk_deleted(instance)
