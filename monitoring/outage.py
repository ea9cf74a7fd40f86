"""The database gone for a while (a restart, a failover): pages that need it answer 503.

Nothing is wrong with the code when the database cannot be reached, so such a request is
answered with a "back in a moment" page in the shop's look (templates/503.html), a
`Retry-After` and `Cache-Control: no-store`, not with the 500 page. Webhooks get the same
503, and providers send them again. Readiness reports the outage and takes the pod out of
the service, so here it is one warning on `shop.outage` per LOG_INTERVAL_SECONDS per process
(saying how many requests were answered so since the last one): not a Sentry event, a
`django.request` error or a count towards the server-error alert per request. Nothing is
remembered between requests, so the first request after the database is back is served.

An outage reaches here one of two ways:
- raised by a view: `OutageMiddleware.process_exception` answers it;
- raised by a middleware (the session read or saved, the user looked up): Django answers it
  itself with handler500, `server_error` below, which every middleware's exception reaches.
  Django sends `got_request_exception` first, which Sentry's Django integration reports:
  monitoring.sentry drops those reports again (`is_database_unavailable` on the exception).

`is_database_unavailable` is the one place that tells an outage from a bug (see there).
"""

import logging
import sqlite3
import sys
import threading
import time

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_vary_headers
from django.views import defaults
from django_htmx.http import push_url, reswap, retarget

logger = logging.getLogger("shop.outage")

RETRY_AFTER_SECONDS = 30
LOG_INTERVAL_SECONDS = 30
# What PostgreSQL answers when it cannot serve anyone for now: shutting down (57P01, 57P02),
# still starting up (57P03), out of connection slots (53300). Class 08 (connection
# exceptions) is matched by its prefix.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_MARK = "database_unavailable"


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` says the database cannot be reached, rather than that the code is
    wrong. Only django.db's OperationalError, by the driver error it wraps:
    - psycopg: no SQLSTATE (raised on the client side: refused, timed out, connection lost or
      closed), a connection exception (class 08), or one of UNAVAILABLE_SQLSTATES;
    - SQLite: the database file cannot be opened.
    A lock timeout, a deadlock or a statement timeout is an OperationalError too, but the
    database answered: that is contention the code should not cause (locks are taken in one
    order), so it stays a 500 and is reported. So does an InterfaceError: psycopg 3 reports
    a closed connection as an OperationalError, and keeps InterfaceError for misuse (a
    closed cursor)."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        return getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_CANTOPEN
    if hasattr(cause, "sqlstate"):  # psycopg's errors carry the server's code, or None
        state = cause.sqlstate
        return state is None or state.startswith("08") or state in UNAVAILABLE_SQLSTATES
    return False


def is_outage_response(response: HttpResponse) -> bool:
    """Whether `response` is the 503 answered for a database outage."""
    return getattr(response, _MARK, False)


class OutageMiddleware:
    """Answers a view that found the database unavailable with the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return unavailable(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when the exception being handled is an outage, Django's
    500 page otherwise."""
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        return unavailable(request, error)
    return defaults.server_error(request)


def unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 page, or for an HTMX request the notice alone, aimed at the page's message
    area as the 429 notice is. Rendered without the request: context processors would look
    up the user and the session, which is what failed."""
    _log(request, error)
    fragment = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    template = "503.html#outage-notice" if fragment else "503.html"
    content = loader.render_to_string(template, {"store_name": settings.STORE_NAME})
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    if fragment:
        retarget(response, "#messages")
        reswap(response, "innerHTML show:top")
        push_url(response, False)
    patch_vary_headers(response, ["HX-Request"])
    setattr(response, _MARK, True)
    # Django logs every 5xx it answers as an ERROR on django.request, a Sentry event through
    # its logging integration, unless the response says it was logged: this one has _log.
    response._has_been_logged = True
    return response


class _Throttle:
    """Lets one line through per interval, counting the ones held back in between."""

    def __init__(self, interval: float):
        self.interval = interval
        self._lock = threading.Lock()  # gunicorn's threaded workers share this
        self._last = float("-inf")
        self._held = 0

    def let_through(self) -> int | None:
        """None while the interval lasts; after it, how many were held back."""
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.interval:
                self._held += 1
                return None
            held, self._held, self._last = self._held, 0, now
            return held


_throttle = _Throttle(LOG_INTERVAL_SECONDS)


def _log(request: HttpRequest, error: BaseException) -> None:
    held = _throttle.let_through()
    if held is None:
        return
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    logger.warning(
        "The database is unavailable, answering 503 (%d more answered so since the previous "
        "line): %s",
        held, reason, extra={"method": request.method, "path": request.path, "status": 503},
    )
