"""The cart of the person behind a request: the customer's own when signed in, else the
anonymous cart the session names. The session also keeps the number of units, so the
header's badge costs no query."""

from django.http import HttpRequest

from shop.models import Cart
from shop.services import cart as carts

CART_ID = "cart_id"
CART_COUNT = "cart_count"


def current_cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    if request.user.is_authenticated:
        if create:
            return carts.cart_for_user(request.user)
        return Cart.objects.filter(user=request.user).first()
    cart_id = request.session.get(CART_ID)
    cart = Cart.objects.filter(pk=cart_id, user=None).first() if cart_id else None
    if cart is None and create:
        cart = carts.start_cart()
        request.session[CART_ID] = cart.pk
    return cart


def remember_count(request: HttpRequest, count: int) -> None:
    request.session[CART_COUNT] = count


def badge_count(request: HttpRequest) -> int:
    return request.session.get(CART_COUNT, 0)
