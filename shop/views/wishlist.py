"""The wishlist: the heart that saves a product from its card or page, "Save this shop" on a
product's or shop's page, and the wishlist page, where a saved product is moved to the cart
or taken off, and a saved shop forgotten.

Both toggles answer an HTMX request with themselves, pressed or not, and a plain request
with a redirect back to the page they were pressed on, so they work without JavaScript too.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from core.http import render_page, show_change
from security.net import safe_next
from shop import request_cart, signals
from shop.errors import OutOfStock
from shop.forms import MoveToCartForm
from shop.models import Product, Seller, Variant
from shop.selectors.wishlist import wishlist_page
from shop.services import wishlist as wishlist_services


@require_safe
@login_required
def wishlist(request: HttpRequest) -> HttpResponse:
    context = wishlist_page(request.user)
    return render_page(
        request, "shop/wishlist.html", context, fragments=["wishlist-items", "saved-shops"]
    )


@require_POST
def wishlist_toggle(request: HttpRequest, product_id: int) -> HttpResponse:
    """Save or unsave a product. The button sends `saved=1` or `saved=0`, so pressing it twice
    before the page catches up asks for the same thing twice; without that, it toggles."""
    product = get_object_or_404(Product.objects.listed(), pk=product_id)
    return _toggle(
        request, _back(request, product), f"“{product.name}”",
        lambda wanted: wishlist_services.set_saved(user=request.user, product=product,
                                                   saved=wanted),
        "shop/_wishlist_toggle.html#wishlist-toggle",
        lambda saved: {"product": product, "wishlisted": {product.pk} if saved else set(),
                       "wide": request.POST.get("wide") == "1"},
    )


@require_POST
def shop_save_toggle(request: HttpRequest, seller_id: int) -> HttpResponse:
    """Save or forget a shop, as the heart does a product (`saved=1` or `saved=0`)."""
    seller = get_object_or_404(Seller.objects.approved(), pk=seller_id)
    back = safe_next(request, request.POST.get("next", ""), default=seller.get_absolute_url())
    return _toggle(
        request, back, f"the shop “{seller.name}”",
        lambda wanted: wishlist_services.set_shop_saved(user=request.user, seller=seller,
                                                        saved=wanted),
        "shop/_seller_save.html#seller-save",
        lambda saved: {"seller": seller, "saved_sellers": {seller.pk} if saved else set()},
    )


def _toggle(
    request: HttpRequest, back: str, name: str, set_saved: Callable[[bool | None], bool],
    partial: str, context: Callable[[bool], dict],
) -> HttpResponse:
    """What a heart does, a product's or a shop's: a guest is asked to sign in first; the
    thing is saved or not as asked (`saved`, or the other way round without it), and the
    button is redrawn in place (HTMX) or the page shown again with the news."""
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(back).url)
        return redirect_to_login(back)
    saved = set_saved({"1": True, "0": False}.get(request.POST.get("saved", "")))
    news = (f"Saved {name} to your wishlist." if saved
            else f"Removed {name} from your wishlist.")
    if request.htmx:
        response = render(request, partial, {**context(saved), "announce": news})
        patch_vary_headers(response, ["HX-Request"])
        return response
    messages.success(request, news)
    return redirect(back)


@require_POST
@login_required
def saved_shop_remove(request: HttpRequest, seller_id: int) -> HttpResponse:
    seller = get_object_or_404(Seller, pk=seller_id)
    wishlist_services.set_shop_saved(user=request.user, seller=seller, saved=False)
    return show_change(
        request, "shop/wishlist.html", fragment="saved-shops", back_to="shop:wishlist",
        context=lambda: wishlist_page(request.user),
        notice=f"Removed the shop “{seller.name}” from your wishlist.",
    )


@require_POST
@login_required
def wishlist_remove(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    wishlist_services.set_saved(user=request.user, product=product, saved=False)
    return _changed(request, f"Removed “{product.name}” from your wishlist.", ok=True)


@require_POST
@login_required
def wishlist_move(request: HttpRequest, product_id: int) -> HttpResponse:
    """Move one unit of the chosen variant of a saved product to the cart."""
    product = get_object_or_404(Product.objects.listed(), pk=product_id)
    form = MoveToCartForm(request.POST)
    variant = None
    if form.is_valid():
        variant = (
            Variant.objects.select_related("product")
            .filter(product=product, pk=form.cleaned_data["variant"])
            .first()
        )
    if variant is None:
        return _changed(request, f"Choose a size and colour of “{product.name}” first.", ok=False)
    try:
        change = wishlist_services.move_to_cart(
            user=request.user, cart=request_cart.current_cart(request, create=True), variant=variant
        )
    except OutOfStock as error:
        return _changed(request, f"{error.message} It stays on your wishlist.", ok=False)
    request_cart.remember_count(request, change.count)
    signals.added_to_cart.send(sender=Variant, request=request, product=product, variant=variant)
    response = _changed(request, change.message, ok=True, moved=True)
    return trigger_client_event(response, "cart-changed", {"count": change.count})


def _changed(request: HttpRequest, message: str, *, ok: bool, moved: bool = False) -> HttpResponse:
    """The saved products again (in place) with what happened, or back to the wishlist."""
    return show_change(
        request, "shop/wishlist.html", fragment="wishlist-items", back_to="shop:wishlist",
        context=lambda: {**wishlist_page(request.user), "moved": moved},
        notice=message if ok else None, error=None if ok else message,
    )


def _back(request: HttpRequest, product: Product) -> str:
    """Where the shopper pressed the heart: `next`, if it is a page of this site."""
    return safe_next(request, request.POST.get("next", ""), default=product.get_absolute_url())
