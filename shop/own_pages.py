"""A shopper's cart pages (the cart, checkout's first step), rendered once and kept until
what they show changes, for that cart alone.

A page is kept under its cart's id and the request's own choices (the address, the HTMX
headers, the offers in force, what `depends` names), with the versions it was rendered at:

- the cart's own (shop.caching.CART_KEY), bumped by every change to its lines or its code
  (shop.services.cart, shop.promotions.entry), by paying an order placed from it, and by a
  merge at sign-in;
- the catalogue's, bumped by a change to a price, a promotion, a discount code or a
  shipping method;
- each product in the cart's, bumped as its stock moves (which an order placed from the
  cart, paid or let lapse, does too: the units it holds are the page's "only 2 left").

A page that still matches all of them is served with the same holes filled in per response
as shop.shared_pages' (the CSP nonce, the CSRF token, the header's account links, the
messages). What changes by the clock or by someone else's order alone, with no version
bumped (a code running out of uses, a session's count), shows within KEPT_FOR at most; the
checkout's review prices afresh, and placing the order charges only what it shows. A
product's version is read once its page is rendered, so a stock movement committed during
that render shows within KEPT_FOR too.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from monitoring import metrics
from shop import caching, request_cart, shared_pages
from shop.promotions import live
from shop.selectors.cart import CartView

KEPT_FOR = 60  # seconds
SHOWN = "own_page_cart"  # the request attribute a view names its CartView in

ViewFunction = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Kept:
    versions: tuple[int, int]  # the catalogue's and the cart's
    products: tuple[tuple[str, int], ...]  # each product's slug and version
    count: int  # units in the cart
    page: shared_pages.SharedPage


def cart_page(
    *, depends: Callable[[HttpRequest], Hashable] = lambda request: None,
    visitors_only: bool = False,
) -> Callable[[ViewFunction], ViewFunction]:
    """Serve the view's page from the cache while its cart and products are as they were
    (see the module). The view renders with core.http.render_page and names the cart it
    shows with `shows`; `depends(request)` is whatever else of the request its page shows
    (checkout's details kept in the session). `visitors_only`: a customer's page shows more
    of theirs (their addresses) and is rendered afresh."""

    def decorator(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            who = shared_pages.audience(request)
            if who is None or request.GET or (visitors_only and who != shared_pages.VISITOR):
                return view(request, *args, **kwargs)
            cart_id = request_cart.current_cart_id(request)
            if cart_id is None:
                return view(request, *args, **kwargs)
            parts = (request.path, depends(request), who,
                     tuple(offer.id for offer in live.live_offers()),
                     *(request.headers.get(h) for h in shared_pages.HTMX_HEADERS))
            key = f"own:cart:{cart_id}:{caching.digest(parts)}"
            versions = _versions(caching.VERSION_KEY, caching.CART_KEY.format(cart_id), key)
            if versions is None:  # the cache does not answer
                return view(request, *args, **kwargs)
            *current, kept = versions
            if isinstance(kept, Kept) and _still(kept, tuple(current)):
                metrics.record_cache_request(hit=True)
                if kept.count != request_cart.badge_count(request):
                    request_cart.remember_count(request, kept.count)
                return kept.page.response_for(request)
            metrics.record_cache_request(hit=False)
            return _render_and_keep(view, request, args, kwargs, key, tuple(current))

        return wrapper

    return decorator


def shows(request: HttpRequest, contents: CartView) -> None:
    """Name the cart the page shows, for cart_page to keep the page with its products."""
    setattr(request, SHOWN, contents)


def _render_and_keep(
    view: ViewFunction, request: HttpRequest, args: tuple, kwargs: dict, key: str,
    versions: tuple[int, int],
) -> HttpResponse:
    request.page_marks = shared_pages.marks(shared_pages.VISITOR)
    try:
        response = view(request, *args, **kwargs)
    finally:
        del request.page_marks
    contents = getattr(request, SHOWN, None)
    if response.status_code != 200 or response.streaming or contents is None:
        return response
    page = shared_pages.SharedPage(response.content, tuple(response.items()))
    slugs = sorted({row.line.variant.product.slug for row in contents.rows})
    keys = [caching.PRODUCT_KEY.format(slug) for slug in slugs]
    found = cache.get_many(keys)
    products = tuple(
        (slug, found.get(key) or caching.start_version(key))
        for slug, key in zip(slugs, keys, strict=True)
    )
    if all(version is not None for _, version in products):
        cache.set(key, Kept(versions, products, contents.count, page), KEPT_FOR)
    return page.response_for(request)


def _versions(*keys: str) -> list | None:
    """The catalogue's and the cart's versions (started if missing) and what is kept under
    the last key, in one round trip; None when the cache does not answer."""
    found = cache.get_many(list(keys))
    *version_keys, key = keys
    versions = []
    for version_key in version_keys:
        version = found.get(version_key)
        if version is None:
            version = caching.start_version(version_key)
            if version is None:
                return None
        versions.append(version)
    return [*versions, found.get(key)]


def _still(kept: Kept, versions: tuple[int, int]) -> bool:
    if kept.versions != versions:
        return False
    if not kept.products:
        return True
    keys = [caching.PRODUCT_KEY.format(slug) for slug, _ in kept.products]
    found = cache.get_many(keys)
    return all(found.get(key) == version for key, (_, version) in zip(keys, kept.products,
                                                                        strict=True))

