"""A listing page: one page of the products a listing's filters match (a category, a
search, a shop's page), in the order chosen, with the facets beside it (shop.selectors.facets).

Its work follows the page, not the catalogue: it counts its matches up to COUNTED (past
that, the page says "over 1,000"), and sorting by price reads the prices the products store
(`lowest_price`, `highest_price`) to price only the matches that can reach the page. Its
queries are a fixed number, pinned by the views' tests, and its result is cached
(shop.caching) until the catalogue next changes.
"""

from collections import Counter
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, QuerySet, Subquery

from shop import caching
from shop.errors import CategoryNotFound
from shop.models import Category, Product
from shop.selectors import facets, search, sellers, spellings
from shop.selectors.catalogue import matching_variants, top_categories, with_card_data
from shop.selectors.categories import (
    CategoryNode,
    all_categories,
    category_tree,
    descendant_ids,
)
from shop.selectors.facets import Facet
from shop.selectors.matches import ListingFilters, listed, matching_products, variant_conditions

COUNTED = 1000  # how many matches a listing counts, at most


@dataclass
class Suggestions:
    """What a search whose words match nothing at all offers instead: words of the
    catalogue spelled a little like them, and the categories with the most products."""

    words: list[str]
    categories: list[CategoryNode]


@dataclass
class Listing:
    filters: ListingFilters  # as applied: `fuzzy` is set when nothing matched exactly
    page: Page
    categories: list[CategoryNode]
    current_category: Category | None
    sizes: list[Facet]
    colors: list[Facet]
    total: int
    suggestions: Suggestions | None = None
    shops: list[Facet] = field(default_factory=list)  # every approved shop, with its count
    many_shops: bool = False  # more than the store: cards say who sells them
    matching_shops: list = field(default_factory=list)  # approved shops the search names
    unknown_shop: str = ""  # asked for, but not a shop open here: every shop is listed
    total_capped: bool = False  # more than COUNTED matched: `total` is COUNTED, "over" it
    category_counts_exact: bool = True  # else counted among the first facets.FACETED matches

    @property
    def total_label(self) -> str:
        """How many products matched, as the page says it: "12", or "over 1,000"."""
        return f"over {self.total:,}" if self.total_capped else f"{self.total:,}"

    @property
    def heading(self) -> str:
        if self.filters.q:
            return f"Results for “{self.filters.q}”"
        return self.current_category.name if self.current_category else "All products"


ORDERINGS = {
    "newest": ["-created_at", "pk"],
    "price": ["price", "name", "pk"],
    "-price": [F("price").desc(nulls_last=True), "name", "pk"],
    "name": ["name", "pk"],
    "rating": [F("rating_average").desc(nulls_last=True), "-rating_count", "name", "pk"],
}


def _ordered(products: QuerySet[Product], filters: ListingFilters) -> QuerySet[Product]:
    if filters.sort in ORDERINGS:
        return products.order_by(*ORDERINGS[filters.sort])
    if filters.q:
        return search.by_relevance(products, filters.q, fuzzy=filters.fuzzy)
    return products.order_by(*ORDERINGS["newest"])


def product_listing(filters: ListingFilters, *, page_number: str | int = 1) -> Listing:
    """One page of products with the facet counts beside it.

    Words are matched exactly (stemmed); only when no product at all has them are they matched
    letter by letter, so a typo still finds something and a real match is never diluted.
    Raises CategoryNotFound for an unknown category.
    """
    categories = all_categories()
    current = next((c for c in categories if c.slug == filters.category), None)
    if filters.category and current is None:
        raise CategoryNotFound(f"There is no category “{filters.category}”.")
    per_page = settings.PRODUCTS_PER_PAGE
    parts = caching.remember(
        "listing",
        (filters, str(page_number), per_page),
        lambda: _listing_parts(filters, categories, current, page_number),
    )
    # The page is rebuilt around the cached rows: a Paginator holds its whole queryset, which
    # must not be fetched (or pickled) just to remember one page of it.
    products, number = parts.pop("products"), parts.pop("number")
    page = Page(products, number, Paginator(range(parts["total"]), per_page))
    return Listing(page=page, current_category=current, **parts)


def _listing_parts(
    filters: ListingFilters, categories: list[Category], current: Category | None,
    page_number: str | int,
) -> dict:
    parts = _listing_of(filters, categories, current, page_number)
    if filters.shop and not any(shop.value == filters.shop for shop in parts["shops"]):
        # Not a shop open here (mistyped, or closed since the link was made): rather than
        # an empty page, every shop's products, and a note saying why.
        parts = _listing_of(replace(filters, shop=""), categories, current, page_number)
        parts["unknown_shop"] = filters.shop
    return parts


