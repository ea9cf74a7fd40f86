"""The recommendation rows, each a fragment the page it belongs to asks for once it has
loaded (an HTMX request), and the same rows as a page of their own behind the plain link
shown without JavaScript. Every response is the visitor's own (recently viewed, the
customer's rows), so the pages it belongs to stay what everyone shares."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from core.http import render_page
from recommendations import recent, selectors
from shop.models import CartLine, Product
from shop.request_cart import CART_ID
from shop.selectors import catalogue

FRAGMENT = "recommendations"


@dataclass(frozen=True)
class Row:
    name: str
    title: str
    products: list[Product]


@require_safe
def product(request: HttpRequest, slug: str) -> HttpResponse:
    """Customers also bought, similar products and recently viewed, beside a product; the
    product joins the visitor's recently viewed."""
    shown = catalogue.product_detail(slug)
    if shown is None:
        raise Http404("No such product.")
    rows = selectors.product_rows(shown)
    response = _render(request, f"More like {shown.name}", _with_recent(request, [
        Row("bought", "Customers also bought", rows["bought"]),
        Row("similar", "Similar products", rows["similar"]),
    ], beside=shown.pk), back=shown.get_absolute_url())
    recent.remember(request, response, shown.pk)
    return response


@require_safe
def cart(request: HttpRequest) -> HttpResponse:
    """Complete your order, from what is in the visitor's cart."""
    if request.user.is_authenticated:
        lines = CartLine.objects.filter(cart__user=request.user)
    elif cart_id := request.session.get(CART_ID):
        lines = CartLine.objects.filter(cart_id=cart_id, cart__user=None)
    else:
        lines = CartLine.objects.none()
    in_cart = list(lines.values_list("variant__product_id", flat=True))
    return _render(request, "Complete your order", [
        Row("complete", "Complete your order", selectors.cart_row(in_cart)),
    ], back=reverse("shop:cart"), refresh=reverse("recommendations:cart"))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Recommended for you (signed in) or the best sellers and what is trending (everyone
    else), and recently viewed."""
    if request.user.is_authenticated:
        rows = [Row("for-you", "Recommended for you",
                    selectors.for_customer(request.user, recent.viewed(request)))]
    else:
        popular = selectors.popular_rows()
        rows = [Row("best", "Best sellers", popular["best"]),
                Row("trending", "Trending this week", popular["trending"])]
    return _render(request, "Picked for you", _with_recent(request, rows),
                   back=reverse("shop:home"))


def _with_recent(request: HttpRequest, rows: list[Row], *, beside: int | None = None
                 ) -> list[Row]:
    """The rows, then the visitor's recently viewed products but those already shown on
    the page (the one it is about, and the rows')."""
    shown = {card.pk for row in rows for card in row.products} | {beside}
    viewed = selectors.recently_viewed(recent.viewed(request), exclude=shown)
    return [*rows, Row("recent", "Recently viewed", viewed)]


def _render(request: HttpRequest, heading: str, rows: list[Row], *, back: str,
            refresh: str = "") -> HttpResponse:
    """The rows that have products; `refresh`: where the cart's row is read again when the
    cart changes."""
    shown = [row for row in rows if row.products]
    products = [card for row in shown for card in row.products]
    response = render_page(request, "recommendations/rows.html", {
        "heading": heading,
        "rows": shown,
        "back": back,
        "refresh": refresh,
        "wishlisted": selectors.wishlisted(request.user, [products]),
        "many_shops": bool(products) and products[0].approved_shops > 1,
    }, fragments=[FRAGMENT])
    patch_cache_control(response, private=True)
    return response
