"""Catalogue reads shaped for the storefront's pages: home, listing, detail.

Each page's selector issues a fixed number of queries, whatever the page size, the number of
variants or the size of the catalogue; the views' tests pin those numbers. Their results are
cached (shop.caching) until the catalogue next changes, so a repeated read costs none.

Each page also learns from a query it runs anyway whether more than one shop is approved
(shop.selectors.sellers), which decides whether cards say who sells them.

A listing's work follows the page, not the catalogue: it counts its matches up to COUNTED
(past that, the page says "over 1,000"); each facet counts among the first FACETED products
it would list, and shows its counts only when those were all of them; sorting by price reads
the prices the products store (`lowest_price`, `highest_price`) to price only the matches
that can reach the page.
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.lookups import IsNull

from shop import caching
from shop.errors import CategoryNotFound
from shop.models import Category, Product, ProductImage, Variant
from shop.selectors import search, sellers
from shop.selectors.categories import (
    CategoryNode,
    all_categories,
    category_tree,
    descendant_ids,
)

# How many matches a listing counts, and how many each facet counts among, at most.
COUNTED = 1000
FACETED = 300


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


@dataclass
class Facet:
    value: str
    count: int
    selected: bool
    label: str = ""  # what the shopper reads, where it is not the value (a shop's name)
    # False when counted among the first FACETED matches only: the count is then not shown.
    exact: bool = True


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
    category_counts_exact: bool = True  # else counted among the first FACETED matches

    @property
    def total_label(self) -> str:
        """How many products matched, as the page says it: "12", or "over 1,000"."""
        return f"over {self.total:,}" if self.total_capped else f"{self.total:,}"

    @property
    def heading(self) -> str:
        if self.filters.q:
            return f"Results for “{self.filters.q}”"
        return self.current_category.name if self.current_category else "All products"


def _variant_conditions(filters: ListingFilters, *, skip: str = "") -> Q:
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


def _matching_variants(condition: Q) -> QuerySet[Variant]:
    return Variant.objects.filter(condition, product=OuterRef("pk"))


def _listed(filters: ListingFilters) -> QuerySet[Product]:
    """What the listing draws from: every listed product, or on a shop's page its own."""
    products = Product.objects.listed()
    if filters.within_shop is not None:
        products = products.filter(seller_id=filters.within_shop)
    return products


def _products(filters: ListingFilters, category_ids: list[int] | None, *, skip: str = ""):
    """Active products that match every filter but the one named by `skip`."""
    products = _listed(filters)
    if category_ids is not None and skip != "category":
        products = products.filter(category_id__in=category_ids)
    if filters.shop and skip != "shop":
        products = products.filter(seller__slug=filters.shop)
    if filters.q:
        products = search.matching(products, filters.q, fuzzy=filters.fuzzy)
    return products.filter(Exists(_matching_variants(_variant_conditions(filters, skip=skip))))


def first_image(product: str = "pk") -> Subquery:
    """The path of the first image of the product the outer query's `product` names."""
    return Subquery(
        ProductImage.objects.filter(product=OuterRef(product)).order_by("position", "pk").values(
            "image"
        )[:1]
    )


def with_card_data(products: QuerySet[Product], condition: Q | None = None) -> QuerySet[Product]:
    """Annotate what a product card shows: the lowest matching price, its former price,
    whether any matching variant is in stock, the first image, and who sells it."""
    condition = condition or Q()
    cheapest = _matching_variants(condition).order_by("price", "pk")
    in_stock = _matching_variants(condition & Q(on_hand__gt=F("reserved"))).order_by()
    return products.annotate(
        price=Subquery(cheapest.values("price")[:1]),
        compare_at_price=Subquery(cheapest.values("compare_at_price")[:1]),
        # "One variant in stock's id is not null" rather than EXISTS: PostgreSQL may answer an
        # EXISTS by hashing every variant in stock of the whole catalogue, once per query,
        # which costs as much as the catalogue is large (bench/scale.py); a LIMIT 1 subquery
        # is asked for the page's rows alone, through the variants' product index.
        in_stock=IsNull(Subquery(in_stock.values("pk")[:1]), False),
        image=first_image(),
        seller_name=F("seller__name"),
        seller_slug=F("seller__slug"),
    )


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


def _first_counted(products: QuerySet[Product]) -> QuerySet[Product]:
    """The first FACETED + 1 of `products`, in whichever order the database finds them
    cheapest: what a facet counts among. One more than FACETED says there were more."""
    return Product.objects.filter(pk__in=products.order_by().values("pk")[:FACETED + 1])


