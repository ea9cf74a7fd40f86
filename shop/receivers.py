"""Signal receivers: at sign-in, the anonymous cart joins the customer's own."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from shop.carts import CART_ID, remember_count
from shop.models import Cart
from shop.services import cart as carts


@receiver(user_logged_in, dispatch_uid="shop.merge_cart_at_login")
def merge_cart_at_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.get(CART_ID)
    source = Cart.objects.filter(pk=cart_id, user=None).first() if cart_id else None
    cart, notes = carts.merge_carts(source=source, user=user)
    request.session[CART_ID] = cart.pk
    remember_count(request, carts.count_units(cart))
    for note in notes:
        messages.warning(request, note)
