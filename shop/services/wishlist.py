"""The wishlist: save a product (or a shop) for later, take it off again, and move a
product to the cart."""

from dataclasses import replace

from django.db import transaction

from shop.models import Cart, Product, SavedSeller, Seller, User, Variant, WishlistItem
from shop.services import cart as cart_services
from shop.services.cart import CartChange


@transaction.atomic
def set_saved(*, user: User, product: Product, saved: bool | None = None) -> bool:
    """Save the product (True), take it off the wishlist (False), or flip it (None). Saving
    a saved product, or taking off one that is not there, changes nothing. Returns whether
    it is saved now."""
    item = WishlistItem.objects.filter(user=user, product=product)
    if saved is None:
        saved = not item.exists()
    if saved:
        WishlistItem.objects.get_or_create(user=user, product=product)
    else:
        item.delete()
    return saved


@transaction.atomic
def set_shop_saved(*, user: User, seller: Seller, saved: bool | None = None) -> bool:
    """Save the shop (True), forget it (False), or flip it (None), as set_saved does for a
    product. Returns whether it is saved now."""
    row = SavedSeller.objects.filter(user=user, seller=seller)
    if saved is None:
        saved = not row.exists()
    if saved:
        SavedSeller.objects.get_or_create(user=user, seller=seller)
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
