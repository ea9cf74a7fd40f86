"""Background work on orders: the expiry of unpaid orders, one by one when the task backend
can run work later, and as a sweep (also `manage.py expire_orders`). Order emails are tasks
of `shop.notifications`. Tasks take ids and call a service; a database that is briefly away
(a dropped connection, a lock timeout) gets them retried with backoff (`core.retries`)."""

from django.db import InterfaceError, OperationalError
from django.tasks import task

from core import retries
from shop.errors import NotDueYet
from shop.services import orders

PASSING_DATABASE_ERRORS = (OperationalError, InterfaceError)


@task
def expire_order(*, order_id: int, attempt: int = 1) -> bool:
    """Expire the order at the deadline stored on it. A run before then (a worker whose clock
    or settings differ from the web's) schedules itself again for the deadline."""
    try:
        return retries.run_with_retries(
            expire_order,
            orders.expire_order,
            attempt=attempt,
            retry_on=PASSING_DATABASE_ERRORS,
            order_id=order_id,
        )
    except NotDueYet as early:
        # Without a backend that runs work later, `manage.py expire_orders` expires it.
        if expire_order.get_backend().supports_defer:
            expire_order.using(run_after=early.due).enqueue(order_id=order_id)
        return False


@task
def expire_unpaid_orders(*, attempt: int = 1) -> int:
    return retries.run_with_retries(
        expire_unpaid_orders,
        orders.expire_unpaid_orders,
        attempt=attempt,
        retry_on=PASSING_DATABASE_ERRORS,
    )
