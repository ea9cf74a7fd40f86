"""Products and paid orders made for the recommendation tests."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from shop.models import Order, Product
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, VariantFactory


def product(name: str, category=None, *, price: str = "20.00", on_hand: int = 10,
            colour: str = "", description: str = "A plain, useful thing.", **fields) -> Product:
    made = ProductFactory(name=name, description=description, **fields,
                          **({"category": category} if category else {}))
    VariantFactory(product=made, price=Decimal(price), on_hand=on_hand, color=colour)
    return made


def paid_order(email: str, *products: Product, user=None, days_ago: int = 1) -> Order:
    paid_at = timezone.now() - timedelta(days=days_ago)
    order = OrderFactory(email=email, user=user, status=Order.Status.PAID, paid_at=paid_at)
    for bought in products:
        OrderLineFactory(order=order, variant=bought.variants.first())
    Order.objects.filter(pk=order.pk).update(created_at=paid_at)
    return order
