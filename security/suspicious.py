"""Refusing input the database cannot take, and noticing requests that probe for SQL
injection, script injection or path traversal.

Input the database cannot store or compare is refused before anything reads it: a NUL
(PostgreSQL's text refuses it), a lone surrogate (UTF-8 cannot encode it, so the driver
refuses it), a query or form that is not UTF-8 (Django would read it as Latin-1, garbled),
and values longer than any the shop makes or asks for. The
path, the query string, a form's fields and file names, the headers and the cookies are all
checked, in one place, so no view, form, session lookup or admin page has to. Such a request
gets 400 and the shop's page saying so, and a line on the `security.suspicious` logger.

Probes are only logged, on the `security.suspicious` logger, for someone to look into: the
forms and the ORM already make it harmless, and blocking on a pattern would turn away real
shoppers whose search happens to look like one. A client that keeps probing gets a bounded
number of lines a minute, then one line saying the rest are left out.
"""

import logging
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from monitoring.counters import count_this_minute
from security.logs import loggable
from security.net import client_ip

logger = logging.getLogger("security.suspicious")

LOG_LINES_PER_MINUTE = 10

# The longest input taken, in characters. No link the shop makes comes near 2,048 in a path
# segment or a query parameter (slugs, order numbers and report dates are tens), and that is
# about the longest URL every browser, proxy and CDN carries (gunicorn refuses a request line
# over 4,094 anyway; this holds behind any server and in tests too). Form values are text
# people type: a product description in the admin runs to a few thousand characters, so
# 100,000 turns away only a script's filler, far below the body limit. Headers and cookies:
# 8,192, gunicorn's own limit for a header line, above any cookie a browser keeps (4,096).
MAX_PATH_SEGMENT = 2_048
MAX_PARAMETER = 2_048  # a query parameter's name or value, a form field's name
MAX_FORM_VALUE = 100_000
MAX_HEADER = 8_192
# What no text column can take: NUL, and UTF-16 surrogates, which only ever arrive alone
# (decoded from JSON or an ASGI server, say) and which UTF-8 cannot encode.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Webhook bodies are JSON whose signature the webhook code checks before it reads them; they
# are never taken for a form, whatever content type a sender claims.
SIGNED_BODIES = ("/webhooks/",)

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
    """Answers 400 to a request carrying input the database cannot take, before anything
    reads it (it sits above the session, whose key comes from a cookie). Logs requests whose
    query or form parameters look like an attack, but never blocks those."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if problem := check_input(request):
            return refuse(request, problem)
        if findings := _findings(request):
            _report(request, findings)
        return self.get_response(request)


def check_input(request: HttpRequest) -> str | None:
    """What is wrong with the request's input, said for a log line; None if nothing is."""
    for where, text, limit in _inputs(request):
        if text is None:
            wrong = "not UTF-8"
        elif len(text) > limit:
            wrong = f"longer than {limit:,} characters"
        elif UNSTORABLE.search(text):
            wrong = "a NUL or a lone surrogate"
        else:
            continue
        return f"{loggable(where, 60)}: {wrong}"  # a field's name is the sender's choice
    return None


def refuse(request: HttpRequest, problem: str) -> HttpResponse:
    _log(request, "security:refused", f"Refused input: {{where}}: {problem}")
    # The page's search box shows the query's `q`; the refused value is not sent back.
    request.GET = QueryDict()
    return render(request, "400.html", status=400)


def _inputs(request: HttpRequest) -> Iterator[tuple[str, str | None, int]]:
    """(where, text or None when not UTF-8, longest allowed) for every input of `request`."""
    # Django has already escaped bytes in the path that are not UTF-8 (as %ED%A0%80, say):
    # what is left is text any column takes, and matches no page's pattern but a str one.
    for segment in request.path_info.split("/"):
        yield "path", segment, MAX_PATH_SEGMENT
    yield from _urlencoded("query parameter", _query_string(request))
    for name, value in request.META.items():
        if name.startswith("HTTP_") or name == "CONTENT_TYPE":
            yield f"header {name}", value, MAX_HEADER
    for name, value in request.COOKIES.items():
        yield "cookie", name, MAX_HEADER
        yield f"cookie {name}", value, MAX_HEADER
    if request.method == "POST" and not request.path_info.startswith(SIGNED_BODIES):
        yield from _form(request)


def _form(request: HttpRequest) -> Iterator[tuple[str, str | None, int]]:
    # A body too big, with too many fields or malformed raises here as it would in the view,
    # and Django answers it with 400 all the same. CSRF checks read every form before its
    # view anyway, so a view never gets to choose other upload handlers.
    if request.content_type == FORM_TYPES[0]:
        body = request.body
        try:
            text = body.decode()
        except UnicodeDecodeError:
            text = None
        yield from _urlencoded("form field", text, value_limit=MAX_FORM_VALUE)
    elif request.content_type == FORM_TYPES[1]:
        # Django has already replaced bytes that are not UTF-8 here.
        for name, value in _pairs(request.POST):
            yield "form field", name, MAX_PARAMETER
            yield f"form field {name}", value, MAX_FORM_VALUE
        for name, upload in request.FILES.items():
            yield f"file name of {name}", upload.name or "", MAX_PARAMETER


def _urlencoded(where: str, text: str | None, *, value_limit: int = MAX_PARAMETER):
    if text is None:
        yield where, None, 0
        return
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict",
                          max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    except UnicodeDecodeError:
        yield where, None, 0
        return
    except ValueError:
        return  # too many fields: Django answers that itself when they are read
    for name, value in pairs:
        yield where, name, MAX_PARAMETER
        yield f"{where} {name}", value, value_limit


def _query_string(request: HttpRequest) -> str | None:
    """The query string as the UTF-8 it must be, None when it is not. (Django decodes one
    that is not as Latin-1, which would hide it.) Under ASGI the server has decoded it."""
    environ = getattr(request, "environ", None)
    if environ is None:
        return request.META.get("QUERY_STRING", "")
    try:
        return get_bytes_from_wsgi(environ, "QUERY_STRING", "").decode()
    except UnicodeDecodeError:
        return None


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
    params = "; ".join(
        f"{kind}: {', '.join(loggable(name) for name in sorted(names))}"
        for kind, names in sorted(findings.items())
    )
    _log(request, "security:suspicious", f"Suspicious input: {{where}} params=[{params}]")


def _log(request: HttpRequest, counter: str, message: str) -> None:
    """Log `message`, its `{where}` naming the request, unless the client had its share of
    lines (counted under `counter`) this minute."""
    client = client_ip(request)
    reported = _count_report(f"{counter}:{client}")
    if reported > LOG_LINES_PER_MINUTE + 1:
        return
    request_id = getattr(request, "request_id", None) or request.headers.get("X-Request-ID")
    where = (
        f"request_id={loggable(request_id or '-')} method={loggable(request.method)} "
        f"path={loggable(request.path)} client={loggable(client)}"
    )
    if reported == LOG_LINES_PER_MINUTE + 1:
        message = (
            f"{message.partition(':')[0]}: {{where}}: more than {LOG_LINES_PER_MINUTE} "
            "reports from this client this minute, further ones are suppressed"
        )
    logger.warning(message.replace("{where}", where, 1))


def _count_report(key: str) -> int:
    """How many reports this client has had this minute, this one included. Without a
    cache to count in, every report is logged: a lost line is worse than an extra one."""
    return count_this_minute(key) or 1
