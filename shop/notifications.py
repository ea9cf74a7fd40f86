"""Order emails, as HTML and plain text: confirmation, payment failed, cancelled, shipped,
refunded.

Services send them with `transaction.on_commit(partial(send_order_email.enqueue, ...))`, so
nothing goes out for a change that was rolled back. A mail server that does not answer or
refuses for now (`OSError`, which `smtplib.SMTPException` is) gets the email retried with
backoff (`shop.retries`).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string

from shop import retries
from shop.access import order_link
from shop.models import Order

SUBJECTS = {
    "confirmation": "Order {number} is confirmed",
    "payment_failed": "Payment for order {number} did not go through",
    "cancelled": "Order {number} is cancelled",
    "shipped": "Order {number} is on its way",
    "refunded": "A refund for order {number}",
}


@task
def send_order_email(*, order_id: int, kind: str, attempt: int = 1) -> None:
    retries.run_with_retries(
        send_order_email, _send, attempt=attempt, retry_on=(OSError,), order_id=order_id, kind=kind
    )


def _send(*, order_id: int, kind: str) -> None:
    order = Order.objects.prefetch_related("lines").get(pk=order_id)
    context = {
        "order": order,
        "lines": order.lines.all(),
        "order_url": order_link(order),
        "shop_url": settings.SITE_URL,
        "store_name": settings.STORE_NAME,
    }
    subject = f"[{settings.STORE_NAME}] " + SUBJECTS[kind].format(number=order.number)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/order_{kind}.txt", context),
        to=[order.email],
    )
    message.attach_alternative(render_to_string(f"emails/order_{kind}.html", context), "text/html")
    message.send()
