"""Discount codes: the one a shopper enters in the cart or at checkout, why one is refused,
and its uses counted under a lock when an order is placed with it.

A use is an `OrderDiscount` row of an order that is not cancelled or expired: counting
those (rather than keeping a counter) gives a use back the moment its order stops going
ahead, with nothing to undo. Placing an order locks the code's row before counting, so
orders placed at once with the last use of a code queue on it and only one gets it.
"""

from dataclasses import replace
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from shop.errors import ShopError
from shop.models import DiscountCode, Order, OrderDiscount, Promotion
from shop.promotions import live, rules

MAX_LENGTH = DiscountCode._meta.get_field("code").max_length
# Orders that hold a use: everything but those that did not go ahead.
NOT_GOING_AHEAD = (Order.Status.CANCELLED, Order.Status.EXPIRED)


class CodeRefused(ShopError):
    """A code that cannot be used: the message says why and what to do."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(f"{code}: {why}")
        self.code = code
        self.why = why


def find(text: str) -> DiscountCode:
    """The code typed, in any case and with spaces around it. Raises CodeRefused."""
    typed = (text or "").strip().upper()
    if not typed:
        raise CodeRefused("The code", "please type the code you were given.")
    if len(typed) > MAX_LENGTH:
        raise CodeRefused(typed[:MAX_LENGTH] + "…", "no code is that long; check it.")
    code = DiscountCode.objects.select_related("promotion").filter(code=typed).first()
    if code is None or code.promotion.automatic:
        raise CodeRefused(typed, "we do not know this code. Check its spelling.")
    return code


def refusal(code: DiscountCode, *, email: str = "", now: datetime | None = None) -> str:
    """Why `code` cannot be used now by the customer with this email (not known yet: not
    asked), whatever the cart holds; "" when it can."""
    promotion = code.promotion
    now = now or timezone.now()
    if not (code.is_active and promotion.is_active):
        return "this code is no longer valid."
    if promotion.starts_at > now:
        return f"this code can be used from {_when(promotion.starts_at)}."
    if promotion.ends_at is not None and promotion.ends_at <= now:
        return f"this code ended on {_when(promotion.ends_at)}."
    if code.max_uses is not None and uses(code).count() >= code.max_uses:
        return "this code has been used as often as it may be; no uses are left."
    if email and promotion.per_customer_limit is not None:
        used = uses(code.promotion.codes.all()).filter(order__email__iexact=email).count()
        if used >= promotion.per_customer_limit:
            return "you have already used this code." if used == 1 else (
                f"you have already used this offer {used} times.")
    if email and promotion.first_order_only and Order.objects.filter(
        email__iexact=email, paid_at__isnull=False
    ).exists():
        return "this code is for a first order only, and you have ordered before."
    return ""


def uses(codes: DiscountCode | QuerySet[DiscountCode]) -> QuerySet[OrderDiscount]:
    """The uses of a code (or of any of several) that count against its limits."""
    rows = (OrderDiscount.objects.filter(code=codes) if isinstance(codes, DiscountCode)
            else OrderDiscount.objects.filter(code__in=codes))
    return rows.exclude(order__status__in=NOT_GOING_AHEAD)


def as_offer(code: DiscountCode) -> rules.Offer:
    """The code's promotion as the rules price it, named by the code."""
    (window,) = live.windows_of(Promotion.objects.filter(pk=code.promotion_id))
    return replace(window.offer, name=code.code, automatic=False)


def order_discounts(priced: rules.Priced, code: DiscountCode | None) -> list[OrderDiscount]:
    """What each promotion took off a cart priced with `code` (the one it was priced with),
    as the order keeps it: unsaved rows, for the order to be set on."""
    return [
        OrderDiscount(
            promotion_id=applied.offer.id, amount=applied.amount, units=applied.units,
            name=applied.offer.name if applied.offer.automatic else code.promotion.name,
            code=None if applied.offer.automatic else code,
            code_text="" if applied.offer.automatic else code.code,
        )
        for applied in priced.applied if applied.amount
    ]


def lock(code_id: int) -> DiscountCode:
    """The code's row, locked until the transaction ends, with its promotion."""
    return DiscountCode.objects.select_for_update(of=("self",)).select_related("promotion").get(
        pk=code_id
    )


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y, H:i")
