"""Signal receivers: an order placed at checkout marks its visitor's day as one that
ordered."""

import logging

from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest

from dashboard import sessions
from shop.models import Order
from shop.signals import order_placed

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
