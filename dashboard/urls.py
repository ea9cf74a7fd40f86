from django.urls import include, path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", include("dashboard.reports.urls")),
]
