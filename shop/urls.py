from django.urls import path

from shop.views import cart, catalogue, checkout, orders

app_name = "shop"

urlpatterns = [
    path("", catalogue.home, name="home"),
    path("products/", catalogue.product_list, name="product-list"),
    path("products/<slug:slug>/", catalogue.product_detail, name="product-detail"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.cart_add, name="cart-add"),
    path("cart/lines/<int:line_id>/", cart.cart_line_update, name="cart-line-update"),
    path("cart/lines/<int:line_id>/remove/", cart.cart_line_remove, name="cart-line-remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/review/", checkout.checkout_review, name="checkout-review"),
    path("orders/", orders.order_list, name="order-list"),
    path("orders/<str:number>/", orders.order_detail, name="order-detail"),
    path("orders/<str:number>/cancel/", orders.order_cancel, name="order-cancel"),
]
