"""The payments' part of a customer's data export and of closing their account (the shop
sends the signals, not knowing this app): the transaction history of their orders goes into
the export; a refund still under way keeps the account open; the webhook bodies stored for
their orders lose the person's email, name and address when it closes."""

import json

from django.dispatch import receiver

from payments.models import Payment, WebhookEvent
from shop.models import Order, User
from shop.signals import check_account_closable, collect_personal_data, personal_data_erased

FIELDS = ["order__number", "kind", "status", "amount", "currency", "provider", "note",
          "created_at", "confirmed_at"]


@receiver(collect_personal_data, dispatch_uid="payments.export_payments")
def export_payments(sender: type[User], user: User | None, order_ids: list[int],
                    **kwargs: object) -> dict[str, list[dict]]:
    rows = Payment.objects.filter(order__in=order_ids).order_by("created_at", "pk")
    return {
        "payments": list(rows.exclude(kind=Payment.Kind.REFUND).values(*FIELDS)),
        "refunds": list(rows.filter(kind=Payment.Kind.REFUND).values(*FIELDS)),
    }


@receiver(check_account_closable, dispatch_uid="payments.refunds_under_way")
def refunds_under_way(sender: type[User], user: User | None, order_ids: list[int],
                      **kwargs: object) -> list[str]:
    numbers = (Payment.objects.filter(order__in=order_ids, kind=Payment.Kind.REFUND,
                                      status=Payment.Status.PENDING)
               .values_list("order__number", flat=True).distinct().order_by("order__number"))
    return [f"A refund for order {number} is under way: wait until it reaches you (we email "
            "you when it does)." for number in numbers]


@receiver(personal_data_erased, dispatch_uid="payments.erase_webhook_copies")
def erase_webhook_copies(sender: type[User], user: User | None, order_ids: list[int], scrub,
                         **kwargs: object) -> None:
    """The providers' bodies as they arrived (kept for replays and disputes) carry the
    payer's email, name and address: each such value is replaced, the rest kept."""
    numbers = Order.objects.filter(pk__in=order_ids).values_list("number", flat=True)
    for event in WebhookEvent.objects.filter(order_number__in=list(numbers)):
        try:
            payload = json.dumps(scrub(json.loads(event.payload)))
        except ValueError:
            payload = scrub(event.payload)
        error = scrub(event.error)
        if (payload, error) != (event.payload, event.error):
            WebhookEvent.objects.filter(pk=event.pk).update(payload=payload, error=error)
    for payment in Payment.objects.filter(order__in=order_ids).exclude(note=""):
        note = scrub(payment.note)
        if note != payment.note:
            Payment.objects.filter(pk=payment.pk).update(note=note)
