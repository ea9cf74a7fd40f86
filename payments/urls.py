from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("payments/<str:number>/start/", views.start, name="start"),
    path("payments/test/<str:number>/", views.test_checkout, name="test-checkout"),
]
