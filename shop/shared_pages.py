"""Whole storefront pages kept for the visitors who all see the same thing.

A visitor with no session and no pending messages (not signed in, nothing in a cart) sees
exactly what every other such visitor sees at the same address, but for two values made
for each response: the CSP nonce and the CSRF token. For them, `shared_page` renders the
home, listing and product pages with a mark in place of each value, keeps the page in the
catalogue cache (shop.caching: it is dropped whenever the catalogue changes), and fills in
each response's own values. Anyone with a session gets the view as it is.

The marks hold `<`, which autoescaping turns into `&lt;` wherever text from a request or the
database is shown, so nothing but the marks themselves can be filled in.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe

from shop import caching
from shop.promotions import live

NONCE_MARK = mark_safe("<shared-page-nonce>")
CSRF_MARK = mark_safe("<shared-page-csrf>")
HTMX_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")
# The cookies that change what a page shows: the session (who is signed in, the cart's
# count, messages) and messages kept in a cookie.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)

ViewFunction = Callable[..., HttpResponse]


@dataclass(frozen=True)
class SharedPage:
    content: bytes
    headers: tuple[tuple[str, str], ...]

    def response_for(self, request: HttpRequest) -> HttpResponse:
        content = self.content
        if NONCE_MARK.encode() in content:
            content = content.replace(NONCE_MARK.encode(), str(get_nonce(request)).encode())
        if CSRF_MARK.encode() in content:
            content = content.replace(CSRF_MARK.encode(), get_token(request).encode())
        response = HttpResponse(content)
        for name, value in self.headers:
            response[name] = value
        # What anyone else is shown depends on their cookies, as it does when rendered.
        patch_vary_headers(response, ["Cookie"])
        return response


def shared_page(
    *, params: Iterable[str] = (), product_slug: str = ""
) -> Callable[[ViewFunction], ViewFunction]:
    """Serve the view's page from the cache to visitors who share it (see the module). For
    views that render with core.http.render_page and set no cookie. `params` are the query
    parameters the view reads: a page is kept under them in a canonical order, so the same
    choice in another order is one entry, and an address with any other parameter (junk, a
    campaign's tag) is rendered without being kept, so made-up addresses cannot fill the
    cache with copies of a page. `product_slug` names the view's argument holding the slug
    of the one product the page is about: its stock movements then drop the page without
    dropping the catalogue's (shop.caching)."""
    understood = frozenset(params)

    def decorator(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not is_shared(request) or not understood.issuperset(request.GET):
                return view(request, *args, **kwargs)
            rendered = []

            def render() -> SharedPage | None:
                # core.http.render_page renders with these in place of the response's own.
                request.page_marks = marks()
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming:
                    rendered.append(response)
                    return None
                return SharedPage(response.content, tuple(response.items()))

            # Offers start and end by the clock, not by a change: the page is kept for those
            # in force, as their badges show.
            offers = tuple(offer.id for offer in live.live_offers())
            query = tuple((name, tuple(request.GET.getlist(name))) for name in sorted(request.GET))
            parts = (request.path, query, *(request.headers.get(h) for h in HTMX_HEADERS),
                     offers)
            product = str(kwargs[product_slug]) if product_slug else ""
            page = caching.remember("page", parts, render, product=product)
            return page.response_for(request) if page else rendered[0]

        return wrapper

    return decorator


def is_shared(request: HttpRequest) -> bool:
    """Whether the request is a visitor's who sees what all such visitors see."""
    return request.method in ("GET", "HEAD") and not any(
        name in request.COOKIES for name in PERSONAL_COOKIES
    )


def marks() -> dict:
    """What a shared page is rendered with, in place of this response's own values."""
    return {"csp_nonce": NONCE_MARK, "csrf_token": CSRF_MARK}
