"""A shopper's own pages, rendered once and kept until what they show changes, for that
shopper alone: a cart's pages (the cart, checkout's first step) and a customer's account
pages (their orders, an order, their addresses).

A page is kept under its owner (the cart's id, the customer's) and the request's own
choices (the address and the query parameters the view reads, the HTMX headers; for a cart,
what `depends` names), with the offers in force it shows (a cart's: they start and end by
the clock) and the versions it was rendered at:

- the owner's: a cart's (shop.caching.CART_KEY) is bumped by every change to its lines or
  its code (shop.services.cart, shop.promotions.entry), by paying an order placed from it,
  and by a merge at sign-in; a customer's (CUSTOMER_KEY) by any save or deletion of one of
  their orders, its lines, discounts, events or parcels, or of one of their addresses
  (shop.receivers; the services that write those in bulk bump it themselves);
- the catalogue's, bumped by a change to a price, a promotion, a discount code, a shipping
  method or a shop;
- for a cart, each product in it: bumped as its stock moves (which an order placed from the
  cart, paid or let lapse, does too: the units it holds are the page's "only 2 left").

A page that still matches all of them is served with the same holes filled in per response
as shop.shared_pages' (the CSP nonce, the CSRF token, the header's account links, the
messages). A view says its page may be kept with `keep`: an order still waiting for payment
is not (its page counts down to a deadline, and shows a failed payment), nor is anything
but a 200. What changes by the clock or by someone else's order alone, with no version
bumped (a code running out of uses), shows within KEPT_FOR at most; the checkout's review
prices afresh, and placing the order charges only what it shows. A product's version is read
once its page is rendered, so a stock movement committed during that render shows within
KEPT_FOR too.
"""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from monitoring import metrics
from shop import caching, request_cart, shared_pages
from shop.promotions import live
from shop.selectors.cart import CartView

KEPT_FOR = 60  # seconds
KEEP = "own_page_keep"  # the request attribute `keep` leaves for the decorator

ViewFunction = Callable[..., HttpResponse]
Depends = Callable[[HttpRequest], Hashable]


@dataclass(frozen=True)
class Keep:
    products: tuple[str, ...] = ()  # slugs whose stock the page shows
    count: int | None = None  # units in the cart, for the header's badge


@dataclass(frozen=True)
class Kept:
    versions: tuple[int, ...]  # the catalogue's and the owner's
    products: tuple[tuple[str, int], ...]  # each product's slug and version
    count: int | None
    page: shared_pages.SharedPage


def keep(request: HttpRequest, *, products: Iterable[str] = (), count: int | None = None) -> None:
    """Let the page being rendered be kept, with the stock of these products (slugs) and the
    cart's count of units."""
    setattr(request, KEEP, Keep(tuple(sorted(set(products))), count))


def shows(request: HttpRequest, contents: CartView) -> None:
    """Let a cart's page be kept, with the products in it and their count."""
    keep(request, products=(row.line.variant.product.slug for row in contents.rows),
         count=contents.count)


def cart_page(
    *, depends: Depends = lambda request: None, visitors_only: bool = False,
) -> Callable[[ViewFunction], ViewFunction]:
    """Serve a cart's page from the cache while its cart and products are as they were (see
    the module). `depends(request)` is whatever else of the request its page shows
    (checkout's details kept in the session). `visitors_only`: a customer's page shows more
    of theirs (their addresses) and is rendered afresh."""

    def owner(request: HttpRequest, who: str) -> str | None:
        if visitors_only and who != shared_pages.VISITOR:
            return None
        cart_id = request_cart.current_cart_id(request)
        return caching.CART_KEY.format(cart_id) if cart_id else None

    # Offers start and end by the clock, not by a change: kept for those in force.
    return _own_page(owner, depends, params=(), offers=True)


def customer_page(*, params: Iterable[str] = ()) -> Callable[[ViewFunction], ViewFunction]:
    """Serve a signed-in customer's account page from the cache while their orders and
    addresses are as they were (see the module). `params` are the query parameters the view
    reads; an address with any other is rendered and not kept, so made-up addresses cannot
    fill the cache."""

    def owner(request: HttpRequest, who: str) -> str | None:
        # Staff may see others' orders, whose changes bump their customers' versions.
        if who != shared_pages.CUSTOMER or request.user.is_staff:
            return None
        return caching.CUSTOMER_KEY.format(request.user.pk)

    return _own_page(owner, lambda request: None, params=params, offers=False)


def _own_page(
    owner: Callable[[HttpRequest, str], str | None], depends: Depends, *,
    params: Iterable[str], offers: bool,
) -> Callable[[ViewFunction], ViewFunction]:
    understood = frozenset(params)

    def decorator(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            who = shared_pages.audience(request)
            mine = who is not None and understood.issuperset(request.GET)
            owner_key = owner(request, who) if mine else None
            if owner_key is None:
                return view(request, *args, **kwargs)
            parts = (*shared_pages.request_parts(request), depends(request), who)
            key = f"own:{owner_key}:{caching.digest(parts)}"
            fetched = caching.fetch_versioned([caching.VERSION_KEY, owner_key], key)
            if fetched is None:  # the cache does not answer
                return view(request, *args, **kwargs)
            versions, kept = fetched
            if isinstance(kept, Kept) and _still(kept, tuple(versions), offers=offers):
                metrics.record_cache_request(hit=True)
                if kept.count is not None and kept.count != request_cart.badge_count(request):
                    request_cart.remember_count(request, kept.count)
                return kept.page.response_for(request)
            metrics.record_cache_request(hit=False)
            shown = live.offer_ids(live.live_offers()) if offers else ()
            return _render_and_keep(view, request, args, kwargs, key, tuple(versions), shown)

        return wrapper

    return decorator


def _render_and_keep(
    view: ViewFunction, request: HttpRequest, args: tuple, kwargs: dict, key: str,
    versions: tuple[int, ...], offers: tuple[int, ...],
) -> HttpResponse:
    # The page is its owner's: marked as a visitor's, the holes are only this response's own.
    response, page = shared_pages.render_marked(view, request, args, kwargs,
                                                shared_pages.VISITOR)
    if page is None:
        return response
    to_keep = getattr(request, KEEP, None)
    if to_keep is not None:
        products = _product_versions(to_keep.products)
        if products is not None:
            kept = Kept(versions, products, to_keep.count, replace(page, offers=offers))
            cache.set(key, kept, KEPT_FOR)
    return page.response_for(request)


def _product_versions(slugs: tuple[str, ...]) -> tuple[tuple[str, int], ...] | None:
    keys = [caching.PRODUCT_KEY.format(slug) for slug in slugs]
    found = cache.get_many(keys) if keys else {}
    versions = tuple(
        (slug, found.get(key) or caching.start_version(key))
        for slug, key in zip(slugs, keys, strict=True)
    )
    return versions if all(version is not None for _, version in versions) else None


def _still(kept: Kept, versions: tuple[int, ...], *, offers: bool) -> bool:
    if kept.versions != versions:
        return False
    if offers and not shared_pages.offered(versions[0], kept.page):
        return False
    if not kept.products:
        return True
    keys = [caching.PRODUCT_KEY.format(slug) for slug, _ in kept.products]
    found = cache.get_many(keys)
    return all(found.get(key) == version
               for key, (_, version) in zip(keys, kept.products, strict=True))
