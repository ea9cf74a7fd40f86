"""A cart priced with the promotions in force and the code entered: what the cart page, the
checkout and placing the order all show and charge."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from core.money import ZERO
from shop.models import CartLine, DiscountCode
from shop.promotions import codes, live, rules


@dataclass(frozen=True)
class Quote:
    priced: rules.Priced
    offers: list[rules.Offer]  # the automatic offers in force
    code: DiscountCode | None  # the code entered, applied or not
    code_refusal: str  # why it does not apply, or ""

    @property
    def goods(self) -> Decimal:
        """What the items cost after their discounts, before shipping and tax."""
        return self.priced.subtotal - sum(self.priced.line_discounts, ZERO)


def items_of(lines: Sequence[CartLine]) -> list[rules.Item]:
    """Cart lines read with their variants and products."""
    return [
        rules.Item(
            product_id=line.variant.product_id,
            category_ids=frozenset({line.variant.product.category_id}),
            unit_price=line.variant.price, quantity=line.quantity,
        )
        for line in lines
    ]


def quote(
    items: list[rules.Item], *, code: DiscountCode | None, email: str = "",
    shipping: Callable[[Decimal], Decimal] | None = None,
    offers: list[rules.Offer] | None = None,
) -> Quote:
    """The items priced with the offers in force (read now unless given) and `code`, if
    it may be used by `email`; with the shipping `shipping(goods)` costs, for what the
    goods come to after their discounts (none: shipping not chosen yet)."""
    offers = live.live_offers() if offers is None else offers
    why = codes.refusal(code, email=email) if code is not None else ""
    code_offer = codes.as_offer(code) if code is not None and not why else None
    tax_rate = settings.STORE_TAX_RATE
    priced = rules.price(items, shipping=ZERO, tax_rate=tax_rate, offers=offers, code=code_offer)
    if shipping is not None:
        goods = priced.subtotal - sum(priced.line_discounts, ZERO)
        priced = rules.price(items, shipping=shipping(goods), tax_rate=tax_rate, offers=offers,
                             code=code_offer)
    if code is not None and not why and priced.code_refusal:
        why = priced.code_refusal[0].lower() + priced.code_refusal[1:]
    return Quote(priced=priced, offers=offers, code=code, code_refusal=why)
