from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.static import serve


def favicon(request):
    # Browsers ask for /favicon.ico on pages that name no icon, such as the admin's. Not a
    # permanent redirect: the icon's hashed file name changes when the icon does.
    return redirect(static("img/favicon.svg"))


# A database outage raised by a middleware reaches only this: it answers 503, not 500.
handler500 = "monitoring.outage.server_error"

urlpatterns = [
    path("favicon.ico", favicon),
    path("", include("shop.urls")),
    path("", include("payments.urls")),
    path("", include("security.urls")),
    path("accounts/", include("allauth.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("sell/", include("marketplace.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("", include("monitoring.urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
