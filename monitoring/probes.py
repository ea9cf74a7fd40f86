"""The Kubernetes probes, `/liveness/` and `/readiness/`, and Prometheus's `/metrics`
(monitoring.scrape), answered by ProbeMiddleware.

The kubelet calls them by pod IP over plain HTTP, so they are answered first in the
middleware: before host checks (nothing here calls `request.get_host()`), HTTPS redirects,
sessions, CSRF, rate limits and the request log. `/liveness/` looks at nothing outside the
process: a restart is the cure only for a process that is stuck itself. `/readiness/` checks
the database, the cache and the migrations (monitoring.health): 503 names what is failing,
and the pod is taken out of the service until it passes again.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse

from monitoring import health, scrape

LIVENESS = "/liveness/"
READINESS = "/readiness/"
METRICS = "/metrics"


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path not in (LIVENESS, READINESS, METRICS):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = _probe_response({"status": "method not allowed"}, 405)
            response["Allow"] = "GET, HEAD"
            return response
        if path == METRICS:
            return scrape.metrics_response(request)
        if path == LIVENESS:
            return _probe_response({"status": health.OK})
        return _probe_response(*_readiness())


def _readiness() -> tuple[dict, int]:
    readiness = health.check_readiness()
    body = {
        "status": readiness.status,
        "checks": {
            name: {key: value for key, value in check.as_dict().items() if key != "detail"}
            for name, check in readiness.checks.items()
        },
    }
    if readiness.failing:
        body["failing"] = readiness.failing
        return body, 503
    return body, 200


def _probe_response(body: dict, status: int = 200) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response
