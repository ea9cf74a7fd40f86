"""Checkout in two steps: details (who, where, shipping, payment), then review and place.

The details live in the session between the steps; placing the order reserves the stock
and sends the shopper on to pay.
"""

from dataclasses import replace

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.http import render_page
from security import net
from shop import own_pages, request_cart, signals
from shop.access import remember_guest_order
from shop.errors import EmptyCart, ShopError
from shop.forms import CheckoutForm
from shop.models import Cart, Order, ShippingMethod
from shop.models.addresses import address_lines
from shop.promotions import quotes
from shop.selectors.cart import CartView, cart_view
from shop.services import checkout as checkout_services

SESSION_KEY = "checkout"
PLACED_KEY = "placed_order"  # the order this session placed last


def _details_shown(request: HttpRequest) -> object:
    """What the first step's form is filled with besides the cart: the details given before
    in this session."""
    return repr(request.session.get(SESSION_KEY))


@require_http_methods(["GET", "POST"])
@own_pages.cart_page(depends=_details_shown, visitors_only=True)
def checkout(request: HttpRequest) -> HttpResponse:
    contents = request_cart.current_cart_view(request)
    own_pages.shows(request, contents)
    if not contents.can_check_out:
        messages.error(request, _why_not(contents))
        return redirect("shop:cart")
    user = request.user
    if request.method == "POST":
        form = CheckoutForm(request.POST, user=user, shipping_methods=contents.shipping_methods,
                            subtotal=contents.goods)
        if form.is_valid():
            request.session[SESSION_KEY] = form.checkout_data()
            return redirect("shop:checkout-review")
    else:
        form = CheckoutForm(initial=_initial(request), user=user,
                            shipping_methods=contents.shipping_methods, subtotal=contents.goods)
    return render_page(request, "shop/checkout.html",
                       {"form": form, "cart": contents, "parcels": _parcels(contents)})


def _parcels(contents: CartView) -> int:
    """How many shops the items come from: each sends a parcel, charged its shipping."""
    return len({row.line.variant.product.seller_id for row in contents.rows})


@require_http_methods(["GET", "POST"])
def checkout_review(request: HttpRequest) -> HttpResponse:
    details = request.session.get(SESSION_KEY)
    if not details:
        return redirect("shop:checkout")
    cart = request_cart.current_cart(request)
    error = ""
    if request.method == "POST":
        try:
            order = _place(request, cart, details)
        except EmptyCart as problem:
            placed = request.session.get(PLACED_KEY)
            if placed:  # submitted again after its order was paid, which emptied the cart
                return redirect("shop:order-detail", placed)
            error = problem.message
        except ShopError as problem:
            error = problem.message
        else:
            return redirect(reverse("payments:start", args=[order.number]))
    contents = cart_view(cart)
    if not contents.rows:
        messages.error(request, error or _why_not(contents))
        return redirect("shop:cart")
    method = next(
        (m for m in contents.shipping_methods if m.pk == details["shipping_method_id"]), None
    )
    context = {
        "cart": contents, "details": details, "method": method, "error": error,
        "address_lines": address_lines(details["address"]), "rows": contents.rows,
    }
    if method:
        context |= _priced_with(contents, method, email=details["email"])
    return render_page(request, "shop/checkout_review.html", context)


def _priced_with(contents: CartView, method: ShippingMethod, *, email: str) -> dict:
    """The review's lines and totals with this shipping method and the buyer's email (a
    code's limits per customer are known from here on), as placing the order charges."""
    quote = checkout_services.quote(
        quotes.items_of([row.line for row in contents.rows]), method=method,
        code=contents.code, email=email, offers=contents.quote.offers,
        parcels=_parcels(contents),
    )
    priced = quote.priced
    return {
        "totals": priced,
        "rows": [
            replace(row, discount=discount, offers=offers)
            for row, discount, offers in zip(
                contents.rows, priced.line_discounts, priced.line_offers, strict=True
            )
        ],
        "discounts": [(a.offer.name, a.amount) for a in priced.applied if a.amount],
        "code_refusal": f"{quote.code.code}: {quote.code_refusal}" if quote.code_refusal else "",
    }


def _place(request: HttpRequest, cart: Cart | None, details: dict) -> Order:
    if cart is None:
        raise EmptyCart()
    user = request.user if request.user.is_authenticated else None
    order = checkout_services.place_order(
        cart=cart,
        buyer=checkout_services.Buyer(email=details["email"], user=user),
        address=details["address"],
        shipping_method_id=details["shipping_method_id"],
        provider=details["payment_provider"],
        save_address=details["save_address"],
        client_ip=net.client_ip(request),
    )
    if not user:
        remember_guest_order(request, order)
    request.session[PLACED_KEY] = order.number
    signals.order_placed.send(sender=type(order), request=request, order=order)
    return order


def _initial(request: HttpRequest) -> dict:
    """What the shopper gave last time in this session, else their default address."""
    saved = request.session.get(SESSION_KEY)
    if saved:
        return {**saved["address"], "email": saved["email"],
                "shipping_method": saved["shipping_method_id"],
                "payment_provider": saved["payment_provider"]}
    if request.user.is_authenticated:
        default = request.user.addresses.filter(is_default=True).first()
        return {"saved_address": default.pk} if default else {}
    return {}


def _why_not(contents: CartView) -> str:
    if not contents.rows:
        return EmptyCart.message
    return "Some items in your cart are not available as they stand; see below."
