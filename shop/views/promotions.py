"""Discount codes in the cart and at checkout: enter one, remove it.

An HTMX request gets the page's summary again in place, with what happened, and a
`code-changed` event (the cart's lines listen, to show their discounts); a plain one goes
back to the page it came from, with a message.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from core.http import show_change
from core.money import format_money
from shop import request_cart
from shop.errors import EmptyCart
from shop.promotions import codes, entry
from shop.selectors.cart import cart_view

# Where a code form may send the shopper back to: the page's template and its summary.
PAGES = {
    "cart": ("shop/cart.html", "cart-summary", "shop:cart"),
    "checkout": ("shop/checkout.html", "checkout-summary", "shop:checkout"),
}


@require_POST
def code_enter(request: HttpRequest) -> HttpResponse:
    cart = request_cart.current_cart(request)
    email = request.user.email if request.user.is_authenticated else ""
    notice = error = None
    if cart is None:
        error = EmptyCart.message
    else:
        try:
            quote = entry.enter(cart, request.POST.get("code", ""), email=email)
        except codes.CodeRefused as refused:
            error = refused.message
        else:
            notice = _applied(quote)
    return _changed(request, cart, notice=notice, error=error)


@require_POST
def code_remove(request: HttpRequest) -> HttpResponse:
    cart = request_cart.current_cart(request)
    code = entry.remove(cart) if cart is not None else None
    notice = f"Code {code.code} removed." if code else "There was no code to remove."
    return _changed(request, cart, notice=notice, error=None)


def _applied(quote) -> str:
    taken = quote.priced.code_applied
    if taken is None or not taken.amount:  # free shipping, with the shipping chosen later
        return f"Code {quote.code.code} applied: {quote.code.promotion.name}."
    return f"Code {quote.code.code} applied: {format_money(taken.amount)} off."


def _changed(request: HttpRequest, cart, *, notice: str | None, error: str | None) -> HttpResponse:
    template, fragment, back_to = PAGES.get(request.POST.get("page", ""), PAGES["cart"])
    response = show_change(
        request, template, fragment=fragment, back_to=back_to,
        context=lambda: {"cart": cart_view(cart)},
        notice=notice, error=error,
    )
    return trigger_client_event(response, "code-changed") if error is None else response
