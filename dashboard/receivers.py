"""Signal receivers: an order placed at checkout marks its visitor's day as one that
ordered; a product added to a cart is counted for its visitor's day (the Products page's
funnel). A count lost to the database never breaks what the shopper did.

Orders and their lines saved or deleted keep the daily rollups in step (dashboard.rollups),
in the transaction of the change: unlike a session count, a rollup that missed a payment
would show wrong money, so an error there fails the change, which the provider retries."""

import logging

from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from dashboard import rollups, sessions
from shop.models import Order, OrderLine, Product, Variant
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
def order_saved(sender: type[Order], instance: Order, update_fields: frozenset[str] | None,
                **kwargs: object) -> None:
    rollups.note_order_saved(instance, update_fields=update_fields)


@receiver(post_delete, sender=Order, dispatch_uid="dashboard.rollups.order_deleted")
def order_deleted(sender: type[Order], instance: Order, **kwargs: object) -> None:
    rollups.note_order_deleted(instance)


@receiver(post_save, sender=OrderLine, dispatch_uid="dashboard.rollups.line_saved")
@receiver(post_delete, sender=OrderLine, dispatch_uid="dashboard.rollups.line_deleted")
def line_changed(sender: type[OrderLine], instance: OrderLine, **kwargs: object) -> None:
    rollups.note_line_changed(instance)
