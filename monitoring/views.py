"""`/health/`: the detailed view of the shop's dependencies, for monitors and staff.

Unlike the probes it goes through the whole middleware stack: it is called on the shop's own
hostname, over HTTPS, by monitors and by people, and staff are recognised by their session.
Staff whose session passed the second factor get everything (a page in a browser, JSON
otherwise); everyone else gets the statuses, latencies and version, without the Python and
Django versions or the reasons a check failed.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from monitoring import health

PUBLIC_CHECK_KEYS = ("status", "latency_ms")


@require_safe
@never_cache
def health_view(request: HttpRequest) -> HttpResponse:
    staff = _is_verified_staff(request.user)
    report = health.describe_health(details=staff)
    status = 503 if report["failing"] else 200
    if not staff:
        response = JsonResponse(_public(report), status=status)
    elif request.get_preferred_type(["application/json", "text/html"]) == "text/html":
        response = render(request, "monitoring/health.html", {"report": report}, status=status)
    else:
        response = JsonResponse(report, status=status)
    patch_vary_headers(response, ["Accept", "Cookie"])
    return response


def _public(report: dict) -> dict:
    """What anyone may see: no software versions, no reasons (see monitoring.health)."""
    return {
        "status": report["status"],
        "failing": report["failing"],
        "version": report["version"],
        "checks": {
            name: {key: value for key, value in check.items() if key in PUBLIC_CHECK_KEYS}
            for name, check in report["checks"].items()
        },
    }


def _is_verified_staff(user) -> bool:
    # django-otp's own check (OTPMiddleware gives every user is_verified), not the security
    # app's staff gate: monitoring stands below the apps it watches.
    return user.is_active and user.is_staff and user.is_verified()
