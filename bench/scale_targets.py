"""`python -m bench.scale_targets`: what the scale run (bench.scale) asks for, picked from the
seeded shop the same way at every size.

Prints one line of JSON: each page's path, the cookie it sends (the cart's session), and
the addresses it is read at when nothing may be cached for it: the same page with a
different, harmless minimum price (below every price, so the products are the same), or
for the product page as many different products. Every address is new to the cache, so
those requests cost what the database and the templates cost at this size.
"""

import json

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from django.conf import settings

from bench import fixtures
from shop.models import Product

SEARCH, TYPO = fixtures.SEARCH, "wooll"  # "wooll" matches no word: the close spellings do
# Minimum prices of 0.01 to 9.99: the cheapest product of the catalogue costs more.
UNCACHED = 999


def targets(*, uncached: int = UNCACHED) -> dict[str, dict]:
    listing, detail = fixtures.listing_path(), fixtures.detail_path()
    search, typo = f"/products/?q={SEARCH}", f"/products/?q={TYPO}"
    cart = {"path": "/cart/", "cookie": f"{settings.SESSION_COOKIE_NAME}={fixtures.cart_session()}"}
    return {
        "listing": {"path": listing, "uncached": _priced(listing, uncached)},
        "search": {"path": search, "uncached": _priced(search, uncached)},
        "typo": {"path": typo, "uncached": _priced(typo, uncached)},
        "detail": {"path": detail, "uncached": _products(uncached * 2, leaving_out=detail)},
        # Nothing of the cart's page is kept for an address: it is made for its session.
        "cart": {**cart, "uncached": [cart["path"]]},
    }


def _priced(path: str, count: int) -> list[str]:
    return [f"{path}&min_price={cents / 100:.2f}" for cents in range(1, count + 1)]


def _products(count: int, *, leaving_out: str) -> list[str]:
    """`count` product pages spread over the whole catalogue, but for the one read as
    served (its page is cached by then)."""
    slugs = list(Product.objects.listed().order_by("pk").values_list("slug", flat=True))
    step = max(1, len(slugs) // count)
    paths = [f"/products/{slug}/" for slug in slugs[::step]]
    return [path for path in paths if path != leaving_out][:count]


if __name__ == "__main__":
    print(json.dumps(targets()))
