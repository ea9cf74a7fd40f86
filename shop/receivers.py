"""Signal receivers: at sign-in, the anonymous cart joins the customer's own; a saved or
deleted catalogue row, promotion, discount code or shipping method invalidates the
catalogue's cached reads (and the cart pages kept with them, shop.own_pages); a deleted review
recounts its product's rating."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from shop import caching
from shop.models import (
    Cart,
    Category,
    DiscountCode,
    Product,
    ProductImage,
    Promotion,
    Review,
    Seller,
    SellerBranch,
    ShippingMethod,
    User,
    Variant,
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


# Writing a review recounts its product's rating in the service, but a review can also go
# with its author's account (or in the admin): the cached figures are recounted from the
# rows left, which bumps the catalogue's version too.
@receiver(post_delete, sender=Review, dispatch_uid="shop.review_deleted")
def review_deleted(sender: type[Review], instance: Review, **kwargs: object) -> None:
    review_services.refresh_rating(product_id=instance.product_id)
