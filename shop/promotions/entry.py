"""A shopper's discount code on their cart: entered (checked against what the cart holds
now) and removed. The cart keeps it, and it applies while it may."""

from django.db import transaction

from shop import caching
from shop.models import Cart, CartLine, DiscountCode
from shop.promotions import codes, quotes


@transaction.atomic
def enter(cart: Cart, text: str, *, email: str = "") -> quotes.Quote:
    """Keep the code typed on the cart and return the cart priced with it. Raises
    CodeRefused, saying why and what to do, for a code that cannot be used now or takes
    nothing off this cart, and leaves the cart as it was."""
    code = codes.find(text)
    why = codes.refusal(code, email=email)
    if why:
        raise codes.CodeRefused(code.code, why)
    lines = CartLine.objects.filter(cart=cart).select_related("variant__product")
    quote = quotes.quote(quotes.items_of(list(lines)), code=code, email=email)
    if quote.code_refusal:
        raise codes.CodeRefused(code.code, quote.code_refusal)
    Cart.objects.filter(pk=cart.pk).update(discount_code=code)
    caching.bump_cart(cart.pk)
    cart.discount_code = code
    return quote


def remove(cart: Cart) -> DiscountCode | None:
    """Take the code off the cart; returns the code it had."""
    code = cart.discount_code
    Cart.objects.filter(pk=cart.pk).update(discount_code=None)
    caching.bump_cart(cart.pk)
    cart.discount_code = None
    return code
