"""What every payment provider implements, and the provider-neutral shapes they produce.

A provider turns its own world (redirects, return pages, webhooks, refund calls) into
PaymentEvents; `payments.services.apply_event` is the one path from an event to the order.
Providers hold no rules about orders and write nothing to the database.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest

from shop.models import Order
from shop.services.risk import ProviderVerdict


class PaymentStartError(Exception):
    """The provider could not start a payment (declined, unreachable, misconfigured). The
    message is for the shopper; the cause is logged by the provider."""


class RefundError(Exception):
    """The provider refused a refund for good: retrying will not help."""


class ProviderUnavailable(Exception):
    """The provider did not answer or answered with a server error: try again later."""


class WebhookRejected(Exception):
    """A webhook request that is not provably from the provider (answered 400)."""


# Failures that may pass (the provider or the database did not answer): the tasks that call
# providers try again later on these.
PASSING_ERRORS = (ProviderUnavailable, OperationalError, InterfaceError)


class EventKind(StrEnum):
    """What a PaymentEvent reports. The values are what metrics and logs show."""

    # Money was taken for the order (reference: the capture's id, which refunds use).
    CAPTURED = "captured"
    # The attempt failed and is over (a declined card, a denied capture): the order stays
    # open with its stock reserved, to be paid again or another way.
    FAILED = "failed"
    # One try within an attempt that stays open was declined (Stripe keeps its Checkout
    # Session for another try): the order stays open too.
    DECLINED = "declined"
    # The payment is under way but not final (never fulfils).
    PENDING = "pending"
    # Money went back (reference: the refund's id).
    REFUNDED = "refunded"
    # The payer opened a dispute or chargeback.
    DISPUTED = "disputed"
    # The provider took captured money back.
    REVERSED = "reversed"
    # The provider ended the payment for good (its payment page expired): unless another
    # attempt is under way, the order is cancelled and its stock released.
    ABANDONED = "abandoned"
    # The provider's verdict on a payment (Stripe's Radar on a charge): the order is scored
    # for risk again; no money moved.
    SCREENED = "screened"


@dataclass(frozen=True)
class PaymentEvent:
    """Something a provider reports about the money of one order."""

    provider: str
    kind: EventKind
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
    # What the provider says of the payment's risk and card, when it says it.
    verdict: ProviderVerdict | None = None


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
        self, order: Order, *, return_url: str, cancel_url: str, attempt_key: str
    ) -> StartedPayment:
        """Open a payment attempt for the order; the provider sends the shopper back to
        `return_url` (paid or under way) or `cancel_url` (left without paying), both
        absolute. `attempt_key` is unique per attempt and is the idempotency key of the
        provider call. Raises PaymentStartError."""

    def handle_return(self, order: Order, *, token: str) -> None:
        """The shopper came back from the provider (PayPal captures here), `token` being
        the provider's id for the payment as the return URL carries it (PayPal's `token`
        query parameter; empty when there is none). Never fulfils: webhooks do. Raises
        PaymentStartError when the provider refuses."""

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
