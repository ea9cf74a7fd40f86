"""Every request's id, timing and access log line.

RequestMiddleware takes the caller's `X-Request-ID` when it is a plain token, or makes one,
and echoes it back; it times the request and its queries into a `Server-Timing` header and
one line on the `shop.request` logger, and counts it in the request metrics by the URL's
name (monitoring.metrics; a 5xx also counts towards the server-error alert, unless it is the
503 of a database outage, monitoring.outage). Queries slower than SLOW_QUERY_MS are logged
on `shop.db.slow`, by their SQL without its parameters (which may be an email or a password).
"""

import logging
import re
import time
import uuid
from contextlib import ExitStack

from django.conf import settings
from django.db import connections
from django.utils.functional import empty

from monitoring import metrics, outage
from monitoring.logs import current_request_id

access_logger = logging.getLogger("shop.request")
slow_query_logger = logging.getLogger("shop.db.slow")

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SQL_LOG_CHARS = 2048


class QueryTimer:
    """An execute wrapper that counts and times the queries it sees; it runs none itself."""

    def __init__(self, *, slow_ms: float):
        self.slow_ms = slow_ms
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            self.count += 1
            self.seconds += elapsed
            if elapsed * 1000 > self.slow_ms:
                duration_ms = round(elapsed * 1000, 1)
                slow_query_logger.warning(
                    "Slow query: %.1f ms", duration_ms,
                    extra={"sql": str(sql)[:SQL_LOG_CHARS], "duration_ms": duration_ms},
                )


class RequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        request.request_id = request_id_for(request)
        token = current_request_id.set(request.request_id)
        timer = QueryTimer(slow_ms=settings.SLOW_QUERY_MS)
        try:
            with ExitStack() as stack:
                # Every configured connection: getting one from `connections` opens nothing.
                for alias in connections:
                    stack.enter_context(connections[alias].execute_wrapper(timer))
                response = self.get_response(request)
            app_seconds = time.perf_counter() - start
            metrics.record_request(
                route=route_name(request), method=request.method,
                status=response.status_code, seconds=app_seconds,
                database_unavailable=outage.is_outage_response(response),
            )
            app_ms = app_seconds * 1000
            db_ms = timer.seconds * 1000
            response["X-Request-ID"] = request.request_id
            # To the hundredth: one quick query takes less than a twentieth of a millisecond.
            response["Server-Timing"] = ", ".join(
                filter(None, [response.get("Server-Timing"), f"app;dur={app_ms:.2f}",
                              f"db;dur={db_ms:.2f}"])
            )
            access_logger.info(
                "%s %s %s %.1f ms", request.method, request.path, response.status_code, app_ms,
                extra={
                    "request_id": request.request_id,
                    "user_id": user_id(request),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(app_ms, 1),
                    "db_ms": round(db_ms, 1),
                    "queries": timer.count,
                },
            )
            return response
        finally:
            current_request_id.reset(token)


def request_id_for(request) -> str:
    """The caller's X-Request-ID when it is a plain token (so it is safe in a log line and a
    header), otherwise a new one."""
    given = request.headers.get("X-Request-ID", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def route_name(request) -> str | None:
    """The URL's name (`shop:product-list`), or the view's dotted path for an unnamed one;
    None when no URL matched (a 404, or an answer from the middleware before resolving)."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else None


def user_id(request) -> int | None:
    """The signed-in user's id, when the request already looked the user up: reading
    `request.user` here for the first time would load the session and the user, queries the
    page itself did not make."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None
