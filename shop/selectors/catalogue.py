"""Catalogue reads shaped for the storefront's pages: the home page, a product's page, and
what a product card shows (with_card_data, used by every page that lists cards). The listing
is shop.selectors.listing.

Each page's selector issues a fixed number of queries, whatever the number of variants or
the size of the catalogue; the views' tests pin those numbers. Their results are cached
(shop.caching) until the catalogue next changes, so a repeated read costs none. Each page
also learns from a query it runs anyway whether more than one shop is approved
(shop.selectors.sellers), which decides whether cards say who sells them.
"""

from collections import Counter

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull

from shop import caching
from shop.models import Category, Product, ProductImage, Variant
from shop.selectors import sellers
from shop.selectors.categories import CategoryNode, all_categories, category_tree


def matching_variants(condition: Q) -> QuerySet[Variant]:
    """The variants of the outer query's product that meet `condition`."""
    return Variant.objects.filter(condition, product=OuterRef("pk"))


def any_of(variants: QuerySet[Variant]) -> IsNull:
    """Whether the outer query's product has one of `variants`, as "one's id is not null"
    rather than EXISTS: PostgreSQL may answer an EXISTS by hashing every such variant of the
    whole catalogue, once per query, when it misjudges how many products will ask; a LIMIT 1
    subquery is asked for each product alone, through the variants' product index."""
    return IsNull(Subquery(variants.order_by().values("pk")[:1]), False)


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
    cheapest = matching_variants(condition).order_by("price", "pk")
    return products.annotate(
        price=Subquery(cheapest.values("price")[:1]),
        compare_at_price=Subquery(cheapest.values("compare_at_price")[:1]),
        in_stock=any_of(matching_variants(condition & Q(on_hand__gt=F("reserved")))),
        image=first_image(),
        seller_name=F("seller__name"),
        seller_slug=F("seller__slug"),
    )


SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"]


def size_rank(size: str) -> tuple[int, float, str]:
    """Clothing sizes in wearing order, numeric sizes by number, anything else after."""
    if size in SIZE_ORDER:
        return (0, SIZE_ORDER.index(size), "")
    try:
        return (1, float(size), "")
    except ValueError:
        return (2, 0, size)


def top_categories(
    categories: list[Category], *, limit: int = 4, products: QuerySet[Product] | None = None
) -> list[CategoryNode]:
    """The top-level categories that list the most `products` (by default every listed
    one), their subcategories' included."""
    products = Product.objects.listed() if products is None else products
    listed = products.filter(Exists(matching_variants(Q())))
    counts = Counter(dict(listed.values_list("category_id").annotate(n=Count("pk")).order_by()))
    roots = [node for node in category_tree(categories, counts) if node.count]
    return sorted(roots, key=lambda node: -node.count)[:limit]


def home_page() -> dict:
    """Featured products, and the top-level categories with the number of products each
    lists (its subcategories' included), counted as the listing counts them."""
    return caching.remember("home", (), _home_page)


def _home_page() -> dict:
    categories = all_categories()
    listed = Product.objects.listed().filter(Exists(matching_variants(Q())))
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
