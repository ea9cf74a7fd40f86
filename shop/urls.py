from django.urls import path

from shop.views import catalogue

app_name = "shop"

urlpatterns = [
    path("", catalogue.home, name="home"),
    path("products/", catalogue.product_list, name="product-list"),
    path("products/<slug:slug>/", catalogue.product_detail, name="product-detail"),
]