def _how_many(products: QuerySet[Product], option: str):
    """("rows", option, "", how many products of `products`) as a row of the facet query."""
    return (
        products.annotate(kind=Value("rows"), option=Value(option), label=Value(""))
        .values("kind", "option", "label")
        .annotate(n=Count("pk"))
        .values_list("kind", "option", "label", "n")
        .order_by()
    )


def _narrowed_by(filters: ListingFilters, category_ids: list[int] | None, option: str) -> bool:
    """Whether the facet's own choice is made: then it counts under the other filters only."""
    chosen = {"size": filters.size, "color": filters.color, "shop": filters.shop,
              "category": category_ids is not None}
    return bool(chosen[option])


def _counted_among(
    filters: ListingFilters, category_ids: list[int] | None, option: str, matched: list[int]
) -> QuerySet[Product]:
    """What a facet counts among: the first FACETED + 1 products listed under every filter
    but its own; those the page matched when its own is not chosen (the same products)."""
    if _narrowed_by(filters, category_ids, option):
        return _first_counted(_products(filters, category_ids, skip=option))
    return _among(matched)


def _among(ids: list[int]) -> QuerySet[Product]:
    """The products with these ids. On PostgreSQL the ids are one array parameter: hundreds
    of parameters, one an id, cost more to put into the SQL than the database to read."""
    if connection.vendor != "postgresql" or not ids:  # none: no query at all
        return Product.objects.filter(pk__in=ids)
    return Product.objects.filter(
        _AnyOf(F("pk"), Value(ids, output_field=ArrayField(BigIntegerField())))
    )


