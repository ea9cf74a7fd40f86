"""Whole storefront pages, rendered once and kept for everyone who sees the same thing.

Two audiences share pages: visitors who are not signed in (with or without a session: a cart,
messages) and signed-in customers. Within an audience everyone sees exactly the same page at
the same address but for a few holes, each filled in per response:

- the CSP nonce and the CSRF token;
- the header's account links with the cart's count (`_account_nav.html`) and the messages
  (`_messages.html`), rendered for the request;
- for a customer, whether each product (and shop) on the page is saved: each wishlist heart
  and "Save this shop" is kept with a mark in place of its pressed state, filled from the
  customer's saved ids (shop.selectors.wishlist.saved_by: kept for them a minute at most).

`shared_page` renders the home, listing, shop and product pages with the marks (core.http's
render_page puts `request.page_marks` over the view's context), keeps the page in the
catalogue cache (shop.caching: dropped whenever the catalogue, or its product, changes), and
fills in each response's own values. A kept page costs no query: a customer's session and
user come from the cache too (security.users). Anyone else (a second factor still to
come, a method other than GET) gets the view as it is, and a view can name what else makes
a request its own (`unless`: a product page for the customer who reviewed it).

The marks hold `<`, which autoescaping turns into `&lt;` wherever text from a request or the
database is shown, so nothing but the marks themselves can be filled in.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache, wraps

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from shop import caching
from shop.promotions import live
from shop.request_cart import badge_count
from shop.selectors.wishlist import saved_keys, saved_seller_ids, wishlisted_ids

NONCE_MARK = mark_safe("<shared-page-nonce>")
CSRF_MARK = mark_safe("<shared-page-csrf>")
NAV_MARK = mark_safe("<shared-page-nav>")
MESSAGES_MARK = mark_safe("<shared-page-messages>")
# Any mark: those above, and a heart's or a shop's pressed state (<shared-page-product-12>,
# <shared-page-shop-3>), with its kind and id.
MARK = re.compile(rb"<shared-page-(nonce|csrf|nav|messages|product|shop)(?:-(\d+))?>")
SAVED_KINDS = {b"product", b"shop"}
# A save toggle's attributes, saved or not: what the `pressed` tag writes, and fills a mark.
PRESSED = {True: b'value="0" aria-pressed="true"', False: b'value="1" aria-pressed="false"'}
HTMX_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")
VISITOR, CUSTOMER = "visitor", "customer"
# Changed with SharedPage's fields: pages kept in another layout are under other keys.
PAGE_LAYOUT = 2

ViewFunction = Callable[..., HttpResponse]


class SavedMarks:
    """In place of the ids a customer has saved, when a customer's page is rendered to be
    shared: nothing is in it, and the `pressed` tag (shop.templatetags.shop) writes a mark
    for each product or shop instead of its state."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __contains__(self, pk: object) -> bool:
        return False

    def mark(self, pk: int) -> SafeString:
        return mark_safe(f"<shared-page-{self.kind}-{int(pk)}>")  # noqa: S308  a kind and a number


class SharedCustomer:
    """The `user` a customer's shared page is rendered for: signed in, and no one."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False


@dataclass(frozen=True)
class SharedPage:
    """A page kept with its marks found once: the text between them (`texts`, one more than
    `holes`) and each mark's kind and id, so a response fills them in one pass."""

    texts: tuple[bytes, ...]
    holes: tuple[tuple[bytes, int | None], ...]
    headers: tuple[tuple[str, str], ...]
    offers: tuple[int, ...] = ()  # the offers in force it was rendered with

    @classmethod
    def of(cls, content: bytes, headers: tuple[tuple[str, str], ...]) -> "SharedPage":
        split = MARK.split(content)  # text, kind, id or None, text, kind, id, …, text
        holes = tuple(
            (kind, None if pk is None else int(pk))
            for kind, pk in zip(split[1::3], split[2::3], strict=True)
        )
        return cls(tuple(split[::3]), holes, headers)

    def response_for(self, request: HttpRequest) -> HttpResponse:
        fill = _Fill(request, self.holes)
        parts = [self.texts[0]]
        for hole, text in zip(self.holes, self.texts[1:], strict=True):
            parts += (fill(*hole), text)
        response = HttpResponse(b"".join(parts))
        for name, value in self.headers:
            response[name] = value
        # What anyone else is shown depends on their cookies, as it does when rendered.
        patch_vary_headers(response, ["Cookie"])
        return response


