"""Money: `Decimal` amounts in the store's one currency, rounded half-up to the cent."""

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.conf import settings

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`amount` shared out in cents in proportion to `weights`, each share at most its
    weight, the shares adding up to `amount` exactly (at most the weights' sum). The cents
    left after rounding down go to the largest remainders, the first on a tie."""
    total = sum(weights, ZERO)
    amount = min(to_cents(amount), total)
    if amount <= 0 or total <= 0:
        return [ZERO] * len(weights)
    exact = [amount * weight / total for weight in weights]
    shares = [value.quantize(CENT, rounding=ROUND_FLOOR) for value in exact]
    short = int((amount - sum(shares, ZERO)) / CENT)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order:
        if short <= 0:
            break
        if shares[index] + CENT <= weights[index]:
            shares[index] += CENT
            short -= 1
    return shares


# The symbols shown before an amount; other currencies are written after it by their code.
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def format_money(amount: Decimal | int | str | None) -> str:
    """An amount in the store's currency: `$1,234.50`, or `1,234.50 SEK` with no symbol."""
    if amount in (None, ""):
        return ""
    digits = f"{to_cents(Decimal(amount)):,.2f}"
    currency = settings.STORE_CURRENCY
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{digits}" if symbol else f"{digits} {currency}"
