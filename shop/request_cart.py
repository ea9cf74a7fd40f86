"""The cart of the person behind a request: the customer's own when signed in, else the
anonymous cart the session names. The session also keeps the number of units, so the
header's badge costs no query."""

from django.http import HttpRequest

from shop.models import Cart
from shop.selectors.cart import CartView, cart_view_of
from shop.services import cart as cart_services

CART_ID = "cart_id"
CART_COUNT = "cart_count"


def current_cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    if request.user.is_authenticated:
        if create:
            return cart_services.cart_for_user(request.user)
        return Cart.objects.filter(user=request.user).first()
    cart_id = request.session.get(CART_ID)
    cart = Cart.objects.filter(pk=cart_id, user=None).first() if cart_id else None
    if cart is None and create:
        cart = cart_services.start_cart()
        request.session[CART_ID] = cart.pk
    return cart


def current_cart_id(request: HttpRequest) -> int | None:
    """The id of current_cart(request): a query for a customer, none for a visitor."""
    if request.user.is_authenticated:
        return Cart.objects.filter(user=request.user).values_list("pk", flat=True).first()
    return request.session.get(CART_ID)


def current_cart_view(request: HttpRequest) -> CartView:
    """What current_cart(request) holds, for showing it: one query fewer, as the lines are
    read by the cart's owner or id without reading the Cart first."""
    if request.user.is_authenticated:
        return cart_view_of(user=request.user)
    return cart_view_of(cart_id=request.session.get(CART_ID))


def remember_count(request: HttpRequest, count: int) -> None:
    request.session[CART_COUNT] = count


def recount(request: HttpRequest) -> int:
    """The cart changed outside this request (an order placed from it was paid): the
    header's count follows. Returns the count."""
    cart = current_cart(request)
    count = cart_services.count_units(cart) if cart else 0
    remember_count(request, count)
    return count


def badge_count(request: HttpRequest) -> int:
    return request.session.get(CART_COUNT, 0)