class _AnyOf(Func):
    """`expression = ANY(array)`, on PostgreSQL."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def _facets(filters: ListingFilters, category_ids: list[int] | None, matched: list[int]):
    """Products per size, per colour and per approved shop, each counted under all the other
    filters among the first FACETED products those filters list: one query. Every approved
    shop has a row, so the rows say how many there are (none on a shop's own page, where the
    shop is fixed). The query also says how many products each facet counted among, the
    category counts' too (`_listing_of`), where that is not `matched`, the first FACETED + 1
    products the page lists: a facet that counted among more than FACETED is not exact.
    Returns the sizes, colours and shops, and whether the category counts are exact."""

    def counts(option: str):
        products = _counted_among(filters, category_ids, option, matched)
        return (
            Variant.objects.filter(_variant_conditions(filters, skip=option), product__in=products)
            .exclude(**{option: ""})
            .values(option)
            .annotate(kind=Value(option), label=Value(""),
                      products=Count("product", distinct=True))
            .values_list("kind", option, "label", "products")
            .order_by()
        )

    options = ["size", "color", "category"]
    arms = [counts("color")]
    if filters.within_shop is None:
        options.append("shop")
        arms.append(sellers.shop_counts(_counted_among(filters, category_ids, "shop", matched)))
    # How many each facet counted among, where that is not the page's matches.
    arms += [_how_many(_counted_among(filters, category_ids, option, matched), option)
             for option in options if _narrowed_by(filters, category_ids, option)]
    found, names = {"size": {}, "color": {}, "shop": {}, "rows": {}}, {}
    for kind, value, label, count in counts("size").union(*arms, all=True).order_by():
        found[kind][value] = count
        if kind == "shop":
            names[value] = label
    exact = {option: found["rows"].get(option, len(matched)) <= FACETED for option in options}
    # A chosen value stays on screen, at zero, so the shopper can see it and untick it.
    for value in filters.size:
        found["size"].setdefault(value, 0)
    for value in filters.color:
        found["color"].setdefault(value, 0)
    sizes = [Facet(v, n, v in filters.size, exact=exact["size"])
             for v, n in found["size"].items()]
    colors = [Facet(v, n, v in filters.color, exact=exact["color"])
              for v, n in found["color"].items()]
    shops = [Facet(v, n, v == filters.shop, names[v], exact=exact.get("shop", True))
             for v, n in found["shop"].items()]
    return (sorted(sizes, key=lambda f: size_rank(f.value)), sorted(colors, key=lambda f: f.value),
            sorted(shops, key=lambda f: (f.label.casefold(), f.value)), exact["category"])


SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"]


def size_rank(size: str) -> tuple[int, float, str]:
    """Clothing sizes in wearing order, numeric sizes by number, anything else after."""
    if size in SIZE_ORDER:
        return (0, SIZE_ORDER.index(size), "")
    try:
        return (1, float(size), "")
    except ValueError:
        return (2, 0, size)


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
    products = _products(filters, category_ids)
    # The first COUNTED + 1 matches, in whichever order is cheapest: how many there are, up
    # to COUNTED; the first FACETED + 1 of them are what the facets count among.
    matched = list(products.order_by().values_list("pk", flat=True)[:COUNTED + 1])
    total, capped = min(len(matched), COUNTED), len(matched) > COUNTED
    faceted = matched[:FACETED + 1]
    page = Paginator(range(total), settings.PRODUCTS_PER_PAGE).get_page(page_number)
    rows = _page_rows(products, filters, page, bounded=capped)

    category_counts = Counter(
        dict(
            _counted_among(filters, category_ids, "category", faceted)
            .values_list("category_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    sizes, colors, shops, categories_exact = _facets(filters, category_ids, faceted)
    many_shops = len(shops) > 1
    tree = category_tree(categories, category_counts)
    suggestions = None
    if filters.fuzzy and not total and not _spellings_match_anything(filters):
        suggestions = Suggestions(
            search.close_words(filters.q, products=_listed(filters)),
            top_categories(categories, products=_listed(filters)),
        )
    return {
        "filters": filters, "products": rows, "number": page.number,
        "total": total, "total_capped": capped, "categories": tree,
        "category_counts_exact": categories_exact, "sizes": sizes, "colors": colors,
        "suggestions": suggestions, "shops": shops, "many_shops": many_shops,
        "matching_shops": sellers.shops_named(filters.q) if filters.q and many_shops else [],
    }


def _page_rows(
    products: QuerySet[Product], filters: ListingFilters, page: Page, *, bounded: bool
) -> list[Product]:
    """The page's products with their card data, in the listing's order. `bounded`: there
    are many matches, and sorting by price first asks which can reach the page at all."""
    if not page.paginator.count:
        return []
    rows = with_card_data(products, _variant_conditions(filters))
    top = page.number * settings.PRODUCTS_PER_PAGE
    if bounded and filters.sort in PRICE_BOUNDS:
        rows = rows.filter(**_price_bound(products, filters, top))
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
    cheapest = _matching_variants(_variant_conditions(filters)).order_by("price")
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
    return search.matching(_listed(filters), filters.q).exists()


def _spellings_match_anything(filters: ListingFilters) -> bool:
    """Whether any active product's name is spelled like the search, whatever the other
    filters (known already when there are none)."""
    if not filters.active_count:
        return False
    return search.matching(_listed(filters), filters.q, fuzzy=True).exists()


def top_categories(
    categories: list[Category], *, limit: int = 4, products: QuerySet[Product] | None = None
) -> list[CategoryNode]:
    """The top-level categories that list the most `products` (by default every listed
    one), their subcategories' included."""
    products = Product.objects.listed() if products is None else products
    listed = products.filter(Exists(_matching_variants(Q())))
    counts = Counter(dict(listed.values_list("category_id").annotate(n=Count("pk")).order_by()))
    roots = [node for node in category_tree(categories, counts) if node.count]
    return sorted(roots, key=lambda node: -node.count)[:limit]


def home_page() -> dict:
    """Featured products, and the top-level categories with the number of products each
    lists (its subcategories' included), counted as the listing counts them."""
    return caching.remember("home", (), _home_page)


def _home_page() -> dict:
    categories = all_categories()
    listed = Product.objects.listed().filter(Exists(_matching_variants(Q())))
    counts = Counter(dict(listed.values_list("category_id").annotate(n=Count("pk")).order_by()))
    featured = list(
        with_card_data(listed.filter(is_featured=True))
        .annotate(approved_shops=sellers.approved_shop_count())
        .order_by("-created_at", "pk")[:8]
    )
    # How many shops are approved comes with the cards: without cards there is nobody to name.
    many_shops = bool(featured) and featured[0].approved_shops > 1
    return {"featured": featured, "categories": category_tree(categories, counts),
            "many_shops": many_shops}


def product_detail(slug: str) -> Product | None:
    """The active product with its category path, seller, variants and images, if there is
    one; `approved_shops` says how many shops are approved."""
    return caching.remember("product", (slug,), lambda: _product_detail(slug), product=slug)


def _product_detail(slug: str) -> Product | None:
    return (
        Product.objects.listed().filter(slug=slug)
        .select_related("category__parent", "seller")
        .annotate(approved_shops=sellers.approved_shop_count())
        .prefetch_related("variants", "images")
        .first()
    )
