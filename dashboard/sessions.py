"""Counting storefront sessions for the dashboard's sessions and conversion rate.

`SessionCountMiddleware` records a browser session the first time on each day (the store's)
that it is served a storefront page: one SessionDay row, written once. The session itself
remembers the day and the row's key, so its later requests that day cost no query, and an
order placed after signing in (which gives the session a new key) marks the same row.

The row's key is a keyed hash of the session key, never the key itself. Staff areas, static
files, probes, HTMX fragments, errors and crawlers are not counted.
"""

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from dashboard import kpis
from dashboard.models import SessionDay

logger = logging.getLogger(__name__)

VISIT = "dashboard_visit"  # in the session: {"day": "YYYY-MM-DD", "key": the row's key}
NOT_COUNTED = (
    "/admin/", "/dashboard/", "/static/", "/media/", "/health", "/liveness", "/readiness",
    "/metrics", "/webhooks/", "/csp-report/",
)
CRAWLERS = ("bot", "crawl", "spider", "slurp", "preview")


class SessionCountMiddleware:
    """After the session and authentication middleware: counts the request's session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_storefront_page(request, response):
            try:
                count_visit(request)
            except DatabaseError:  # a count lost is better than a page lost
                logger.warning("The session could not be counted.", exc_info=True)
        return response


def _is_storefront_page(request: HttpRequest, response: HttpResponse) -> bool:
    if request.method != "GET" or response.status_code != 200:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if request.path.startswith(NOT_COUNTED) or getattr(request, "htmx", False):
        return False
    agent = request.headers.get("User-Agent", "").lower()
    return bool(agent) and not any(word in agent for word in CRAWLERS)


def count_visit(request: HttpRequest) -> None:
    """Record this session for today, unless it already was (then no query at all)."""
    day = kpis.today().isoformat()
    visit = request.session.get(VISIT)
    if visit and visit.get("day") == day:
        return
    key = _key(request)
    SessionDay.objects.bulk_create(
        [SessionDay(day=day, key=key)], ignore_conflicts=True
    )
    request.session[VISIT] = {"day": day, "key": key}


def mark_ordered(request: HttpRequest) -> None:
    """This session placed an order: today's row says so (made if the session was not
    counted yet, say when its pages were never shown as HTML)."""
    day = kpis.today().isoformat()
    visit = request.session.get(VISIT)
    key = visit["key"] if visit and visit.get("day") == day else _key(request)
    SessionDay.objects.bulk_create(
        [SessionDay(day=day, key=key, ordered=True)],
        update_conflicts=True, unique_fields=["day", "key"], update_fields=["ordered"],
    )
    request.session[VISIT] = {"day": day, "key": key}


def _key(request: HttpRequest) -> str:
    session = request.session
    if session.session_key is None:
        session.save()  # a first visit: the session needs its key now, not at the response
    return salted_hmac("dashboard.sessions", session.session_key, algorithm="sha256").hexdigest()
