"""Reports for finance, as CSV and XLSX files."""

from django.urls import re_path

from dashboard.reports import views
from dashboard.reports.definitions import REPORTS

urlpatterns = [
    re_path(
        rf"^(?P<name>{'|'.join(REPORTS)})\.(?P<file_format>csv|xlsx)$", views.download,
        name="report",
    ),
]
