from django.urls import path

from bench.floor import views

urlpatterns = [
    path("constant/", views.constant),
    path("items/", views.items),
]
