"""Background work on orders: the expiry of unpaid orders, one by one when the task backend
can run work later, and as a sweep (also `manage.py expire_orders`). Order emails are tasks
of `shop.notifications`. Tasks take ids and call a service."""

from django.tasks import task

from shop.services import orders


@task
def expire_order(*, order_id: int) -> bool:
    return orders.expire_order(order_id=order_id)


@task
def expire_unpaid_orders() -> int:
    return orders.expire_unpaid_orders()
