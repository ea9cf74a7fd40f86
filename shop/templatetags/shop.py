from decimal import Decimal

from django import template
from django.conf import settings
from django.core.files.storage import default_storage

from shop.http import clean_query
from shop.services.pricing import to_cents

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


@register.filter
def money(amount) -> str:
    """An amount in the store's currency: `$1,234.50`, or `1,234.50 SEK` with no symbol."""
    if amount in (None, ""):
        return ""
    digits = f"{to_cents(Decimal(amount)):,.2f}"
    currency = settings.STORE_CURRENCY
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{digits}" if symbol else f"{digits} {currency}"


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced; None or "" removes one."""
    return "?" + clean_query(context["request"].GET, **changes)


@register.filter
def media_url(name: str) -> str:
    """The URL of a stored file named by an annotation (a path, not a FieldFile)."""
    return default_storage.url(name) if name else ""
