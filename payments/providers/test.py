"""The local test provider, for dev and tests only: a page of this shop where the shopper
approves or declines. Approving or declining produces the same PaymentEvent a real
provider's webhook would, and goes down the same path; so do its refunds, confirmed at once.
No money moves."""

from decimal import Decimal

from django.http import HttpRequest
from django.urls import reverse

from payments.providers.base import (
    Delivery,
    EventKind,
    PaymentEvent,
    StartedPayment,
    StartedRefund,
    WebhookRejected,
)
from shop.models import Order


class TestProvider:
    name = "test"

    def start_payment(
        self, order: Order, *, return_url: str, cancel_url: str, attempt_key: str
    ) -> StartedPayment:
        return StartedPayment(
            redirect_url=reverse("payments:test-checkout", args=[order.number]),
            reference=f"test_{attempt_key}",
        )

    def handle_return(self, order: Order, *, token: str) -> None:
        return None

    def refund(
        self, *, capture_reference: str, amount: Decimal, currency: str, request_key: str
    ) -> StartedRefund:
        reference = f"test_{request_key}"
        return StartedRefund(reference=reference, event=PaymentEvent(
            provider=self.name, kind=EventKind.REFUNDED, reference=reference, amount=amount,
            currency=currency, capture_reference=capture_reference, refund_request=request_key,
        ))

    def verify_webhook(self, request: HttpRequest) -> str:
        raise WebhookRejected("The test provider sends no webhooks.")

    def read_webhook(self, body: bytes) -> Delivery:
        raise ValueError("The test provider sends no webhooks.")

    def decision(self, order: Order, *, approve: bool) -> PaymentEvent:
        """What the shopper decided on the test page, as the provider would report it."""
        return PaymentEvent(
            provider=self.name,
            kind=EventKind.CAPTURED if approve else EventKind.FAILED,
            order_number=order.number,
            amount=order.total,
            currency=order.currency,
            reference=f"test_{order.number}",
            note="" if approve else "The test card was declined.",
        )
