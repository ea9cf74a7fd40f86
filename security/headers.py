"""Security headers Django's own middleware does not send, and the endpoint that receives the
Content-Security-Policy's violation reports.

Django's SecurityMiddleware sets HSTS, nosniff, Referrer-Policy and COOP; its CSP middleware
the policy with a nonce; the clickjacking middleware X-Frame-Options. This module adds the
Permissions-Policy and the Reporting-Endpoints the CSP's `report-to` names.
"""

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from security.logs import loggable

logger = logging.getLogger("security.csp")

# A violation report is a few hundred bytes; a browser may batch a handful.
MAX_REPORT_BYTES = 8 * 1024
MAX_VIOLATIONS_PER_REPORT = 5
REPORT_CONTENT_TYPES = {"application/csp-report", "application/reports+json", "application/json"}


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy built from settings.PERMISSIONS_POLICY and the
    Reporting-Endpoints from settings.REPORTING_ENDPOINTS to every response, static files
    included, unless the view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Permissions-Policy": ", ".join(
                f"{feature}=({' '.join(allowed)})"
                for feature, allowed in settings.PERMISSIONS_POLICY.items()
            ),
            "Reporting-Endpoints": ", ".join(
                f'{name}="{url}"' for name, url in settings.REPORTING_ENDPOINTS.items()
            ),
        }

    def __call__(self, request):
        response = self.get_response(request)
        for header, value in self.headers.items():
            if value:
                response.headers.setdefault(header, value)
        return response


@csrf_exempt  # browsers post reports without a token, and nothing is changed by one
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log each violation in a report, one warning line apiece, and answer 204. Anything
    that is not a report (too big, not JSON, no violation in it) gets a 400 and no log line:
    this URL is public, so its input is junk until it parses."""
    if request.content_type not in REPORT_CONTENT_TYPES:
        return HttpResponse(status=400)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if length > MAX_REPORT_BYTES:
        return HttpResponse(status=400)
    try:
        report = json.loads(request.body)
    except (ValueError, RecursionError):  # bad JSON, bytes that are not UTF-8, deep nesting
        return HttpResponse(status=400)
    violations = _violations(report)[:MAX_VIOLATIONS_PER_REPORT]
    if not violations:
        return HttpResponse(status=400)
    for document, directive, blocked in violations:
        logger.warning(
            "CSP violation: document-uri=%s violated-directive=%s blocked-uri=%s",
            loggable(_without_query(document), 200), loggable(directive),
            loggable(_without_query(blocked), 200),
        )
    return HttpResponse(status=204)


def _violations(report: object) -> list[tuple[str, str, str]]:
    """(document, directive, blocked) for each violation, from either format: the
    `report-uri` one ({"csp-report": {...}}) or the Reporting API's list of reports."""
    if isinstance(report, dict) and isinstance(body := report.get("csp-report"), dict):
        return [(
            body.get("document-uri", ""),
            body.get("violated-directive") or body.get("effective-directive", ""),
            body.get("blocked-uri", ""),
        )]
    if isinstance(report, list):
        return [
            (
                body.get("documentURL", ""),
                body.get("effectiveDirective", ""),
                body.get("blockedURL", ""),
            )
            for entry in report
            if isinstance(entry, dict)
            and entry.get("type") == "csp-violation"
            and isinstance(body := entry.get("body"), dict)
        ]
    return []


def _without_query(url: object) -> str:
    """A reported address without its query and fragment, where tokens would travel."""
    return str(url).split("?", 1)[0].split("#", 1)[0]
