"""Order emails, as HTML and plain text: confirmation, payment failed, cancelled, shipped,
refunded.

Services write an `OrderEmail` row with the change it tells of and enqueue `send_order_email`
in the same transaction, so nothing goes out for a change that was rolled back and nothing is
lost for one that committed. The task locks the row and marks it sent once the mail server
took the message: a task run again (its worker died, a retry) sends nothing twice. A mail
server that does not answer or refuses for now (`OSError`, which `smtplib.SMTPException` is)
gets the email retried with backoff (`core.retries`).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from core import retries
from shop.access import order_link
from shop.models import OrderEmail
from shop.models.customers import is_pseudonym

SUBJECTS = {
    OrderEmail.Kind.CONFIRMATION: "Order {number} is confirmed",
    OrderEmail.Kind.PAYMENT_FAILED: "Payment for order {number} did not go through",
    OrderEmail.Kind.CANCELLED: "Order {number} is cancelled",
    OrderEmail.Kind.SHIPPED: "Order {number} is on its way",
    OrderEmail.Kind.REFUNDED: "A refund for order {number}",
}


@task
def send_order_email(*, email_id: int, attempt: int = 1) -> bool:
    """Send the email unless it went already. Returns whether it was sent now."""
    return retries.run_with_retries(
        send_order_email, _send, attempt=attempt, retry_on=(OSError,), email_id=email_id
    )


@transaction.atomic
def _send(*, email_id: int) -> bool:
    email = (OrderEmail.objects.select_for_update(of=("self",))
             .select_related("order", "shipment__seller").get(pk=email_id))
    if email.sent_at is not None:
        return False
    order = email.order
    if is_pseudonym(order.email):
        # The customer closed their account: nothing more goes out to them.
        email.sent_at = timezone.now()
        email.save(update_fields=["sent_at"])
        return False
    lines = list(order.lines.select_related("seller"))
    context = {
        "order": order,
        "email": email,
        "lines": lines,
        # Which shop sends what, once the order leaves in parcels from several.
        "by_seller": len({line.seller_id for line in lines}) > 1,
        "discounts": order.discount_rows,
        "order_url": order_link(order),
        "shop_url": settings.SITE_URL,
        "store_name": settings.STORE_NAME,
    }
    subject = f"[{settings.STORE_NAME}] " + SUBJECTS[email.kind].format(number=order.number)
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/order_{email.kind}.txt", context),
        to=[order.email],
    )
    message.attach_alternative(
        render_to_string(f"emails/order_{email.kind}.html", context), "text/html"
    )
    message.send()
    email.sent_at = timezone.now()
    email.save(update_fields=["sent_at"])
    return True
