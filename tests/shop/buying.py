"""Placing and paying real orders through the shop's own services, for tests."""

from shop.models import Cart, CartLine, ShippingMethod
from shop.services import checkout, orders

ADDRESS = {
    "full_name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "",
    "city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US",
    "phone": "",
}


def standard_shipping() -> ShippingMethod:
    return ShippingMethod.objects.get(name="Standard")


def checkout_details(method, **changes) -> dict:
    """What a guest posts on the checkout page: an email, ADDRESS, `method` and the test
    provider, with `changes` on top."""
    return {"email": "ada@example.com", **ADDRESS, "shipping_method": method.pk,
            "payment_provider": "test", **changes}


def place(*lines, email="ada@example.com", user=None, provider="test", cart=None):
    """Place an order for (variant, quantity) pairs from `cart`, else from a fresh cart (one
    of its own even for a customer, whose own cart would keep the lines until the order is
    paid)."""
    cart = cart or Cart.objects.create()
    for variant, quantity in lines:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return checkout.place_order(
        cart=cart, buyer=checkout.Buyer(email=email, user=user), address=ADDRESS,
        shipping_method_id=standard_shipping().pk, provider=provider,
    )


def pay(order):
    """The order's whole total captured, as a provider reports it."""
    return orders.mark_paid(order_id=order.pk, amount=order.total, currency=order.currency,
                            provider="test")


def stock(variant) -> tuple[int, int]:
    """(on hand, reserved) of a variant, read again."""
    variant.refresh_from_db()
    return variant.on_hand, variant.reserved
