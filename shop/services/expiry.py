"""The expiry each order schedules for its deadline when it is placed (where the task backend
can run work later): a task, kept beside the checkout that enqueues it, since shop.tasks
stands above the services and a service may not import it back."""

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