def _listing_of(
    filters: ListingFilters, categories: list[Category], current: Category | None,
    page_number: str | int,
) -> dict:
    category_ids = descendant_ids(categories, current) if current else None
    if filters.q and not search.only_excludes(filters.q) and not _words_match_anything(filters):
        filters = replace(filters, fuzzy=True)
    products = matching_products(filters, category_ids)
    # The first COUNTED + 1 matches, in whichever order is cheapest: how many there are, up
    # to COUNTED; the first facets.FACETED + 1 of them are what the facets count among.
    matched = list(products.order_by().values_list("pk", flat=True)[:COUNTED + 1])
    total, capped = min(len(matched), COUNTED), len(matched) > COUNTED
    faceted = matched[:facets.FACETED + 1]
    page = Paginator(range(total), settings.PRODUCTS_PER_PAGE).get_page(page_number)
    rows = _page_rows(products, filters, category_ids, page, bounded=capped)

    category_counts = Counter(
        dict(
            facets.counted_among(filters, category_ids, "category", faceted)
            .values_list("category_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    sizes, colors, shops, categories_exact = facets.of(filters, category_ids, faceted)
    many_shops = len(shops) > 1
    tree = category_tree(categories, category_counts)
    suggestions = None
    if filters.fuzzy and not total and not _spellings_match_anything(filters):
        suggestions = Suggestions(
            spellings.close_words(filters.q, products=listed(filters)),
            top_categories(categories, products=listed(filters)),
        )
    return {
        "filters": filters, "products": rows, "number": page.number,
        "total": total, "total_capped": capped, "categories": tree,
        "category_counts_exact": categories_exact, "sizes": sizes, "colors": colors,
        "suggestions": suggestions, "shops": shops, "many_shops": many_shops,
        "matching_shops": sellers.shops_named(filters.q) if filters.q and many_shops else [],
    }


def _page_rows(
    products: QuerySet[Product], filters: ListingFilters, category_ids: list[int] | None,
    page: Page, *, bounded: bool,
) -> list[Product]:
    """The page's products with their card data, in the listing's order. `bounded`: there
    are many matches, and sorting by price first asks which can reach the page at all."""
    if not page.paginator.count:
        return []
    top = page.number * settings.PRODUCTS_PER_PAGE
    if bounded and filters.sort in PRICE_BOUNDS:
        bound = _price_bound(products, filters, top)
        products = matching_products(filters, category_ids, few=True).filter(**bound)
    rows = with_card_data(products, variant_conditions(filters))
    return list(_ordered(rows, filters)[top - settings.PRODUCTS_PER_PAGE:top])


# By the price a card shows (its cheapest matching variant): the stored price that bounds it,
# the order that finds the products most likely to come first, and which side of the bound
# the page's products lie.
PRICE_BOUNDS = {
    "price": ("lowest_price", "lowest_price", "lte"),
    "-price": ("highest_price", "-highest_price", "gte"),
}


def _price_bound(products: QuerySet[Product], filters: ListingFilters, top: int) -> dict:
    """A filter keeping every product that can be among the first `top` by price, found
    without pricing every match.

    Cheapest first: a product's price is at least its `lowest_price`. The first `top`
    matches by `lowest_price` are `top` products priced at most P, the dearest of their
    prices; so the first `top` by price are all priced at most P, and their `lowest_price` is
    at most P too. Any product with a higher `lowest_price` costs more than P, and comes after
    them. Dearest first, the same with `highest_price` and the cheapest of those prices."""
    column, scan, side = PRICE_BOUNDS[filters.sort]
    cheapest = matching_variants(variant_conditions(filters)).order_by("price")
    prices = list(
        products.order_by(scan).values_list(Subquery(cheapest.values("price")[:1]), flat=True)[:top]
    )
    if not prices:
        return {}
    bound = max(prices) if side == "lte" else min(prices)
    return {f"{column}__{side}": bound}


def _words_match_anything(filters: ListingFilters) -> bool:
    """Whether any active product has the words, whatever the other filters: the filters
    narrowing a search to nothing is no reason to guess at spellings."""
    return search.matching(listed(filters), filters.q).exists()


def _spellings_match_anything(filters: ListingFilters) -> bool:
    """Whether any active product's name is spelled like the search, whatever the other
    filters (known already when there are none)."""
    if not filters.active_count:
        return False
    return search.matching(listed(filters), filters.q, fuzzy=True).exists()
