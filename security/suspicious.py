"""Noticing requests that probe for SQL injection, script injection or path traversal.

Such input is only logged, on the `security.suspicious` logger, for someone to look into: the
forms and the ORM already make it harmless, and blocking on a pattern would turn away real
shoppers whose search happens to look like one. A client that keeps probing gets a bounded
number of lines a minute, then one line saying the rest are left out.
"""

import logging
import re

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest

from monitoring.counters import count_this_minute
from security.logs import loggable
from security.net import client_ip

logger = logging.getLogger("security.suspicious")

LOG_LINES_PER_MINUTE = 10

PATTERNS = {
    "sql": re.compile(
        r"""['"]\s*(?:or|and)\s+['"\w]+\s*(?:=|like\b)"""  # ' or 1=1, " or "a"="a
        r"|\bunion\b(?:\s|/\*.{0,64}?\*/)+(?:all\s+)?select\b"
        r"|[;']\s*--"  # ;-- and '-- end the statement and comment out the rest
        r"|;\s*(?:drop|delete|insert|update|alter|truncate|exec|shutdown)\b"
        r"|\b(?:pg_sleep|sleep|benchmark)\s*\(|\bwaitfor\s+delay\b",
        re.IGNORECASE,
    ),
    "script": re.compile(
        r"<\s*(?:/\s*)?(?:script|iframe|object|embed|svg)\b"
        r"|(?:java|vb)script\s*:"
        r"|\bon(?:error|load|unload|abort|click|dblclick|focus|blur|change|input|submit"
        r"|toggle|begin|mouse\w+|key\w+|pointer\w+|animation\w+|transition\w+)\s*=",
        re.IGNORECASE,
    ),
    "traversal": re.compile(r"\.\.[/\\]|%2e%2e(?:%2f|%5c|/|\\)", re.IGNORECASE),
}


class SuspiciousInputMiddleware:
    """Logs requests whose query or form parameters look like an attack. Never blocks one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if findings := _findings(request):
            _report(request, findings)
        return self.get_response(request)


def _findings(request: HttpRequest) -> dict[str, set[str]]:
    """The names of the parameters that look like an attack, by kind of attack."""
    findings: dict[str, set[str]] = {}
    for name, value in _parameters(request):
        for kind, pattern in PATTERNS.items():
            if pattern.search(name) or pattern.search(value):
                findings.setdefault(kind, set()).add(name)
    return findings


def _parameters(request: HttpRequest):
    yield from _pairs(request.GET)
    # Only urlencoded forms: a multipart body is parsed by the view, which may choose its
    # upload handlers, and must be the one to see a body that fails to parse.
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        try:
            form = request.POST
        except (RequestDataTooBig, TooManyFieldsSent):
            return  # the view reads it again and answers the error itself
        yield from _pairs(form)


def _pairs(params):
    for name, values in params.lists():
        for value in values:
            yield name, value


def _report(request: HttpRequest, findings: dict[str, set[str]]) -> None:
    client = client_ip(request)
    reported = _count_report(client)
    if reported > LOG_LINES_PER_MINUTE + 1:
        return
    request_id = getattr(request, "request_id", None) or request.headers.get("X-Request-ID")
    where = (
        loggable(request_id or "-"), loggable(request.method), loggable(request.path),
        loggable(client),
    )
    if reported == LOG_LINES_PER_MINUTE + 1:
        logger.warning(
            "Suspicious input: request_id=%s method=%s path=%s client=%s: more than %d "
            "reports from this client this minute, further ones are suppressed",
            *where, LOG_LINES_PER_MINUTE,
        )
        return
    params = "; ".join(
        f"{kind}: {', '.join(loggable(name) for name in sorted(names))}"
        for kind, names in sorted(findings.items())
    )
    logger.warning(
        "Suspicious input: request_id=%s method=%s path=%s client=%s params=[%s]",
        *where, params,
    )


def _count_report(client: str) -> int:
    """How many reports this client has had this minute, this one included. Without a
    cache to count in, every report is logged: a lost line is worse than an extra one."""
    return count_this_minute(f"security:suspicious:{client}") or 1
