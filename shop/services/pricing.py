"""Money arithmetic for carts and orders: pure functions of Decimals, no queries.

Amounts have two decimal places in the store's currency and are rounded half-up per line.
Prices exclude tax; tax is added on each line and on the shipping at the store's rate.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO, to_cents


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    return to_cents(unit_price * quantity)


def shipping_cost(*, price: Decimal, free_above: Decimal | None, subtotal: Decimal) -> Decimal:
    """A shipping method's rate for a cart: free once the subtotal reaches `free_above`."""
    if free_above is not None and subtotal >= free_above:
        return ZERO
    return to_cents(price)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    discount: Decimal
    total: Decimal


def price_order(
    *, line_totals: Iterable[Decimal], shipping: Decimal, tax_rate: Decimal,
    discount: Decimal = ZERO,
) -> Totals:
    """subtotal + shipping + tax − discount = total, with tax rounded on each line."""
    line_totals = [to_cents(t) for t in line_totals]
    subtotal = sum(line_totals, ZERO)
    tax = sum((to_cents(t * tax_rate) for t in line_totals), ZERO) + to_cents(shipping * tax_rate)
    total = subtotal + shipping + tax - discount
    return Totals(subtotal=subtotal, shipping=shipping, tax=tax, discount=discount, total=total)
