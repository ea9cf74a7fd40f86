from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("health/", views.health_view, name="health"),
]
