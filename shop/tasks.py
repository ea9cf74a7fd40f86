"""Background work: order emails, sent after the transaction that caused them commits, and
the expiry of unpaid orders. Tasks take ids and call a service; services enqueue them only
through `transaction.on_commit`, so nothing runs for a change that was rolled back."""

from django.tasks import task

from shop import notifications
from shop.services import orders


@task
def send_order_email(*, order_id: int, kind: str) -> None:
    notifications.send_order_email(order_id=order_id, kind=kind)


@task
def expire_unpaid_orders() -> int:
    return orders.expire_unpaid_orders()
