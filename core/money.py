"""Money: `Decimal` amounts in the store's one currency, rounded half-up to the cent."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


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
