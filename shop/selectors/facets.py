"""A listing's facets: products per size, per colour, per shop and per category, each
counted under every filter but its own among the first FACETED products those filters list,
and shown with its counts only when those were all of them.
"""

from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Count, F, Func, QuerySet, Value

from shop.models import Product, Variant
from shop.selectors import sellers
from shop.selectors.catalogue import size_rank
from shop.selectors.matches import ListingFilters, matching_products, variant_conditions

FACETED = 300  # how many products each facet counts among, at most


@dataclass
class Facet:
    value: str
    count: int
    selected: bool
    label: str = ""  # what the shopper reads, where it is not the value (a shop's name)
    # False when counted among the first FACETED matches only: the count is then not shown.
    exact: bool = True


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


def counted_among(
    filters: ListingFilters, category_ids: list[int] | None, option: str, matched: list[int]
) -> QuerySet[Product]:
    """What a facet counts among: the first FACETED + 1 products listed under every filter
    but its own; those the page matched when its own is not chosen (the same products)."""
    if _narrowed_by(filters, category_ids, option):
        return _first_counted(matching_products(filters, category_ids, skip=option))
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


def of(filters: ListingFilters, category_ids: list[int] | None, matched: list[int]):
    """Products per size, per colour and per approved shop, each counted under all the other
    filters among the first FACETED products those filters list: one query. Every approved
    shop has a row, so the rows say how many there are (none on a shop's own page, where the
    shop is fixed). The query also says how many products each facet counted among, the
    category counts' too (shop.selectors.listing), where that is not `matched`, the first
    FACETED + 1 products the page lists: a facet that counted among more than FACETED is
    not exact.
    Returns the sizes, colours and shops, and whether the category counts are exact."""

    def counts(option: str):
        products = counted_among(filters, category_ids, option, matched)
        return (
            Variant.objects.filter(variant_conditions(filters, skip=option), product__in=products)
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
        arms.append(sellers.shop_counts(counted_among(filters, category_ids, "shop", matched)))
    # How many each facet counted among, where that is not the page's matches.
    arms += [_how_many(counted_among(filters, category_ids, option, matched), option)
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
