"""Error reports to Sentry, only when SENTRY_DSN is set, with secrets scrubbed before they
leave the process.

`init_sentry` is called when the app is ready (monitoring.apps), with what the settings read
from the environment; `before_send` drops what is not a bug (a database outage, answered 503
by monitoring.outage) and scrubs the rest with `scrub_event`.
"""

import re
from typing import Any

import sentry_sdk
from django.conf import settings
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import ignore_logger

from monitoring.outage import is_database_unavailable

FILTERED = "[Filtered]"
SECRET_NAME = re.compile(r"password|secret|token|key|otp|code", re.IGNORECASE)
SECRET_HEADERS = {"authorization", "cookie", "x-csrftoken"}
# Sessions live in the cache (cached_db, security.sessions), and Sentry's Redis breadcrumbs
# and spans name each command's key: a session's cache key holds the session id.
SESSION_CACHE_KEY = re.compile(r"(django\.contrib\.sessions\.cache(?:d_db)?)\w+")


def init_sentry(**overrides: Any) -> bool:
    """Start reporting to SENTRY_DSN; without it, do nothing. Returns whether it started.
    `overrides` go to sentry_sdk.init as they are (the tests pass a transport)."""
    if not settings.SENTRY_DSN:
        return False
    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        integrations=[DjangoIntegration()],
        release=settings.SENTRY_RELEASE or None,
        environment=settings.SENTRY_ENVIRONMENT or None,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        # No user ids, emails, addresses or cookies: the SDK's default leaves personal data
        # out (its send_default_pii is off), and scrub_event catches what is left.
        # Frames' local variables hold form data, a request's URL with its query, tokens being
        # checked: secrets inside reprs no key name gives away.
        include_local_variables=False,
        before_send=before_send,
        before_send_transaction=scrub_event,
        **overrides,
    )
    # monitoring.alerts sends its own message; its ERROR line would report it a second time.
    ignore_logger("shop.alerts")
    return True


def before_send(event: dict, hint: dict) -> dict | None:
    """No report for a database outage: each request it fails is answered 503 and the outage
    is logged once in a while (monitoring.outage); readiness reports it. Other errors are
    scrubbed and sent."""
    exc_info = hint.get("exc_info") if isinstance(hint, dict) else None
    if exc_info and is_database_unavailable(exc_info[1]):
        return None
    return scrub_event(event, hint)


def scrub_event(event: dict, hint: dict) -> dict:
    """Replace secret headers, cookies and every value whose key names a secret (in the
    request's data and query, the extra data and breadcrumbs)."""
    request = event.get("request")
    if isinstance(request, dict):
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in headers:
                if name.lower() in SECRET_HEADERS or SECRET_NAME.search(name):
                    headers[name] = FILTERED
        if request.get("cookies"):
            request["cookies"] = FILTERED
        if "data" in request:
            # A body that is not a form or JSON object cannot be read key by key.
            data = request["data"]
            request["data"] = _scrub(data) if isinstance(data, dict | list) else FILTERED
        if request.get("query_string"):
            request["query_string"] = _scrub_query(request["query_string"])
    if "extra" in event:
        event["extra"] = _scrub(event["extra"])
    breadcrumbs = event.get("breadcrumbs")
    crumbs = breadcrumbs.get("values", []) if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in crumbs or []:
        if isinstance(crumb, dict) and "data" in crumb:
            crumb["data"] = _scrub(crumb["data"])
        _scrub_session_key(crumb, "message")
    for span in event.get("spans") or []:
        _scrub_session_key(span, "description")
    return event


def _scrub_session_key(item: Any, field: str) -> None:
    if isinstance(item, dict) and isinstance(item.get(field), str):
        item[field] = SESSION_CACHE_KEY.sub(rf"\1{FILTERED}", item[field])


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: FILTERED if isinstance(key, str) and SECRET_NAME.search(key) else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _scrub_query(query: Any) -> Any:
    if not isinstance(query, str):
        return _scrub(query)
    pairs = (pair.partition("=") for pair in query.split("&"))
    return "&".join(
        f"{name}={FILTERED}" if SECRET_NAME.search(name) else f"{name}{equals}{value}"
        for name, equals, value in pairs
    )
