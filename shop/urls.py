from django.urls import path

from shop.views import (
    addresses,
    cart,
    catalogue,
    checkout,
    orders,
    promotions,
    reviews,
    sellers,
    wishlist,
)

app_name = "shop"

urlpatterns = [
    path("", catalogue.home, name="home"),
    path("products/", catalogue.product_list, name="product-list"),
    path("products/<slug:slug>/", catalogue.product_detail, name="product-detail"),
    path("products/<slug:slug>/reviews/", reviews.review_submit, name="review-submit"),
    path("shops/<slug:slug>/", sellers.seller_detail, name="seller-detail"),
    path("shops/<slug:slug>/reviews/", sellers.seller_review, name="seller-review"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.cart_add, name="cart-add"),
    path("cart/lines/<int:line_id>/", cart.cart_line_update, name="cart-line-update"),
    path("cart/lines/<int:line_id>/remove/", cart.cart_line_remove, name="cart-line-remove"),
    path("cart/code/", promotions.code_enter, name="cart-code"),
    path("cart/code/remove/", promotions.code_remove, name="cart-code-remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/review/", checkout.checkout_review, name="checkout-review"),
    path("orders/", orders.order_list, name="order-list"),
    path("orders/<str:number>/", orders.order_detail, name="order-detail"),
    path("orders/<str:number>/cancel/", orders.order_cancel, name="order-cancel"),
    path("addresses/", addresses.address_list, name="address-list"),
    path("addresses/new/", addresses.address_new, name="address-new"),
    path("addresses/region/", addresses.address_region, name="address-region"),
    path("addresses/<int:address_id>/edit/", addresses.address_edit, name="address-edit"),
    path("addresses/<int:address_id>/delete/", addresses.address_delete, name="address-delete"),
    path("addresses/<int:address_id>/default/", addresses.address_default,
         name="address-default"),
    path("wishlist/", wishlist.wishlist, name="wishlist"),
    path("wishlist/<int:product_id>/", wishlist.wishlist_toggle, name="wishlist-toggle"),
    path("wishlist/<int:product_id>/move/", wishlist.wishlist_move, name="wishlist-move"),
    path("wishlist/<int:product_id>/remove/", wishlist.wishlist_remove, name="wishlist-remove"),
    path("wishlist/shops/<int:seller_id>/", wishlist.shop_save_toggle, name="seller-save"),
    path("wishlist/shops/<int:seller_id>/remove/", wishlist.saved_shop_remove,
         name="saved-shop-remove"),
]
