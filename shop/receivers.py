"""Signal receivers: at sign-in, the anonymous cart joins the customer's own; a saved or
deleted catalogue row, promotion, discount code or shipping method invalidates the
catalogue's cached reads (and the cart pages kept with them, shop.own_pages); a saved or
deleted order, its lines, discounts, events or parcels, address, or saved product or shop,
what is kept for its customer; a deleted review
recounts its product's rating."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from shop import caching
from shop.models import (
    Address,
    Cart,
    Category,
    DiscountCode,
    Order,
    OrderDiscount,
    OrderEvent,
    OrderLine,
    Product,
    ProductImage,
    Promotion,
    Review,
    SavedSeller,
    Seller,
    SellerBranch,
    Shipment,
    ShippingMethod,
    User,
    Variant,
    WishlistItem,
)
from shop.request_cart import CART_ID, remember_count
from shop.services import cart as cart_services
from shop.services import reviews as review_services


@receiver(user_logged_in, dispatch_uid="shop.merge_cart_at_login")
def merge_cart_at_login(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: object
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.get(CART_ID)
    source = Cart.objects.filter(pk=cart_id, user=None).first() if cart_id else None
    cart, notes = cart_services.merge_carts(source=source, user=user)
    request.session[CART_ID] = cart.pk
    remember_count(request, cart_services.count_units(cart))
    for note in notes:
        messages.warning(request, note)


# Connected for these models only: any other save (a session, a cart line) never comes here.
@receiver(post_save, sender=Category, dispatch_uid="shop.category_saved")
@receiver(post_save, sender=Product, dispatch_uid="shop.product_saved")
@receiver(post_save, sender=Variant, dispatch_uid="shop.variant_saved")
@receiver(post_save, sender=ProductImage, dispatch_uid="shop.image_saved")
@receiver(post_delete, sender=Category, dispatch_uid="shop.category_deleted")
@receiver(post_delete, sender=Product, dispatch_uid="shop.product_deleted")
@receiver(post_delete, sender=Variant, dispatch_uid="shop.variant_deleted")
@receiver(post_delete, sender=ProductImage, dispatch_uid="shop.image_deleted")
@receiver(post_save, sender=Seller, dispatch_uid="shop.seller_saved")
@receiver(post_delete, sender=Seller, dispatch_uid="shop.seller_deleted")
@receiver(post_save, sender=SellerBranch, dispatch_uid="shop.branch_saved")
@receiver(post_delete, sender=SellerBranch, dispatch_uid="shop.branch_deleted")
@receiver(post_save, sender=Promotion, dispatch_uid="shop.promotion_saved")
@receiver(post_delete, sender=Promotion, dispatch_uid="shop.promotion_deleted")
@receiver(m2m_changed, sender=Promotion.products.through, dispatch_uid="shop.promotion_products")
@receiver(m2m_changed, sender=Promotion.categories.through,
          dispatch_uid="shop.promotion_categories")
@receiver(post_save, sender=DiscountCode, dispatch_uid="shop.code_saved")
@receiver(post_delete, sender=DiscountCode, dispatch_uid="shop.code_deleted")
@receiver(post_save, sender=ShippingMethod, dispatch_uid="shop.shipping_method_saved")
@receiver(post_delete, sender=ShippingMethod, dispatch_uid="shop.shipping_method_deleted")
def catalogue_changed(sender: type[Model], **kwargs: object) -> None:
    # Stock moves and rating recounts are UPDATEs, which send no signal: their services bump.
    caching.bump_catalogue_version()


@receiver(post_save, sender=Order, dispatch_uid="shop.order_saved")
@receiver(post_delete, sender=Order, dispatch_uid="shop.order_deleted")
@receiver(post_save, sender=Address, dispatch_uid="shop.address_saved")
@receiver(post_delete, sender=Address, dispatch_uid="shop.address_deleted")
@receiver(post_save, sender=WishlistItem, dispatch_uid="shop.wishlist_item_saved")
@receiver(post_delete, sender=WishlistItem, dispatch_uid="shop.wishlist_item_deleted")
@receiver(post_save, sender=SavedSeller, dispatch_uid="shop.saved_seller_saved")
@receiver(post_delete, sender=SavedSeller, dispatch_uid="shop.saved_seller_deleted")
def customer_row_changed(sender: type[Model], instance: Model, **kwargs: object) -> None:
    caching.bump_customer(instance.user_id)


# Also written in bulk, which sends no signal: placing an order does so in the transaction
# that creates it, and shipping and refunds bump the customer themselves.
@receiver(post_save, sender=OrderLine, dispatch_uid="shop.order_line_saved")
@receiver(post_delete, sender=OrderLine, dispatch_uid="shop.order_line_deleted")
@receiver(post_save, sender=OrderDiscount, dispatch_uid="shop.order_discount_saved")
@receiver(post_delete, sender=OrderDiscount, dispatch_uid="shop.order_discount_deleted")
@receiver(post_save, sender=OrderEvent, dispatch_uid="shop.order_event_saved")
@receiver(post_delete, sender=OrderEvent, dispatch_uid="shop.order_event_deleted")
@receiver(post_save, sender=Shipment, dispatch_uid="shop.shipment_saved")
@receiver(post_delete, sender=Shipment, dispatch_uid="shop.shipment_deleted")
def order_part_changed(sender: type[Model], instance: Model, **kwargs: object) -> None:
    if type(instance).order.is_cached(instance):  # as the services write them: no query
        caching.bump_customer(instance.order.user_id)
    else:
        caching.bump_customer(
            Order.objects.filter(pk=instance.order_id).values_list("user_id", flat=True).first()
        )


# Writing a review recounts its product's rating in the service, but a review can also go
# with its author's account (or in the admin): the cached figures are recounted from the
# rows left, which bumps the catalogue's version too.
@receiver(post_delete, sender=Review, dispatch_uid="shop.review_deleted")
def review_deleted(sender: type[Review], instance: Review, **kwargs: object) -> None:
    review_services.refresh_rating(product_id=instance.product_id)
