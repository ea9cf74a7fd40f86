"""`/metrics`, for Prometheus, answered by ProbeMiddleware (before host checks, HTTPS
redirects and sessions: the scraper calls each pod by its IP over plain HTTP).

Only a scraper may read it: one sending `Authorization: Bearer <METRICS_TOKEN>`, or one
calling from an address in METRICS_ALLOWED_IPS. The address is the connection's
(REMOTE_ADDR), never X-Forwarded-For, which anyone can send; inside the cluster it is the
scraper's pod IP. Anyone else gets 403. With neither setting, nobody may read it.
"""

import hmac
import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from monitoring import metrics
from monitoring.task_backlog import task_backlog

logger = logging.getLogger(__name__)


def metrics_response(request: HttpRequest) -> HttpResponse:
    if not is_scraper(request):
        response = HttpResponse("Forbidden: send the metrics token.\n", status=403,
                                content_type="text/plain; charset=utf-8")
    else:
        _measure_task_backlog()
        response = HttpResponse(
            metrics.exposition(multiprocess_dir=settings.PROMETHEUS_MULTIPROC_DIR),
            content_type=metrics.CONTENT_TYPE,
        )
    response["Cache-Control"] = "no-store"
    return response


def is_scraper(request: HttpRequest) -> bool:
    return _has_token(request) or _from_allowed_address(request)


def _has_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _from_allowed_address(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_IPS)


def _measure_task_backlog() -> None:
    """The queue's waiting tasks, read at scrape time (one query); a database that does not
    answer leaves the last value."""
    try:
        metrics.set_task_backlog(task_backlog()["ready"])
    except DatabaseError:
        logger.warning("Task backlog unreadable for the metrics.")
