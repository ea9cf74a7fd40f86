"""Order risk in the demo history (see dashboard.demo.history): an OrderRisk row for every
order, as checkout and the payment keep them, scored by shop's own rules (shop.risk), and the
risky orders that are paid and not shipped held for review, as shop.services.risk holds them.

Owns Origin and Sources (where a customer's orders come from: a client address in the
documentation range 2001:db8::/32 and a card of their own, both from their email address, so
they keep them in every seed's history, the card billed in the country they live in but for
a few; and an order's row), assess, score_recent and hold_risky.

Which orders are scored: the attackers' all, and of the others those placed in the history's
last SCORED_DAYS days, the newest SCORED_MOST at most; each as shop scores it (rules.assess of
facts.gather, as of the moment it was paid, or placed when it never was), inside
facts.replaying, which works the usual order out once a day; gather then reads the rows
around an order in two queries.
SCORED_MOST covers the whole month of `make run`'s 3,000 orders (430 at its busiest), which
the dashboard shows by default and which holds every order still to ship, and the last day
and a half of the benchmark's. Other orders keep score 0, no reasons and no
assessed_at, as orders placed before the shop kept risk rows. A row already scored (another
seed's) keeps its score.
"""

import hashlib
import ipaddress
import random
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from dashboard.demo import bulk
from dashboard.demo.people import PLACES
from shop.models import Order, OrderEvent, OrderRisk
from shop.models.orders import PAID_UNSHIPPED
from shop.risk import facts, rules
from shop.services import risk as services_risk

SCORED_DAYS = 30
SCORED_MOST = 500
ABROAD = 0.04  # customers whose card is billed in another country than they live in
DECLINED = 0.03  # orders with a declined try or two before the card that worked, or none did
COUNTRIES = tuple(sorted({country for *_, country in PLACES}))
CLIENTS = ipaddress.IPv6Network("2001:db8::/32")


@dataclass(frozen=True)
class Origin:
    """Where an order came from and how it was paid, as checkout and the provider tell it."""

    client_ip: str
    card: str  # the card's fingerprint
    billing_country: str


def origin(email: str, country: str) -> Origin:
    """A customer's own: the same for the same email address and country every time."""
    digest = hashlib.sha256(f"origin-{email.lower()}".encode()).digest()
    client_ip = str(CLIENTS[int.from_bytes(digest[:12])])  # 96 bits: the /32's hosts
    billing = country
    if digest[20] < 256 * ABROAD:
        others = [other for other in COUNTRIES if other != country]
        billing = others[digest[21] % len(others)]
    return Origin(client_ip, digest[12:20].hex(), billing)


def row(order: Order, source: Origin, *, failed_tries: int = 0) -> OrderRisk:
    """The order's risk row, not scored yet and not saved."""
    return OrderRisk(
        order=order, placed_at=order.created_at, email_key=facts.email_key(order.email),
        address_key=facts.address_key(order.address_values()), client_ip=source.client_ip,
        failed_tries=failed_tries, card_fingerprint=source.card,
        billing_country=source.billing_country,
    )


class Sources:
    """The rows of the history's everyday orders; `rng` draws their declined tries."""

    def __init__(self, rng: random.Random):
        self._rng = rng

    def row(self, order: Order) -> OrderRisk:
        declined = self._rng.random() < DECLINED
        return row(order, origin(order.email, order.country),
                   failed_tries=self._rng.randint(1, 2) if declined else 0)


def assess(order: Order, risk: OrderRisk) -> rules.Assessment:
    """Score `risk`, unsaved, as shop scores `order`: as of its payment, or its placing when
    it was never paid. The rows placed by then must be in the database; the order's own need
    not be."""
    when = order.paid_at or order.created_at
    provider = settings.PAYMENT_PROVIDER_LABELS.get(order.payment_provider,
                                                    order.payment_provider)
    assessment = rules.assess(facts.gather(order, risk, as_of=when, provider=provider))
    risk.score = assessment.score
    risk.reasons = [reason.as_dict() for reason in assessment.reasons]
    risk.stage = OrderRisk.Stage.PAID if order.paid_at else OrderRisk.Stage.PLACED
    risk.assessed_at = when
    return assessment


def score_recent(*, since: datetime) -> int:
    """Score the orders placed since `since` that have not been, the newest SCORED_MOST at
    most; returns how many were."""
    risks = list(OrderRisk.objects.filter(placed_at__gte=since, assessed_at__isnull=True)
                 .select_related("order").order_by("-placed_at", "-pk")[:SCORED_MOST])
    for risk in risks:
        assess(risk.order, risk)
    OrderRisk.objects.bulk_update(risks, ["score", "reasons", "stage", "assessed_at"],
                                  batch_size=bulk.BATCH)
    return len(risks)


def hold_risky(*, since: datetime) -> int:
    """Hold for review the orders placed since `since` that scored the review threshold or
    more and are paid and not shipped: `needs_review`, and an internal line on the timeline
    saying why, from when they were scored. Returns how many were held."""
    held = list(Order.objects.filter(
        risk__placed_at__gte=since, risk__score__gte=settings.RISK_REVIEW_THRESHOLD,
        status__in=PAID_UNSHIPPED, needs_review=False,
    ).select_related("risk").order_by("created_at", "pk"))
    Order.objects.filter(pk__in=[order.pk for order in held]).update(needs_review=True)
    bulk.write_events([
        OrderEvent(order=order, kind=OrderEvent.Kind.RISK, note=services_risk.hold_note(order.risk),
                   is_internal=True, created_at=order.risk.assessed_at)
        for order in held
    ])
    return len(held)

