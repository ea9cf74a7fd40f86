"""The facts the risk rules read about an order, gathered from the orders around it: how many
came from the same email, client address, street address or card in the same day, how many of
their payment tries failed, how many other customers share the address or the card, and the
store's usual order. Each is counted from rows, as of a moment (now, or the moment a
replayed order was paid), never from what was placed after it."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import Lower
from django.utils import timezone

from shop.models import Order, OrderRisk
from shop.risk.rules import DAY_HOURS, SHARED_DAYS, Facts

USUAL_DAYS = 90  # the usual order is the median paid order of this many days
USUAL_FROM = 20  # paid orders needed before there is a usual order at all
USUAL_CACHE_SECONDS = 60 * 60


def email_key(email: str) -> str:
    """The mailbox an address reaches: lower case, without a "+tag" (a farm's accounts are
    often one mailbox with many tags)."""
    local, _, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def address_key(values: dict) -> str:
    """The street address in lower-case letters and digits: line1, postal code, country.
    The flat or suite (line2) is left out: a reshipper gives each customer a suite number."""
    parts = (values.get("line1") or "", values.get("postal_code") or "",
             values.get("country") or "")
    return "|".join("".join(ch for ch in part.lower() if ch.isalnum()) for part in parts)[:200]


def usual_total(*, currency: str, as_of: datetime | None = None) -> Decimal | None:
    """The median total of the orders paid in the last USUAL_DAYS, or None with fewer than
    USUAL_FROM of them. Kept an hour in the cache for checkout; worked out afresh for a
    moment in the past, or once a day of them while `replaying`."""
    if as_of is not None:
        days = _replay.get()
        if days is None:
            return _median_paid(currency=currency, as_of=as_of)
        day = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
        if (currency, day) not in days:
            days[currency, day] = _median_paid(currency=currency, as_of=day)
        return days[currency, day]
    key = f"risk:usual-order:{currency}"
    cached = cache.get(key)
    if cached is None:
        cached = {"usual": _median_paid(currency=currency, as_of=timezone.now())}
        cache.set(key, cached, USUAL_CACHE_SECONDS)
    return cached["usual"]


# While replaying: the usual order of each (currency, day) worked out so far.
_replay: ContextVar[dict | None] = ContextVar("risk_replay", default=None)


@contextmanager
def replaying():
    """Scoring many past orders at once (a made set, the demo's history): the usual order is
    worked out once for each day, as of its start, rather than for each order's moment (a
    sort of a quarter's paid orders each time). Not for checkout, which scores one order."""
    token = _replay.set({})
    try:
        yield
    finally:
        _replay.reset(token)


def _median_paid(*, currency: str, as_of: datetime) -> Decimal | None:
    paid = Order.objects.filter(
        paid_at__gt=as_of - timedelta(days=USUAL_DAYS), paid_at__lte=as_of, currency=currency
    )
    count = paid.count()
    if count < USUAL_FROM:
        return None
    return paid.order_by("total").values_list("total", flat=True)[count // 2]


def gather(order: Order, risk: OrderRisk, *, as_of: datetime | None = None,
           provider: str = "") -> Facts:
    """The facts about `order` (whose risk row is `risk`) as of `as_of` (now by default), in
    three queries: the day's orders from the same sources, the month's customers sharing the
    address or card, and whether the customer paid before."""
    when = as_of or timezone.now()
    others = OrderRisk.objects.exclude(order_id=order.pk).filter(placed_at__lte=when)
    by_email, to_address = Q(email_key=risk.email_key), Q(address_key=risk.address_key)
    by_client = Q(client_ip=risk.client_ip) if risk.client_ip else Q(pk__in=[])
    by_card = (Q(card_fingerprint=risk.card_fingerprint) if risk.card_fingerprint
               else Q(pk__in=[]))
    day = others.filter(by_email | by_client | to_address | by_card,
                        placed_at__gt=risk.placed_at - timedelta(hours=DAY_HOURS)).aggregate(
        by_email=Count("pk", filter=by_email), by_client=Count("pk", filter=by_client),
        to_address=Count("pk", filter=to_address), by_card=Count("pk", filter=by_card),
        failed=Sum("failed_tries", filter=by_email | by_client | by_card),
    )
    shared = others.filter(to_address | by_card,
                           placed_at__gt=when - timedelta(days=SHARED_DAYS)).exclude(
        email_key=risk.email_key).aggregate(
        at_address=Count("email_key", distinct=True, filter=to_address),
        on_card=Count("email_key", distinct=True, filter=by_card),
    )
    return Facts(
        total=order.total, currency=order.currency,
        usual_total=usual_total(currency=order.currency, as_of=as_of),
        first_order=not Order.objects.annotate(customer=Lower("email")).filter(
            customer=order.email.lower(), paid_at__isnull=False, paid_at__lte=when,
        ).exclude(pk=order.pk).exists(),
        email_domain=risk.email_key.rpartition("@")[2], shipping_country=order.country,
        orders_by_email=day["by_email"], orders_by_client=day["by_client"],
        orders_to_address=day["to_address"], orders_by_card=day["by_card"],
        failed_tries=(day["failed"] or 0) + risk.failed_tries,
        emails_at_address=shared["at_address"], emails_on_card=shared["on_card"],
        billing_country=risk.billing_country, provider=provider,
        provider_risk_level=risk.provider_risk_level,
        provider_risk_score=risk.provider_risk_score, seller_protection=risk.seller_protection,
    )
