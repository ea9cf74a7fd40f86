"""Catalogue reads shaped for the storefront's pages: home, listing, detail.

Each page's selector issues a fixed number of queries, whatever the page size, the number of
variants or the size of the catalogue; the views' tests pin those numbers. Their results are
cached (shop.caching) until the catalogue next changes, so a repeated read costs none.
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value

from shop import caching
from shop.errors import CategoryNotFound
from shop.models import Category, Product, ProductImage, Variant
from shop.selectors import search


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
    fuzzy: bool = False  # match words by their letters, forgiving typos

    @property
    def active_count(self) -> int:
        """How many narrowing choices are on (search and sort aside)."""
        return (
            bool(self.category) + (self.min_price is not None) + (self.max_price is not None)
            + len(self.size) + len(self.color) + self.in_stock
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
        )


@dataclass
class CategoryNode:
    category: Category
    count: int = 0
    children: list["CategoryNode"] = field(default_factory=list)


@dataclass
class Facet:
    value: str
    count: int
    selected: bool


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


def _products(filters: ListingFilters, category_ids: list[int] | None, *, skip: str = ""):
    """Active products that match every filter but the one named by `skip`."""
    products = Product.objects.listed()
    if category_ids is not None and skip != "category":
        products = products.filter(category_id__in=category_ids)
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
    whether any matching variant is in stock, and the first image."""
    condition = condition or Q()
    cheapest = _matching_variants(condition).order_by("price", "pk")
    return products.annotate(
        price=Subquery(cheapest.values("price")[:1]),
        compare_at_price=Subquery(cheapest.values("compare_at_price")[:1]),
        in_stock=Exists(_matching_variants(condition & Q(on_hand__gt=F("reserved")))),
        image=first_image(),
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


def category_tree(categories: list[Category], counts: Counter | None = None) -> list[CategoryNode]:
    """Two-level tree of nodes; a parent's count includes its children's."""
    counts = counts or Counter()
    nodes = {c.pk: CategoryNode(c, counts[c.pk]) for c in categories}
    roots = []
    for category in categories:
        node = nodes[category.pk]
        if category.parent_id in nodes:
            parent = nodes[category.parent_id]
            parent.children.append(node)
            parent.count += node.count
        else:
            roots.append(node)
    return roots


def _descendant_ids(categories: list[Category], root: Category) -> list[int]:
    ids, frontier = [root.pk], {root.pk}
    while frontier:
        frontier = {c.pk for c in categories if c.parent_id in frontier}
        ids.extend(frontier)
    return ids


def _option_facets(filters: ListingFilters, category_ids: list[int] | None):
    """Products per size and per colour, each counted under all the other filters: one query."""

    def counts(option: str):
        products = _products(filters, category_ids, skip=option)
        return (
            Variant.objects.filter(_variant_conditions(filters, skip=option), product__in=products)
            .exclude(**{option: ""})
            .values(option)
            .annotate(kind=Value(option), products=Count("product", distinct=True))
            .values_list("kind", option, "products")
            .order_by()
        )

    found = {"size": {}, "color": {}}
    for kind, value, count in counts("size").union(counts("color"), all=True).order_by():
        found[kind][value] = count
    # A chosen value stays on screen, at zero, so the shopper can see it and untick it.
    for value in filters.size:
        found["size"].setdefault(value, 0)
    for value in filters.color:
        found["color"].setdefault(value, 0)
    sizes = [Facet(v, n, v in filters.size) for v, n in found["size"].items()]
    colors = [Facet(v, n, v in filters.color) for v, n in found["color"].items()]
    return sorted(sizes, key=lambda f: size_rank(f.value)), sorted(colors, key=lambda f: f.value)


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
    applied, products, number, total, tree, sizes, colors, suggestions = caching.remember(
        "listing",
        (filters, str(page_number), per_page),
        lambda: _listing_parts(filters, categories, current, page_number),
    )
    # The page is rebuilt around the cached rows: a Paginator holds its whole queryset, which
    # must not be fetched (or pickled) just to remember one page of it.
    page = Page(products, number, Paginator(range(total), per_page))
    return Listing(
        filters=applied,
        page=page,
        categories=tree,
        current_category=current,
        sizes=sizes,
        colors=colors,
        total=total,
        suggestions=suggestions,
    )


def _listing_parts(
    filters: ListingFilters, categories: list[Category], current: Category | None,
    page_number: str | int,
) -> tuple:
    category_ids = _descendant_ids(categories, current) if current else None
    if filters.q and not search.only_excludes(filters.q) and not _words_match_anything(filters.q):
        filters = replace(filters, fuzzy=True)
    paginator = _paginator(filters, category_ids)
    page = paginator.get_page(page_number)

    category_counts = Counter(
        dict(
            _products(filters, category_ids, skip="category")
            .values_list("category_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    sizes, colors = _option_facets(filters, category_ids)
    tree = category_tree(categories, category_counts)
    suggestions = None
    if filters.fuzzy and not paginator.count and not _spellings_match_anything(filters):
        suggestions = Suggestions(search.close_words(filters.q), top_categories(categories))
    return (
        filters, list(page.object_list), page.number, paginator.count, tree, sizes, colors,
        suggestions,
    )


def _words_match_anything(text: str) -> bool:
    """Whether any active product has the words, whatever the other filters: the filters
    narrowing a search to nothing is no reason to guess at spellings."""
    return search.matching(Product.objects.listed(), text).exists()


def _spellings_match_anything(filters: ListingFilters) -> bool:
    """Whether any active product's name is spelled like the search, whatever the other
    filters (known already when there are none)."""
    if not filters.active_count:
        return False
    active = Product.objects.listed()
    return search.matching(active, filters.q, fuzzy=True).exists()


def top_categories(categories: list[Category], *, limit: int = 4) -> list[CategoryNode]:
    """The top-level categories that list the most products, their subcategories' included."""
    listed = Product.objects.listed().filter(Exists(_matching_variants(Q())))
    counts = Counter(dict(listed.values_list("category_id").annotate(n=Count("pk")).order_by()))
    roots = [node for node in category_tree(categories, counts) if node.count]
    return sorted(roots, key=lambda node: -node.count)[:limit]


def _paginator(filters: ListingFilters, category_ids: list[int] | None) -> Paginator:
    products = with_card_data(_products(filters, category_ids), _variant_conditions(filters))
    return Paginator(_ordered(products, filters), settings.PRODUCTS_PER_PAGE)


def all_categories() -> list[Category]:
    """Every category, in the model's order: what the home page and each listing start from."""
    return caching.remember("categories", (), lambda: list(Category.objects.all()))


def home_page() -> dict:
    """Featured products, and the top-level categories with the number of products each
    lists (its subcategories' included), counted as the listing counts them."""
    return caching.remember("home", (), _home_page)


def _home_page() -> dict:
    categories = all_categories()
    listed = Product.objects.listed().filter(Exists(_matching_variants(Q())))
    counts = Counter(dict(listed.values_list("category_id").annotate(n=Count("pk")).order_by()))
    featured = with_card_data(listed.filter(is_featured=True)).order_by("-created_at", "pk")
    return {"featured": list(featured[:8]), "categories": category_tree(categories, counts)}


def product_detail(slug: str) -> Product | None:
    """The active product with its category path, variants and images, if there is one."""
    return caching.remember("product", (slug,), lambda: _product_detail(slug))


def _product_detail(slug: str) -> Product | None:
    return (
        Product.objects.listed().filter(slug=slug)
        .select_related("category__parent")
        .prefetch_related("variants", "images")
        .first()
    )


def related_products(product: Product, *, limit: int = 4) -> list[Product]:
    return caching.remember(
        "related",
        (product.pk, product.category_id, limit),
        lambda: _related_products(product, limit),
    )


def _related_products(product: Product, limit: int) -> list[Product]:
    products = Product.objects.listed().filter(category_id=product.category_id).exclude(
        pk=product.pk
    )
    products = with_card_data(products.filter(Exists(_matching_variants(Q()))))
    return list(products.order_by("-rating_count", "name")[:limit])
