"""The local test provider, for dev and tests only: a page of this shop where the shopper
approves or declines. Approving or declining produces the same PaymentEvent a real
provider's webhook would, and goes down the same path; so do its refunds, confirmed at once.
A decline ends that attempt and leaves the order open, as a real declined card does. No money
moves."""

import secrets
from decimal import Decimal
from urllib.parse import urlencode

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
        reference = f"test_{attempt_key}"
        page = reverse("payments:test-checkout", args=[order.number])
        return StartedPayment(
            redirect_url=f"{page}?{urlencode({'attempt': reference})}", reference=reference
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

    def decision(self, order: Order, *, approve: bool, attempt: str = "") -> PaymentEvent:
        """What the shopper decided on the test page for the attempt `attempt` (its
        reference; empty when the page was opened without one), as the provider would
        report it. Each attempt is declined once; the order is captured once."""
        if approve:
            return PaymentEvent(
                provider=self.name, kind=EventKind.CAPTURED, order_number=order.number,
                amount=order.total, currency=order.currency, reference=f"test_{order.number}",
                attempt_reference=attempt,
            )
        return PaymentEvent(
            provider=self.name, kind=EventKind.FAILED, order_number=order.number,
            amount=order.total, currency=order.currency,
            reference=f"{attempt or f'test_{order.number}:{secrets.token_hex(6)}'}:declined",
            attempt_reference=attempt, note="The test card was declined.",
        )
