"""Sellers as shoppers see them: whether the shop is a marketplace yet (more than one shop
approved), the shops a search names, and a shop's own page.

While the store is the only approved shop, pages look as they did before there were sellers:
nothing says who sells a product. Pages learn how many shops are approved from a query they
run anyway (`approved_shop_count` as an annotation, or the listing's facet query), so a
single-shop catalogue pays nothing for it.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.db.models import Count, Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from shop import caching
from shop.models import Product, Seller, SellerBranch, SellerReview

SEARCHED_SHOPS = 5


def approved_shop_count() -> Coalesce:
    """How many shops are approved, as an expression to annotate onto a query a page runs
    anyway; the database works it out once per query, not once per row."""
    count = (
        Seller.objects.approved()
        .order_by()
        .annotate(n=Func("pk", function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    return Coalesce(Subquery(count), Value(0))


def shop_counts(matching: QuerySet[Product]) -> QuerySet[Seller]:
    """Every approved shop as a row of the listing's facet query: ("shop", slug, name, how
    many of the `matching` products it sells). Each shop's count is a subquery over the
    matching products, not a join of every product of every shop filtered afterwards: its
    work follows what the listing matched, not the size of the catalogue."""
    matched = (
        matching.filter(seller=OuterRef("pk"))
        .order_by()
        .values("seller")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Seller.objects.approved()
        .annotate(kind=Value("shop"), n=Coalesce(Subquery(matched), Value(0)))
        .values_list("kind", "slug", "name", "n")
        .order_by()
    )


def shops_named(text: str, *, limit: int = SEARCHED_SHOPS) -> list[Seller]:
    """Approved shops whose name has the text in it, the store first, then by name."""
    text = text.strip()
    if not text:
        return []
    return list(Seller.objects.approved().filter(name__icontains=text)[:limit])


@dataclass(frozen=True)
class Branch:
    name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None

    @property
    def map_url(self) -> str:
        """The branch on OpenStreetMap: a plain link, no map or script of theirs on our page."""
        if self.latitude is None or self.longitude is None:
            return ""
        # Plain digits, as few as say it: 10.00000 is "10", never "1E+1".
        lat, lon = (format(value.normalize(), "f") for value in (self.latitude, self.longitude))
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


@dataclass(frozen=True)
class ShopPage:
    seller: Seller
    branches: list[Branch]
    links: list[str]
    reviews: list[SellerReview]  # the newest SHOWN_REVIEWS


SHOWN_REVIEWS = 10


def shop_page(slug: str) -> ShopPage | None:
    """The approved shop with its branches and links, or None for any other: a shop pending,
    rejected or suspended has no page."""
    return caching.remember("shop-page", (slug,), lambda: _shop_page(slug))


def _shop_page(slug: str) -> ShopPage | None:
    seller = Seller.objects.approved().filter(slug=slug).first()
    if seller is None:
        return None
    branches = [
        Branch(b.name, b.address, b.latitude, b.longitude)
        for b in SellerBranch.objects.filter(seller=seller)
    ]
    reviews = list(SellerReview.objects.filter(seller=seller).select_related("user")
                   [:SHOWN_REVIEWS])
    return ShopPage(seller, branches, [url for url in seller.link_list if _is_web_address(url)],
                    reviews)


def _is_web_address(url: str) -> bool:
    """Only http(s) links are shown: a `javascript:` one in a shop's profile must not run."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)

