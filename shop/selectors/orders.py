"""Orders as the customer sees them: their history, and one order with its timeline."""

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet

from shop.models import Order, OrderEvent, User

ORDERS_PER_PAGE = 20


def order_history(user: User, *, page_number: str | int = 1) -> Page:
    orders = Order.objects.filter(user=user).order_by("-created_at", "-pk")
    return Paginator(orders, ORDERS_PER_PAGE).get_page(page_number)


def order_detail() -> QuerySet[Order]:
    """Orders with their lines and the events a customer may see (staff notes left out)."""
    return Order.objects.prefetch_related(
        "lines", Prefetch("events", queryset=OrderEvent.objects.filter(is_internal=False))
    )
