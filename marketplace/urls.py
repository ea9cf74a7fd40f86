from django.urls import path, re_path

from marketplace import statements, views

app_name = "marketplace"

urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("products/", views.products, name="products"),
    path("products/new/", views.product_form, name="product-new"),
    path("products/<int:pk>/", views.product_form, name="product"),
    path("orders/", views.orders, name="orders"),
    path("orders/<str:number>/", views.order, name="order"),
    path("orders/<str:number>/ship/", views.ship, name="ship"),
    re_path(r"^statement\.(?P<file_format>csv|xlsx)$", statements.download, name="statement"),
]
