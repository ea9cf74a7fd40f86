"""Scoring orders for risk (the rules are shop.risk.rules) and holding the risky ones.

An order is scored when it is placed, again when its payment arrives, and again when the
provider reports on the payment (Stripe's Radar verdict and the card, PayPal's seller
protection). Its risk row keeps the latest score and reasons. A paid order scoring
RISK_REVIEW_THRESHOLD or more is held for review (`needs_review`, a line on its timeline,
the alert staff get for money the shop did not expect): it cannot be marked shipped until a
person with the permission to review orders clears the hold, or cancels the order with a
refund. An unpaid order is only scored: nothing ships before it is paid, and holding it
would keep its stock from expiring back on sale (card testers place many such orders).
An order is held once: after a person has cleared it, later reports do not hold it again.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.errors import ShopError
from shop.models import Order, OrderEvent, OrderRisk
from shop.models.customers import User
from shop.models.orders import PAID_UNSHIPPED
from shop.risk import facts, rules
from shop.services.orders import hold_for_review, lock_order


@dataclass(frozen=True)
class ProviderVerdict:
    """What a payment provider tells of a payment, where it tells it."""

    card_fingerprint: str = ""
    billing_country: str = ""
    risk_level: str = ""  # Stripe's outcome.risk_level: normal, elevated, highest
    risk_score: int | None = None  # Stripe's outcome.risk_score, 0 to 100
    seller_protection: str = ""  # PayPal's: ELIGIBLE, PARTIALLY_ELIGIBLE, NOT_ELIGIBLE


def record_placement(order: Order, *, client_ip: str | None) -> OrderRisk:
    """The order was just placed (in its transaction): keep where it came from and score it."""
    risk = OrderRisk(
        order=order, placed_at=order.created_at, email_key=facts.email_key(order.email),
        address_key=facts.address_key(order.address_values()), client_ip=client_ip or None,
    )
    _score(order, risk, stage=OrderRisk.Stage.PLACED)
    risk.save(force_insert=True)
    return risk


def risk_of(order: Order) -> OrderRisk:
    """The order's risk row; one is made for an order placed before rows were kept."""
    risk, _ = OrderRisk.objects.get_or_create(order=order, defaults={
        "placed_at": order.created_at, "email_key": facts.email_key(order.email),
        "address_key": facts.address_key(order.address_values()),
    })
    return risk


def _score(order: Order, risk: OrderRisk, *, stage: OrderRisk.Stage,
           as_of: datetime | None = None) -> None:
    """Work the score out again into `risk`, unsaved."""
    provider = settings.PAYMENT_PROVIDER_LABELS.get(order.payment_provider,
                                                    order.payment_provider)
    assessment = rules.assess(facts.gather(order, risk, as_of=as_of, provider=provider))
    risk.score = assessment.score
    risk.reasons = [reason.as_dict() for reason in assessment.reasons]
    risk.stage, risk.assessed_at = stage, as_of or timezone.now()


def is_risky(risk: OrderRisk) -> bool:
    return risk.score >= settings.RISK_REVIEW_THRESHOLD


@transaction.atomic
def payment_arrived(*, order_id: int, verdict: ProviderVerdict | None = None) -> OrderRisk:
    """A payment was captured for the order, or the provider reported on it: score the order
    again with what the provider said, and hold it when it is risky, paid and not shipped."""
    order = lock_order(order_id)
    risk = risk_of(order)
    stage = OrderRisk.Stage.PAID
    if verdict is not None:
        stage = OrderRisk.Stage.PROVIDER
        for field, value in (("card_fingerprint", verdict.card_fingerprint),
                             ("billing_country", verdict.billing_country.upper()[:2]),
                             ("provider_risk_level", verdict.risk_level.lower()[:20]),
                             ("provider_risk_score", verdict.risk_score),
                             ("seller_protection", verdict.seller_protection.upper()[:30])):
            if value not in ("", None):
                setattr(risk, field, value)
    _score(order, risk, stage=stage)
    risk.save()
    if (is_risky(risk) and order.status in PAID_UNSHIPPED and not order.needs_review
            and not order.events.filter(kind=OrderEvent.Kind.RISK).exists()):
        hold_for_review(order, hold_note(risk), kind=OrderEvent.Kind.RISK)
    return risk


def hold_note(risk: OrderRisk) -> str:
    """What the order's timeline says when its score holds it."""
    reasons = " ".join(f"{reason['why']} (+{reason['points']})" for reason in risk.reasons)
    return (f"Risk score {risk.score}: {reasons} Check it, then clear the hold or cancel the "
            "order with a refund.")


@transaction.atomic
def clear_hold(*, order_id: int, actor: User | None, note: str = "") -> Order:
    """A person looked at a held order and lets it ship. Raises ShopError when it is not
    held."""
    order = lock_order(order_id)
    if not order.needs_review:
        raise ShopError(f"Order {order.number} is not held for review.")
    order.needs_review = False
    order.save(update_fields=["needs_review"])
    OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.NOTE, actor=actor, is_internal=True,
        note=" ".join(["Review done: the hold is cleared and the order may ship.",
                       note.strip()]).strip(),
    )
    return order
