"""The cart page and its changes: add from a product page, change a quantity, remove.
An add that put something in the cart sends shop.signals.added_to_cart.

Each change answers an HTMX request with the fragment it targets and a `cart-changed`
event (the header's badge and the totals listen for it); a plain request is redirected
with a message, so the cart works without JavaScript too. A quantity that is not a whole
number of 0 or more changes nothing, and the message says what the line stays at.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import trigger_client_event

from core.http import render_page, show_change
from shop import own_pages, request_cart, signals
from shop.errors import CartLineGone, OutOfStock
from shop.forms import AddToCartForm, QuantityForm
from shop.models import Cart, Variant
from shop.selectors.cart import cart_view
from shop.services import cart as cart_services
from shop.services.cart import CartChange

FRAGMENTS = ["cart-lines", "cart-summary"]


@require_safe
@own_pages.cart_page()
def cart(request: HttpRequest) -> HttpResponse:
    contents = request_cart.current_cart_view(request)
    # The count changes elsewhere too: another device, an order.
    if contents.count != request_cart.badge_count(request):
        request_cart.remember_count(request, contents.count)
    own_pages.shows(request, contents)
    return render_page(request, "shop/cart.html", {"cart": contents}, fragments=FRAGMENTS)


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    form = AddToCartForm(request.POST)
    form.is_valid()
    sku = form.cleaned_data.get("variant")
    variant = Variant.objects.select_related("product").filter(sku=sku).first() if sku else None
    if variant is None:
        return _added(request, None, level=messages.ERROR,
                      message="Choose a size and colour, then add it.")
    if not form.is_valid():  # a quantity that is not one: back to the product, nothing added
        return _added(request, variant, level=messages.ERROR,
                      message=form.errors["quantity"][0])
    try:
        change = cart_services.add_to_cart(
            cart=request_cart.current_cart(request, create=True), variant=variant,
            quantity=form.cleaned_data["quantity"],
        )
    except OutOfStock as error:
        return _added(request, variant, level=messages.ERROR, message=error.message)
    request_cart.remember_count(request, change.count)
    signals.added_to_cart.send(sender=Variant, request=request, product=variant.product,
                               variant=variant)
    level = messages.SUCCESS if change.ok else messages.WARNING  # less than asked was added
    response = _added(request, variant, level=level, message=change.message)
    return trigger_client_event(response, "cart-changed", {"count": change.count})


def _added(
    request: HttpRequest, variant: Variant | None, *, level: int, message: str
) -> HttpResponse:
    """The notice under the add button, in place; or, without JavaScript, the cart (when
    something was added) or the product page again (when nothing was), with the message."""
    if request.htmx and request.htmx.target == "cart-notice":
        context = {"notice": message, "notice_level": messages.DEFAULT_TAGS[level]}
        return render_page(request, "shop/product_detail.html", context, fragments=["cart-notice"])
    messages.add_message(request, level, message)
    if level != messages.ERROR:
        return redirect("shop:cart")
    if variant and variant.product.is_listed:
        return redirect(variant.product)
    return redirect("shop:product-list")


@require_POST
def cart_line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    form = QuantityForm(request.POST)
    if not form.is_valid():
        return _refused(request, line_id, form.errors["quantity"][0])
    return _apply(request, cart_services.change_quantity, line_id=line_id,
                  quantity=form.cleaned_data["quantity"])


@require_POST
def cart_line_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    return _apply(request, cart_services.remove_line, line_id=line_id)


def _apply(
    request: HttpRequest, change: Callable[..., CartChange], **arguments: int
) -> HttpResponse:
    cart = request_cart.current_cart(request)
    if cart is None:
        return _changed(request, cart, None, error=CartLineGone.message)
    try:
        result = change(cart=cart, **arguments)
    except (OutOfStock, CartLineGone) as error:
        return _changed(request, cart, None, error=error.message)
    request_cart.remember_count(request, result.count)
    response = _changed(request, cart, result.message if result.ok else None,
                        error=None if result.ok else result.message)
    return trigger_client_event(response, "cart-changed", {"count": result.count})


def _refused(request: HttpRequest, line_id: int, problem: str) -> HttpResponse:
    """Nothing changed: the lines again with why, naming the line and what it stays at."""
    contents = cart_view(request_cart.current_cart(request))
    row = next((row for row in contents.rows if row.line.pk == line_id), None)
    error = f"{problem} “{row.name}” stays at {row.quantity}." if row else problem
    return show_change(
        request, "shop/cart.html", fragment="cart-lines", back_to="shop:cart",
        context=lambda: {"cart": contents}, error=error,
    )


def _changed(
    request: HttpRequest, cart: Cart | None, notice: str | None, *, error: str | None
) -> HttpResponse:
    """The cart's lines again (in place) with what happened, or back to the cart page."""
    return show_change(
        request, "shop/cart.html", fragment="cart-lines", back_to="shop:cart",
        context=lambda: {"cart": cart_view(cart)}, notice=notice, error=error,
    )
