"""What every payment provider implements, and the provider-neutral shapes they produce.

A provider turns its own world (redirects, return pages, webhooks, refund calls) into
PaymentEvents; `payments.services.apply_event` is the one path from an event to the order.
Providers hold no rules about orders and write nothing to the database.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.http import HttpRequest

from shop.models import Order


class PaymentStartError(Exception):
    """The provider could not start a payment (declined, unreachable, misconfigured). The
    message is for the shopper; the cause is logged by the provider."""


class RefundError(Exception):
    """The provider refused a refund for good: retrying will not help."""


class ProviderUnavailable(Exception):
    """The provider did not answer or answered with a server error: try again later."""


class WebhookRejected(Exception):
    """A webhook request that is not provably from the provider (answered 400)."""


@dataclass(frozen=True)
class PaymentEvent:
    """Something a provider reports about the money of one order.

    kind:
      "captured"  money was taken for the order (reference: the capture's id, which refunds use);
      "failed"    the payment failed for good: the order is cancelled and its stock released;
      "declined"  one try was declined, the shopper may try again: the order stays open;
      "pending"   the payment is under way but not final (never fulfils);
      "refunded"  money went back (reference: the refund's id);
      "disputed"  the payer opened a dispute or chargeback;
      "reversed"  the provider took captured money back;
      "abandoned" the payment page expired or was left: changes nothing but the history.
    """

    provider: str
    kind: str
    reference: str  # the provider's id for this capture, refund, dispute, …
    order_number: str = ""  # empty when the provider's message does not carry it
    amount: Decimal = Decimal("0.00")
    currency: str = ""
    # The capture this refund, dispute or reversal is about (how the order is found when
    # the message does not name it).
    capture_reference: str = ""
    # For providers that report refunds as a running total per capture (Stripe's
    # charge.refunded): everything refunded on the capture so far; `amount` is then unused.
    refunded_to_date: Decimal | None = None
    # The shop's own refund request this refund answers, when the provider echoes it back.
    refund_request: str = ""
    attempt_reference: str = ""  # the payment attempt (checkout session, PayPal order)
    note: str = ""


@dataclass(frozen=True)
class Delivery:
    """A verified webhook, read: its id and type, and the event it reports (None for types
    this shop does not act on)."""

    event_id: str
    type: str
    event: PaymentEvent | None


@dataclass(frozen=True)
class StartedPayment:
    """A payment attempt the provider opened: where to send the shopper, and the
    provider's id for the attempt."""

    redirect_url: str
    reference: str


@dataclass(frozen=True)
class StartedRefund:
    """A refund the provider accepted: its id, and the event when the provider confirms it
    at once (the test provider); real providers confirm by webhook."""

    reference: str
    event: PaymentEvent | None = None


class PaymentProvider(Protocol):
    name: str

    def start_payment(
        self, request: HttpRequest, order: Order, *, attempt_key: str
    ) -> StartedPayment:
        """Open a payment attempt for the order. `attempt_key` is unique per attempt and is
        the idempotency key of the provider call. Raises PaymentStartError."""

    def handle_return(self, request: HttpRequest, order: Order) -> None:
        """The shopper came back from the provider (PayPal captures here). Never fulfils:
        webhooks do. Raises PaymentStartError when the provider refuses."""

    def refund(
        self, *, capture_reference: str, amount: Decimal, currency: str, request_key: str
    ) -> StartedRefund:
        """Ask the provider to refund part of a capture. `request_key` names the shop's
        refund request (idempotency key, and echoed back where the provider allows).
        Raises RefundError, or ProviderUnavailable for a passing failure."""

    def verify_webhook(self, request: HttpRequest) -> str:
        """Check the request really comes from the provider, before anything else; returns
        how it was verified (kept with the stored event). Raises WebhookRejected."""

    def read_webhook(self, body: bytes) -> Delivery:
        """A verified webhook's body, read (also used to replay a stored one). Raises
        ValueError for a body that is not a well-formed event."""
