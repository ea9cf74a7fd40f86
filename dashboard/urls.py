from django.urls import include, path

from dashboard import seller_views, staff_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("charts/<slug:name>.svg", views.chart_file, name="chart"),
    path("products/", views.products, name="products"),
    path("activity/", views.activity, name="activity"),
    path("reports/", include("dashboard.reports.urls")),
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/<int:pk>/", staff_views.staff_member, name="staff-member"),
    path("staff/<int:pk>/deactivate/", staff_views.staff_deactivate, name="staff-deactivate"),
    path("sellers/", seller_views.sellers, name="sellers"),
    path("sellers/<int:pk>/", seller_views.seller, name="seller"),
    path("sellers/<int:pk>/decide/", seller_views.decide, name="seller-decide"),
    path("sellers/<int:pk>/payout/", seller_views.record_payout, name="seller-payout"),
    path("invitation/<str:token>/", staff_views.invitation, name="invitation"),
]
