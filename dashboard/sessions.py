"""Counting storefront visitors for the dashboard's sessions and conversion rate.

`SessionCountMiddleware` records a visitor the first time on each day (the store's) that it is
served a storefront page: one SessionDay row, written once. A visitor is known by a cookie of
its own, `COOKIE`: a random key and the day it was last counted, signed so that neither can
be made up. Django's session is never touched, so counting creates no session. A request
whose cookie says "counted today" costs no query at all; a visitor back on another day costs
one INSERT … ON CONFLICT DO NOTHING.

A request without the cookie (a new browser, or a client that never keeps cookies) is
counted only when it looks like a browser asking for a page (Accept: text/html and a
User-Agent that is no crawler's), and only as the first such request of the day from its
client address (a cache key): a client that never sends cookies back writes one row a day,
not one per request. A new browser that comes after another from the same address gets the
cookie all the same and is counted on its next page, when it sends it back.

`count_page_view` counts a product's or a shop's page once a day per visitor counted today
(a new browser after another from the same address: from its next page on, when it sends
its cookie back), and `count_cart_add` a product added to a cart once a
day per visitor, both through `count_once_a_day`: a cache key per visitor, kind, slug and day,
then one UPDATE of the slug's row for the day (an INSERT for its first of the day). A cart add
from a request without the visitor cookie (it expired, or was cleared, since the product
page) makes the visitor then, as `mark_ordered` does, and the cookie goes back with the
response. Adding needs a POST with Django's CSRF cookie, so a client that keeps no cookies
never gets that far and cannot make a new visitor on every request.

`mark_ordered` marks the row of the visitor's day when it places an order, made if need be.
The row's key is a keyed hash of the visitor's key, never the key itself. Staff areas,
static files, probes, HTMX fragments, errors and crawlers are not counted.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from dashboard import kpis
from dashboard.models import PageViewDay, SessionDay
from security.net import client_key

logger = logging.getLogger(__name__)

COOKIE = "visitor"  # "<key>:<YYYY-MM-DD last counted, or nothing>", signed
COOKIE_SALT = "dashboard.sessions.visitor"
COOKIE_DAYS = 30
FIRST_VISIT_SECONDS = 24 * 60 * 60  # the cache key names the day; this only tidies it away
NOT_COUNTED = (
    "/admin/", "/dashboard/", "/sell/", "/static/", "/media/", "/health", "/liveness", "/readiness",
    "/metrics", "/webhooks/", "/csp-report/",
)
CRAWLERS = ("bot", "crawl", "spider", "slurp", "preview")
_ON_REQUEST = "_dashboard_visitor"


@dataclass
class Visitor:
    """The visitor a request comes from: its key, the day (ISO) it was last counted or "",
    and whether its cookie needs writing again."""

    key: str
    counted: str = ""
    changed: bool = False

    @property
    def row_key(self) -> str:
        return salted_hmac("dashboard.sessions", self.key, algorithm="sha256").hexdigest()

    def counted_on(self, day: str) -> None:
        self.counted, self.changed = day, True


class SessionCountMiddleware:
    """Counts the visitor of a storefront page, and sends its cookie back when it changed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_storefront_page(request, response):
            try:
                count_visit(request)
                count_page_view(request)
            except DatabaseError:  # a count lost is better than a page lost
                logger.warning("The visit could not be counted.", exc_info=True)
        visitor = getattr(request, _ON_REQUEST, None)
        if visitor is not None and visitor.changed:
            _set_cookie(request, response, visitor)
        return response


def count_visit(request: HttpRequest) -> None:
    """Record the request's visitor for today, unless it already was (then no query at all).
    A request without the visitor cookie is counted only as its address's first browser page
    of the day (see the module's docstring)."""
    day = kpis.today().isoformat()
    visitor = _visitor(request)
    if visitor is None:
        if not _looks_like_a_browser(request):
            return
        visitor = _new_visitor(request)
        if not cache.add(f"dashboard:first-visit:{day}:{client_key(request)}", True,
                         FIRST_VISIT_SECONDS):
            return  # its address had its first visit today: counted when it comes back
    elif visitor.counted == day:
        return
    SessionDay.objects.bulk_create([SessionDay(day=day, key=visitor.row_key)],
                                   ignore_conflicts=True)
    visitor.counted_on(day)


