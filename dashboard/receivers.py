"""Signal receivers: an order placed at checkout marks its visitor's day as one that
ordered; a product added to a cart is counted for its visitor's day (the Products page's
funnel). A count lost to the database never breaks what the shopper did."""

import logging

from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest

from dashboard import sessions
from shop.models import Order, Product, Variant
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
