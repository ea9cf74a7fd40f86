"""Which products a listing matches: its filters (ListingFilters), and the queries that
apply them, one facet left out where a facet counts under the others (shop.selectors.facets).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, Expression, F, Q, QuerySet

from shop.models import Product
from shop.selectors import search
from shop.selectors.catalogue import any_of, matching_variants


@dataclass(frozen=True)
class ListingFilters:
    q: str = ""
    category: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    size: tuple[str, ...] = ()
    color: tuple[str, ...] = ()
    in_stock: bool = False
    sort: str = ""
    shop: str = ""  # a shop's slug, chosen in the shop facet
    fuzzy: bool = False  # match words by their letters, forgiving typos
    # A shop's own page lists its products only, as if they were the whole catalogue.
    within_shop: int | None = None

    @property
    def active_count(self) -> int:
        """How many narrowing choices are on (search and sort aside)."""
        return (
            bool(self.category) + (self.min_price is not None) + (self.max_price is not None)
            + len(self.size) + len(self.color) + self.in_stock + bool(self.shop)
        )

    @classmethod
    def from_form(cls, data: dict) -> "ListingFilters":
        return cls(
            q=data.get("q") or "",
            category=data.get("category") or "",
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            size=tuple(data.get("size") or ()),
            color=tuple(data.get("color") or ()),
            in_stock=bool(data.get("in_stock")),
            sort=data.get("sort") or "",
            shop=data.get("shop") or "",
        )


def variant_conditions(filters: ListingFilters, *, skip: str = "") -> Q:
    """What a variant must be for its product to be listed; `skip` leaves one facet out."""
    condition = Q()
    if filters.size and skip != "size":
        condition &= Q(size__in=filters.size)
    if filters.color and skip != "color":
        condition &= Q(color__in=filters.color)
    if filters.min_price is not None:
        condition &= Q(price__gte=filters.min_price)
    if filters.max_price is not None:
        condition &= Q(price__lte=filters.max_price)
    if filters.in_stock:
        condition &= Q(on_hand__gt=F("reserved"))
    return condition


def listed(filters: ListingFilters) -> QuerySet[Product]:
    """What the listing draws from: every listed product, or on a shop's page its own."""
    products = Product.objects.listed()
    if filters.within_shop is not None:
        products = products.filter(seller_id=filters.within_shop)
    return products


def matching_products(
    filters: ListingFilters, category_ids: list[int] | None, *, skip: str = "", few: bool = False
) -> QuerySet[Product]:
    """Active products that match every filter but the one named by `skip`. `few`: the
    caller narrows them to few (a page bounded by price), so each one's variants are looked
    up on their own."""
    products = listed(filters)
    if category_ids is not None and skip != "category":
        products = products.filter(category_id__in=category_ids)
    if filters.shop and skip != "shop":
        products = products.filter(seller__slug=filters.shop)
    if filters.q:
        products = search.matching(products, filters.q, fuzzy=filters.fuzzy)
    return products.filter(_with_a_matching_variant(filters, skip=skip, few=few))


def _with_a_matching_variant(filters: ListingFilters, *, skip: str, few: bool) -> Q | Expression:
    """The product has a variant that meets the listing's variant filters.

    Where those are a price on one side at most, the prices the product stores answer without
    reading a variant: some variant costs at most the maximum when the cheapest does, at least
    the minimum when the dearest does, and a product without variants stores no price."""
    asks_more = ((filters.size and skip != "size") or (filters.color and skip != "color")
                 or filters.in_stock)
    if not asks_more:
        if filters.min_price is None and filters.max_price is None:
            return Q(lowest_price__isnull=False)
        if filters.max_price is None:
            return Q(highest_price__gte=filters.min_price)
        if filters.min_price is None:
            return Q(lowest_price__lte=filters.max_price)
    variants = matching_variants(variant_conditions(filters, skip=skip))
    # A department under a price bound: PostgreSQL takes the two as independent and plans for
    # sixty times the products there are, for which it would hash every matching variant.
    return any_of(variants) if few else Exists(variants)
