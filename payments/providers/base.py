"""What every payment provider implements, and the provider-neutral event they all produce.

A provider turns its own world (redirects, return pages, webhooks) into PaymentEvents;
`payments.services.apply_event` is the one path from an event to the order.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.http import HttpRequest

from shop.models import Order


@dataclass(frozen=True)
class PaymentEvent:
    provider: str
    kind: str  # "captured", "failed" or "refunded"
    order_number: str
    amount: Decimal
    currency: str
    reference: str  # the provider's id for this capture, failure or refund
    note: str = ""


class PaymentProvider(Protocol):
    name: str

    def start_payment(self, request: HttpRequest, order: Order) -> str:
        """Begin paying for the order; returns the address to send the shopper to."""

    def handle_return(self, request: HttpRequest, order: Order) -> None:
        """The shopper came back from the provider. Never fulfils: webhooks do."""

    def refund(self, order: Order, amount: Decimal) -> str:
        """Ask the provider to refund an amount; returns the provider's refund id."""

    def verify_webhook(self, request: HttpRequest) -> bool:
        """Whether a webhook request really comes from the provider."""

    def parse_webhook(self, request: HttpRequest) -> PaymentEvent | None:
        """A verified webhook as an event, or None for events that change nothing."""
