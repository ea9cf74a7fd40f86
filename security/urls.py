from django.urls import include, path

from security import headers

urlpatterns = [
    path("accounts/2fa/", include("security.twofactor.urls")),
    path("csp-report/", headers.csp_report, name="csp-report"),
]
