"""The wishlist: save a product (or a shop) for later, take it off again, and move a
product to the cart."""

from dataclasses import replace

from django.db import transaction

from shop.models import Cart, Product, SavedSeller, Seller, User, Variant, WishlistItem
from shop.services import cart as cart_services
from shop.services.cart import CartChange


def set_saved(*, user: User, product: Product, saved: bool | None = None) -> bool:
    """Save the product (True), take it off the wishlist (False), or flip it (None). Saving
    a saved product, or taking off one that is not there, changes nothing. Returns whether
    it is saved now."""
    return _set(WishlistItem, saved, user=user, product=product)


def set_shop_saved(*, user: User, seller: Seller, saved: bool | None = None) -> bool:
    """Save the shop (True), forget it (False), or flip it (None), as set_saved does for a
    product. Returns whether it is saved now."""
    return _set(SavedSeller, saved, user=user, seller=seller)


@transaction.atomic
def _set(model: type[WishlistItem | SavedSeller], saved: bool | None, **key) -> bool:
    row = model.objects.filter(**key)
    if saved is None:
        saved = not row.exists()
    if saved:
        model.objects.get_or_create(**key)
    else:
        row.delete()
    return saved


@transaction.atomic
def move_to_cart(*, user: User, cart: Cart, variant: Variant) -> CartChange:
    """Put one unit of `variant` in the cart and take its product off the wishlist, both or
    neither. Raises OutOfStock, changing nothing, when no unit can be added."""
    change = cart_services.add_to_cart(cart=cart, variant=variant, quantity=1)
    WishlistItem.objects.filter(user=user, product_id=variant.product_id).delete()
    return replace(change, message=f"Moved “{variant}” to your cart.")