class _Fill:
    """Each mark's value for this request, worked out the first time a page asks for it."""

    def __init__(self, request: HttpRequest, holes: tuple[tuple[bytes, int | None], ...]):
        self.request = request
        self.holes = holes
        self.values: dict[bytes, bytes] = {}
        self.saved: dict[bytes, set[int]] | None = None

    def __call__(self, kind: bytes, pk: int | None) -> bytes:
        if kind in SAVED_KINDS:
            if self.saved is None:
                self.saved = saved_on_page(self.request, self.holes)
            return PRESSED[pk in self.saved[kind]]
        if kind not in self.values:
            self.values[kind] = self._value(kind).encode()
        return self.values[kind]

    def _value(self, kind: bytes) -> str:
        request = self.request
        if kind == b"nonce":
            return str(get_nonce(request))
        if kind == b"csrf":
            return get_token(request)
        if kind == b"messages":
            return pending_messages(request)
        nav = account_nav(request)
        # A customer's account links hold a sign-out form's CSRF mark.
        return nav.replace(CSRF_MARK, self(b"csrf", None).decode()) if CSRF_MARK in nav else nav


def shared_page(
    *, params: Iterable[str] = (), product_slug: str = "",
    unless: Callable[..., bool] | None = None,
    unless_reads: Callable[[HttpRequest], list[str]] = lambda request: [],
) -> Callable[[ViewFunction], ViewFunction]:
    """Serve the view's page from the cache to those who share it (see the module). For
    views that render with core.http.render_page and set no cookie. `params` are the query
    parameters the view reads: a page is kept under them in a canonical order, so the same
    choice in another order is one entry, and an address with any other parameter (junk, a
    campaign's tag) is rendered without being kept, so made-up addresses cannot fill the
    cache with copies of a page. `product_slug` names the view's argument holding the slug
    of the one product the page is about: its stock movements then drop the page without
    dropping the catalogue's (shop.caching). `unless(request, *args, **kwargs)`, asked of a
    customer's request, says the page is theirs alone; `unless_reads(request)` names the
    cache keys it reads, fetched with the page and the customer's saved ids in one round
    trip (shop.caching.read_ahead)."""
    understood = frozenset(params)

    def decorator(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            who = audience(request)
            if who is None or not understood.issuperset(request.GET):
                return view(request, *args, **kwargs)
            parts = (*request_parts(request), who)
            product = str(kwargs[product_slug]) if product_slug else ""
            # A customer's page comes with their saved ids and what `unless` reads.
            ahead = [] if who != CUSTOMER else [
                *caching.entry_keys("page", parts, product=product),
                *saved_keys(request.user), *unless_reads(request),
            ]
            rendered = []

            def render() -> SharedPage | None:
                offers = live.offer_ids(live.live_offers())
                response, page = render_marked(view, request, args, kwargs, who)
                if page is None:
                    rendered.append(response)
                    return None
                return replace(page, offers=offers)

            with caching.read_ahead(ahead):
                if who == CUSTOMER and unless and unless(request, *args, **kwargs):
                    return view(request, *args, **kwargs)
                page = caching.remember("page", parts, render, product=product, still=offered)
                return page.response_for(request) if page else rendered[0]

        return wrapper

    return decorator


def offered(version: int, page: SharedPage) -> bool:
    """Whether the offers a kept page was rendered with are those in force: they start and
    end by the clock, not by a change, and the page shows their badges."""
    return page.offers == live.offer_ids(live.live_offers(version=version))


def render_marked(
    view: ViewFunction, request: HttpRequest, args: tuple, kwargs: dict, who: str
) -> tuple[HttpResponse, SharedPage | None]:
    """The view's response rendered with the marks of `who`'s pages in place of this
    response's own values (core.http.render_page puts them over the view's context), and
    the page to keep: None for anything but a whole 200 page."""
    request.page_marks = marks(who)
    try:
        response = view(request, *args, **kwargs)
    finally:
        del request.page_marks
    if response.status_code != 200 or response.streaming:
        return response, None
    return response, SharedPage.of(response.content, tuple(response.items()))


def request_parts(request: HttpRequest) -> tuple:
    """What of a request its page is kept under: the path, the query parameters in one
    order whatever order the address gives them, and the HTMX headers; and the layout of
    SharedPage, so a page an older release kept is never read as this one's."""
    query = tuple((name, tuple(request.GET.getlist(name))) for name in sorted(request.GET))
    return (PAGE_LAYOUT, request.path, query, *(request.headers.get(h) for h in HTMX_HEADERS))


def audience(request: HttpRequest) -> str | None:
    """Whose shared pages the request is given: a visitor's, a customer's, or (None) a page
    of its own. A request without a session is a visitor's without reading anything."""
    if request.method not in ("GET", "HEAD"):
        return None
    if not request.user.is_authenticated:
        return VISITOR
    if getattr(request, "second_factor_pending", False):
        return None
    return CUSTOMER


def marks(who: str) -> dict:
    """What a shared page is rendered with, in place of this response's own values."""
    values = {
        "csp_nonce": NONCE_MARK, "csrf_token": CSRF_MARK,
        "nav_mark": NAV_MARK, "messages_mark": MESSAGES_MARK,
    }
    if who == CUSTOMER:
        values |= {"user": SharedCustomer(), "wishlisted": SavedMarks("product"),
                   "saved_sellers": SavedMarks("shop")}
    return values


def account_nav(request: HttpRequest) -> str:
    """The header's account links and cart count, for this request; a customer's with a
    CSRF mark in place of the sign-out form's token, filled in after them."""
    count = badge_count(request)
    user = request.user
    if not user.is_authenticated:
        return _visitor_nav(count)
    pending = getattr(request, "second_factor_pending", False)
    return _customer_nav(count, user.email, user.is_staff, pending)


@lru_cache(maxsize=32)
def _visitor_nav(cart_count: int) -> str:
    # Every visitor's is the same but for the count: no form, no token, nothing of theirs.
    return render_to_string("_account_nav.html", {
        "user": AnonymousUser(), "cart_count": cart_count,
    })


@lru_cache(maxsize=1024)
def _customer_nav(cart_count: int, email: str, is_staff: bool, pending: bool) -> str:
    # The same for everyone with the same count, email, staff flag and second step:
    # rendered once per process for them.
    return render_to_string("_account_nav.html", {
        "user": _NavUser(email, is_staff), "request": _NavRequest(pending),
        "cart_count": cart_count, "csrf_token": CSRF_MARK,
    })


@dataclass(frozen=True)
class _NavUser:
    """What the account links show of a signed-in user."""

    email: str
    is_staff: bool
    is_authenticated = True


@dataclass(frozen=True)
class _NavRequest:
    second_factor_pending: bool


def pending_messages(request: HttpRequest) -> str:
    """This request's messages, shown (and so used up) here; mostly none."""
    messages = get_messages(request)
    return render_to_string("_messages.html", {"messages": messages}) if messages else ""


def saved_on_page(
    request: HttpRequest, holes: tuple[tuple[bytes, int | None], ...]
) -> dict[bytes, set[int]]:
    """Of the products and shops marked on the page, those this customer has saved (none
    for anyone else)."""
    ids = {kind: {pk for hole, pk in holes if hole == kind} for kind in SAVED_KINDS}
    return {
        b"product": wishlisted_ids(request.user, ids[b"product"]),
        b"shop": saved_seller_ids(request.user, ids[b"shop"]),
    }
