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
from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone

from shop.models import Order, OrderRisk
from shop.risk.rules import COUNTED_UP_TO, DAY_HOURS, SHARED_DAYS, Facts

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
    two queries: the orders from the same sources (_counts), and whether the customer paid
    before."""
    when = as_of or timezone.now()
    counts = _counts(order, risk, when=when)
    return Facts(
        total=order.total, currency=order.currency,
        usual_total=usual_total(currency=order.currency, as_of=as_of),
        first_order=not Order.objects.annotate(customer=Lower("email")).filter(
            customer=order.email.lower(), paid_at__isnull=False, paid_at__lte=when,
        ).exclude(pk=order.pk).exists(),
        email_domain=risk.email_key.rpartition("@")[2], shipping_country=order.country,
        orders_by_email=counts["by_email"], orders_by_client=counts["by_client"],
        orders_to_address=counts["to_address"], orders_by_card=counts["by_card"],
        failed_tries=min(COUNTED_UP_TO, counts["failed"] + risk.failed_tries),
        emails_at_address=counts["at_address"], emails_on_card=counts["on_card"],
        billing_country=risk.billing_country, provider=provider,
        provider_risk_level=risk.provider_risk_level,
        provider_risk_score=risk.provider_risk_score, seller_protection=risk.seller_protection,
    )


# The other orders before `when` from the same email, client address, street address or card:
# those of the day before the order, counted by source (with their failed payment tries), and
# the other customers of the month sharing the address or the card. It reads at most the
# latest COUNTED_UP_TO orders from each source in the longer of the two windows, through the
# source's index: an address with thousands of orders (an office, a parcel locker) costs what
# one with fifty does, inside the transaction that holds the stock. The counts are over the
# orders read: exact while no source has more than COUNTED_UP_TO in its window; past that,
# over its latest ones at least, and _counts stops each at COUNTED_UP_TO.
# One statement, written out: built by the ORM, its filtered aggregates cost more than running
# it, on every order placed.
_COUNTS = """
    SELECT
        COUNT(*) FILTER (WHERE placed_at > %(day)s AND email_key = %(email)s),
        COUNT(*) FILTER (WHERE placed_at > %(day)s AND client_ip = %(client)s),
        COUNT(*) FILTER (WHERE placed_at > %(day)s AND address_key = %(address)s),
        COUNT(*) FILTER (WHERE placed_at > %(day)s AND card_fingerprint = %(card)s),
        SUM(failed_tries) FILTER (WHERE placed_at > %(day)s
            AND (email_key = %(email)s OR client_ip = %(client)s OR card_fingerprint = %(card)s)),
        COUNT(DISTINCT email_key) FILTER (WHERE placed_at > %(month)s
            AND email_key <> %(email)s AND address_key = %(address)s),
        COUNT(DISTINCT email_key) FILTER (WHERE placed_at > %(month)s
            AND email_key <> %(email)s AND card_fingerprint = %(card)s)
    FROM (
        SELECT * FROM ({latest} AND email_key = %(email)s {last}) AS by_email
        UNION
        SELECT * FROM ({latest} AND client_ip = %(client)s {last}) AS by_client
        UNION
        SELECT * FROM ({latest} AND address_key = %(address)s {last}) AS to_address
        UNION
        SELECT * FROM ({latest} AND card_fingerprint = %(card)s {last}) AS by_card
    ) AS around
"""
_LATEST = """
    SELECT order_id, placed_at, email_key, client_ip, address_key, card_fingerprint, failed_tries
    FROM {table}
    WHERE order_id <> %(order)s AND placed_at <= %(when)s AND placed_at > %(since)s
"""
_LAST = "ORDER BY placed_at DESC LIMIT %(up_to)s"
COUNTED = ("by_email", "by_client", "to_address", "by_card", "failed", "at_address", "on_card")


def _counts(order: Order, risk: OrderRisk, *, when: datetime) -> dict:
    """What _COUNTS counts, by the names in COUNTED, each at most COUNTED_UP_TO. An order
    without a client address or a card matches no other order by it (NULL equals nothing)."""
    adapt = connection.ops.adapt_datetimefield_value
    day = adapt(risk.placed_at - timedelta(hours=DAY_HOURS))
    month = adapt(when - timedelta(days=SHARED_DAYS))
    latest = _LATEST.format(table=OrderRisk._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS.format(latest=latest, last=_LAST), {
            "day": day, "month": month, "since": min(day, month), "when": adapt(when),
            "order": order.pk or 0,  # not saved yet: no row is its
            "email": risk.email_key, "address": risk.address_key,
            "client": risk.client_ip or None, "card": risk.card_fingerprint or None,
            "up_to": COUNTED_UP_TO,
        })
        return {name: min(count or 0, COUNTED_UP_TO)
                for name, count in zip(COUNTED, cursor.fetchone(), strict=True)}
