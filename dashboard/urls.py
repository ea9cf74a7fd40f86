from django.urls import include, path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("charts/<slug:name>.svg", views.chart_file, name="chart"),
    path("activity/", views.activity, name="activity"),
    path("reports/", include("dashboard.reports.urls")),
]
