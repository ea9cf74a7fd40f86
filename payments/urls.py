from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("payments/<str:number>/start/", views.start, name="start"),
    path("payments/<str:number>/return/", views.payment_return, name="return"),
    path("payments/<str:number>/status/", views.payment_status, name="status"),
    path("payments/<str:number>/cancelled/", views.payment_cancelled, name="cancelled"),
    path("payments/test/<str:number>/", views.test_checkout, name="test-checkout"),
    path("webhooks/<slug:provider>/", views.webhook, name="webhook"),
]
