"""Background work on orders: the sweep that expires every order unpaid past its deadline
(also `manage.py expire_orders`). Each order's own expiry is a task of
`shop.services.expiry`, order emails are tasks of `shop.notifications`, and a customer's
download of their data is prepared by a task of `shop.services.data_export`, each enqueued by
the services. Tasks take ids and call a service; a database that is briefly away (a dropped
connection, a lock timeout) gets them retried with backoff (`core.retries`)."""

from django.tasks import task

from core import retries
from shop.services import orders
from shop.services.expiry import PASSING_DATABASE_ERRORS


@task
def expire_unpaid_orders(*, attempt: int = 1) -> int:
    return retries.run_with_retries(
        expire_unpaid_orders,
        orders.expire_unpaid_orders,
        attempt=attempt,
        retry_on=PASSING_DATABASE_ERRORS,
    )
