"""The local test provider, for dev and tests only: a page of this shop where the shopper
approves or declines. Approving or declining produces the same PaymentEvent a real
provider's webhook would, and goes down the same path. No money moves."""

from decimal import Decimal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import get_random_string

from payments.providers.base import PaymentEvent
from shop.models import Order


class TestProvider:
    name = "test"

    def start_payment(self, request: HttpRequest, order: Order) -> str:
        return reverse("payments:test-checkout", args=[order.number])

    def handle_return(self, request: HttpRequest, order: Order) -> None:
        return None

    def refund(self, order: Order, amount: Decimal) -> str:
        return f"test_refund_{get_random_string(12)}"

    def verify_webhook(self, request: HttpRequest) -> bool:
        return False  # the test provider sends no webhooks

    def parse_webhook(self, request: HttpRequest) -> PaymentEvent | None:
        return None

    def decision(self, order: Order, *, approve: bool) -> PaymentEvent:
        """What the shopper decided on the test page, as the provider would report it."""
        return PaymentEvent(
            provider=self.name,
            kind="captured" if approve else "failed",
            order_number=order.number,
            amount=order.total,
            currency=order.currency,
            reference=f"test_{order.number}",
            note="" if approve else "The test card was declined.",
        )
