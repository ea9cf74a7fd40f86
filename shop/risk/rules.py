"""The order-risk rules and their weights, all here: each rule reads the facts gathered about
an order (shop.risk.facts) and, when it fires, gives points and a reason staff can check. An
order's score is the sum, at most 100; at RISK_REVIEW_THRESHOLD (a setting) or above it is
held for review once paid.

The weights are set so that no single ordinary oddity (a large first order, a card from
abroad, a throwaway address, a few declined tries) holds an order: honest customers have
each of them. The mild three hold it only all together, or with a streak of declined
tries. An attack shows as several at once over its orders: card testing as many orders and
declined tries from one client address, an account farm as a shared card and address, a
reshipper as a shared address abroad with large first orders. `manage.py evaluate_risk`
prints what the default threshold catches on a labelled set of made orders.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from disposable_email_domains import blocklist

DAY_HOURS = 24  # the window of the velocity rules
SHARED_DAYS = 30  # the window of the shared address and card rules
MANY_ORDERS, VERY_MANY_ORDERS = 3, 6  # other orders from the same source in a day
MANY_FAILURES, VERY_MANY_FAILURES = 3, 6  # failed payment tries from the same source in a day
SHARED_ADDRESS = 3  # other customers shipping to the same street address
SHARED_CARD = 2  # other customers paying with the same card
LARGE_FIRST_ORDER = 3  # a first order this many times the usual order or more
COUNTED_UP_TO = 50  # every count stops here; a reason then says "50 or more"
MAX_SCORE = 100

# Stripe's Radar says "elevated" from a risk score of 65 and "highest" from 75.
PROVIDER_LEVEL_POINTS = {"elevated": 30, "highest": 60}
PROVIDER_SCORE_POINTS = ((75, 60), (65, 30))
# PayPal covers the seller against fraud claims only for eligible payments.
SELLER_PROTECTION_POINTS = {"NOT_ELIGIBLE": 15, "PARTIALLY_ELIGIBLE": 5}


@dataclass(frozen=True)
class Facts:
    """What is known about one order when it is scored. Counts leave the order itself out,
    but for `failed_tries`, which counts its own too."""

    total: Decimal
    currency: str
    usual_total: Decimal | None  # the median paid order lately; None while there are few
    first_order: bool  # the customer (the email) has paid for no order before
    email_domain: str
    shipping_country: str
    # Counted over at least the latest COUNTED_UP_TO orders from each source, and up to
    # COUNTED_UP_TO (shop.risk.facts): exact while no source has more orders in its window.
    # Past that, the orders in the day stay exact up to COUNTED_UP_TO, but the failed tries
    # and the other customers are those of the orders read, and may be fewer than there are.
    orders_by_email: int = 0  # in the last day
    orders_by_client: int = 0
    orders_to_address: int = 0
    orders_by_card: int = 0
    failed_tries: int = 0  # by the same email, client address or card, in the last day
    emails_at_address: int = 0  # other customers shipping there, in the last 30 days
    emails_on_card: int = 0  # other customers paying with the card, in the last 30 days
    billing_country: str = ""
    provider: str = ""
    provider_risk_level: str = ""
    provider_risk_score: int | None = None
    seller_protection: str = ""


@dataclass(frozen=True)
class Reason:
    rule: str
    points: int
    why: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "points": self.points, "why": self.why}


def _figure(count: int) -> str:
    return f"{COUNTED_UP_TO} or more" if count >= COUNTED_UP_TO else str(count)


def many_orders(facts: Facts) -> Reason | None:
    sources = {"this email": facts.orders_by_email, "this client address": facts.orders_by_client,
               "this street address": facts.orders_to_address, "this card": facts.orders_by_card}
    source, count = max(sources.items(), key=lambda item: item[1])
    if count < MANY_ORDERS:
        return None
    return Reason("many_orders", 40 if count >= VERY_MANY_ORDERS else 25,
                  f"{_figure(count)} other orders from {source} in the last {DAY_HOURS} hours.")


def failed_payments(facts: Facts) -> Reason | None:
    if facts.failed_tries < MANY_FAILURES:
        return None
    return Reason("failed_payments", 50 if facts.failed_tries >= VERY_MANY_FAILURES else 35,
                  f"{_figure(facts.failed_tries)} failed payment tries from this email, "
                  f"client address or card in the last {DAY_HOURS} hours.")


def large_first_order(facts: Facts) -> Reason | None:
    usual = facts.usual_total
    if not (facts.first_order and usual and facts.total >= LARGE_FIRST_ORDER * usual):
        return None
    return Reason("large_first_order", 25,
                  f"A first order of {facts.total} {facts.currency}, {facts.total / usual:.1f}× "
                  f"the usual order ({usual} {facts.currency}).")


def country_mismatch(facts: Facts) -> Reason | None:
    billing, shipping = facts.billing_country, facts.shipping_country
    if not billing or not shipping or billing.upper() == shipping.upper():
        return None
    return Reason("country_mismatch", 20,
                  f"Billed in {billing.upper()}, shipped to {shipping.upper()}.")


def disposable_email(facts: Facts) -> Reason | None:
    if facts.email_domain.lower() not in blocklist:
        return None
    return Reason("disposable_email", 20, f"{facts.email_domain} gives throwaway addresses.")


def shared_address(facts: Facts) -> Reason | None:
    if facts.emails_at_address < SHARED_ADDRESS:
        return None
    return Reason("shared_address", 30,
                  f"{_figure(facts.emails_at_address)} other customers ship to this street "
                  f"address (last {SHARED_DAYS} days).")


def shared_card(facts: Facts) -> Reason | None:
    if facts.emails_on_card < SHARED_CARD:
        return None
    return Reason("shared_card", 35,
                  f"{_figure(facts.emails_on_card)} other customers paid with this card "
                  f"(last {SHARED_DAYS} days).")


def provider_verdict(facts: Facts) -> Reason | None:
    level = facts.provider_risk_level.lower()
    points = PROVIDER_LEVEL_POINTS.get(level, 0)
    if facts.provider_risk_score is not None:
        points = max(points, next((p for floor, p in PROVIDER_SCORE_POINTS
                                   if facts.provider_risk_score >= floor), 0))
    if points:
        score = ("" if facts.provider_risk_score is None
                 else f", score {facts.provider_risk_score}")
        return Reason("provider_verdict", points,
                      f"{facts.provider or 'The provider'} rates the payment "
                      f"{level or 'risky'}{score}.")
    points = SELLER_PROTECTION_POINTS.get(facts.seller_protection.upper(), 0)
    if points:
        return Reason("provider_verdict", points,
                      f"{facts.provider or 'The provider'}'s seller protection: "
                      f"{facts.seller_protection.lower().replace('_', ' ')}.")
    return None


RULES: tuple[Callable[[Facts], Reason | None], ...] = (
    many_orders, failed_payments, large_first_order, country_mismatch, disposable_email,
    shared_address, shared_card, provider_verdict,
)


@dataclass(frozen=True)
class Assessment:
    score: int
    reasons: list[Reason]

    def summary(self) -> str:
        return " ".join(f"{reason.why} (+{reason.points})" for reason in self.reasons)


def assess(facts: Facts) -> Assessment:
    """Every rule that fires, highest points first, and the score they add up to."""
    reasons = sorted((reason for rule in RULES if (reason := rule(facts))),
                     key=lambda reason: -reason.points)
    return Assessment(min(MAX_SCORE, sum(reason.points for reason in reasons)), reasons)
