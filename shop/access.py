"""Who may see an order: its customer when signed in, and a guest through the signed link
in their emails or from the browser session that placed it."""

from django.conf import settings
from django.core import signing
from django.db.models import Manager, QuerySet
from django.http import Http404, HttpRequest
from django.utils.crypto import constant_time_compare

from shop.models import Order

SALT = "shop.order-access"
SESSION_KEY = "guest_orders"


def order_key(number: str) -> str:
    return signing.Signer(salt=SALT).signature(number)


def order_link(order: Order) -> str:
    """The order page's full address; a guest's carries the key that opens it."""
    url = f"{settings.SITE_URL}{order.get_absolute_url()}"
    return url if order.user_id else f"{url}?key={order_key(order.number)}"


def can_see_order(request: HttpRequest, order: Order) -> bool:
    if order.user_id:
        return request.user.is_authenticated and request.user.pk == order.user_id
    if order.number in request.session.get(SESSION_KEY, []):
        return True
    key = request.GET.get("key", "")
    if key and constant_time_compare(key, order_key(order.number)):
        remember_guest_order(request, order)
        return True
    return False


def remember_guest_order(request: HttpRequest, order: Order) -> None:
    """Let this browser session see a guest order (the last few) without the key."""
    numbers = [n for n in request.session.get(SESSION_KEY, []) if n != order.number]
    request.session[SESSION_KEY] = [*numbers[-9:], order.number]


def visible_order(
    request: HttpRequest, number: str, *, orders: Manager[Order] | QuerySet[Order] = Order.objects
) -> Order:
    """The order `number` from `orders`, if this request may see it. Someone else's order, or
    a guest's without its key, does not exist as far as they know: Http404."""
    order = orders.filter(number=number).first()
    if order is None or not can_see_order(request, order):
        raise Http404("No such order.")
    return order