# The pages whose views sellers see, by their URL names.
VIEWED_PAGES = {"shop:product-detail": PageViewDay.Kind.PRODUCT,
                "shop:seller-detail": PageViewDay.Kind.SHOP}


def count_page_view(request: HttpRequest) -> None:
    """Count the product's or shop's page the visitor opened, once a day per visitor counted
    today: not a new visitor left uncounted (count_visit), so a client that never sends its
    cookie back writes no view per request either."""
    match = request.resolver_match
    kind = VIEWED_PAGES.get(match.view_name) if match else None
    visitor = _visitor(request)
    if kind is None or visitor is None or visitor.counted != kpis.today().isoformat():
        return
    count_once_a_day(visitor, kind=kind, slug=match.kwargs["slug"])


def count_cart_add(request: HttpRequest, *, slug: str) -> None:
    """Count the product (by its slug) added to a cart, once a day per visitor; a request
    without the visitor cookie makes its visitor (see the module's docstring)."""
    visitor = _visitor(request) or _new_visitor(request)
    count_once_a_day(visitor, kind=PageViewDay.Kind.CART, slug=slug)


def count_once_a_day(visitor: Visitor, *, kind: PageViewDay.Kind, slug: str) -> None:
    """Add the visitor to the (today, kind, slug) row, unless it was counted there today:
    no query then."""
    day = kpis.today().isoformat()
    if not cache.add(f"dashboard:viewed:{day}:{kind}:{slug}:{visitor.row_key}", True,
                     FIRST_VISIT_SECONDS):
        return
    row = PageViewDay.objects.filter(day=day, kind=kind, slug=slug)
    if row.update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            PageViewDay.objects.create(day=day, kind=kind, slug=slug, views=1)
    except IntegrityError:  # another process made the row meanwhile
        row.update(views=F("views") + 1)


def mark_ordered(request: HttpRequest) -> None:
    """The request's visitor placed an order: today's row says so (made if the visitor was
    not counted yet, say when it never showed a page as a browser would)."""
    day = kpis.today().isoformat()
    visitor = _visitor(request) or _new_visitor(request)
    SessionDay.objects.bulk_create(
        [SessionDay(day=day, key=visitor.row_key, ordered=True)],
        update_conflicts=True, unique_fields=["day", "key"], update_fields=["ordered"],
    )
    visitor.counted_on(day)


def _is_storefront_page(request: HttpRequest, response: HttpResponse) -> bool:
    if request.method != "GET" or response.status_code != 200:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if request.path.startswith(NOT_COUNTED) or getattr(request, "htmx", False):
        return False
    agent = request.headers.get("User-Agent", "").lower()
    return bool(agent) and not any(word in agent for word in CRAWLERS)


def _looks_like_a_browser(request: HttpRequest) -> bool:
    """Asks for HTML, as a browser loading a page does (curl and monitors mostly do not)."""
    return "text/html" in request.headers.get("Accept", "")


def _visitor(request: HttpRequest) -> Visitor | None:
    """The visitor the request's cookie names (read once); None without a valid cookie."""
    if not hasattr(request, _ON_REQUEST):
        value = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT)
        key, _, counted = value.partition(":")
        setattr(request, _ON_REQUEST, Visitor(key, counted) if key else None)
    return getattr(request, _ON_REQUEST)


def _new_visitor(request: HttpRequest) -> Visitor:
    visitor = Visitor(secrets.token_urlsafe(16), changed=True)
    setattr(request, _ON_REQUEST, visitor)
    return visitor


def _set_cookie(request: HttpRequest, response: HttpResponse, visitor: Visitor) -> None:
    response.set_signed_cookie(
        COOKIE, f"{visitor.key}:{visitor.counted}", salt=COOKIE_SALT,
        max_age=COOKIE_DAYS * 24 * 60 * 60, httponly=True, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )
