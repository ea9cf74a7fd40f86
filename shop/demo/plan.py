"""Planning the demo catalogue: every category, product, variant and image as plain specs.

Owns plan_catalogue and the spec dataclasses it returns. Planning is pure and deterministic, so
every machine plans the same catalogue: one seeded random.Random, a fixed clock, no database and
no other I/O.
"""

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from django.utils.text import slugify

from shop.demo.data import (
    CENT,
    CLOSINGS,
    DEPARTMENTS,
    KIND_OF,
    NEWEST_AT,
    PAIRED_NOUNS,
    PALETTE,
    PRODUCT_RANGES,
    PRODUCTS_PER_AISLE,
    SEED,
    SKU_PREFIX,
    Aisle,
)


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    description: str
    position: int
    parent_slug: str | None = None


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    size: str
    color: str
    price: Decimal
    compare_at_price: Decimal | None
    on_hand: int
    position: int


@dataclass(frozen=True)
class ImageSpec:
    name: str  # the storage path, also the ImageField value
    alt_text: str
    position: int
    colour: str  # a PALETTE name
    kind: str  # a KINDS key: what the picture draws
    initials: str
    number: int


@dataclass
class ProductSpec:
    number: int
    name: str
    slug: str
    description: str
    category_slug: str
    kind: str  # a KINDS key
    is_active: bool = True
    is_featured: bool = False
    created_at: datetime = NEWEST_AT
    variants: list[VariantSpec] = field(default_factory=list)
    images: list[ImageSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Catalogue:
    categories: list[CategorySpec]
    products: list[ProductSpec]


def plan_catalogue(
    *, products_per_aisle: int = PRODUCTS_PER_AISLE, variants_per_product: int | None = None
) -> Catalogue:
    """The whole demo catalogue, built from DEPARTMENTS with one seeded random.Random.

    The defaults plan the demo's 240 products. The benchmark asks for a larger catalogue
    (more products an aisle, named after product ranges as well, and at most
    `variants_per_product` of each product's sizes and colours); the demo's plan stays the
    same whatever the benchmark's is.
    """
    # An instance, never the module's global generator, so nothing else can shift the sequence.
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    categories: list[CategorySpec] = []
    products: list[ProductSpec] = []
    for position, (department, blurb, aisles) in enumerate(DEPARTMENTS):
        parent = CategorySpec(slugify(department), department, blurb, position)
        categories.append(parent)
        for child_position, aisle in enumerate(aisles):
            child = CategorySpec(
                f"{parent.slug}-{slugify(aisle.name)}", aisle.name, aisle.blurb,
                child_position, parent.slug,
            )
            categories.append(child)
            for name, noun in _product_names(rng, aisle, products_per_aisle):
                product = _plan_product(rng, aisle, child.slug, name, noun, len(products) + 1)
                if variants_per_product is not None:
                    _keep_variants(rng, product, variants_per_product)
                products.append(product)
    _mark_products(rng, products)
    return Catalogue(categories, products)


def _product_names(rng: random.Random, aisle: Aisle, count: int) -> list[tuple[str, str]]:
    """`count` of the aisle's (product name, noun), in the order the aisle lists them."""
    names = [
        (f"{material} {noun}", noun) for noun, materials in aisle.types for material in materials
    ]
    if count > len(names):  # the benchmark's catalogue: the same goods in several ranges
        names += [(f"{line} {name}", noun) for line in PRODUCT_RANGES for name, noun in names]
    return sorted(rng.sample(names, count), key=names.index)


def _plan_product(
    rng: random.Random, aisle: Aisle, category_slug: str, name: str, noun: str, number: int
) -> ProductSpec:
    description = " ".join((
        f"{_article(name)} {name.lower()} {rng.choice(aisle.pitches)}.",
        rng.choice(aisle.details),
        rng.choice(CLOSINGS),
    ))
    product = ProductSpec(
        number, name, slugify(name), description, category_slug, KIND_OF[noun]
    )
    colours = rng.sample(aisle.colours, rng.randint(*aisle.colour_count))
    product.variants = _plan_variants(rng, aisle, number, colours)
    # Size-only products still need a background colour for their pictures.
    picture_colours = colours or [rng.choice(("Black", "Brown", "Navy", "Grey", "Olive"))]
    product.images = _plan_images(product, picture_colours, show_colour=bool(colours))
    return product


def _keep_variants(rng: random.Random, product: ProductSpec, most: int) -> None:
    """Keep `most` of the product's variants, chosen at random, in their order."""
    if len(product.variants) <= most:
        return
    kept = sorted(rng.sample(range(len(product.variants)), most))
    product.variants = [
        replace(product.variants[index], position=position)
        for position, index in enumerate(kept)
    ]


def _article(name: str) -> str:
    if name.endswith(PAIRED_NOUNS):
        return "A pair of"
    return "An" if name[0] in "AEIOU" else "A"


def _plan_variants(
    rng: random.Random, aisle: Aisle, number: int, colours: list[str]
) -> list[VariantSpec]:
    low, high = aisle.price
    price = Decimal(rng.randrange(low, high + 1, 5)) + Decimal(rng.choice(("0.00", "0.95")))
    xxl_extra = Decimal(rng.choice(("0.00", "5.00")))  # larger sizes cost more for some products
    options = [(size, colour) for colour in colours or [""] for size in aisle.sizes or [""]]
    variants = []
    for position, (size, colour) in enumerate(options):
        sku = "-".join(
            part for part in (SKU_PREFIX, f"{number:04d}", size, PALETTE.get(colour, ("",))[0])
            if part
        )
        variant_price = price + (xxl_extra if size == "XXL" else 0)
        variants.append(VariantSpec(sku, size, colour, variant_price, None, _stock(rng), position))
    return variants


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0  # sold out, so "in stock" filters and sold-out badges have something to show
    if roll < 0.18:
        return rng.randint(1, 3)  # low stock, for "only a few left"
    return rng.randint(4, 60)


def _plan_images(product: ProductSpec, colours: list[str], *, show_colour: bool) -> list[ImageSpec]:
    initials = "".join(word[0] for word in product.name.replace("-", " ").split())[:3].upper()
    images = []
    for position, view in enumerate(("front", "detail")):
        colour = colours[position % len(colours)]
        alt = f"{product.name} in {colour}, {view}" if show_colour else f"{product.name}, {view}"
        images.append(ImageSpec(
            f"products/{product.slug}-{position + 1}.jpg", alt, position, colour,
            product.kind, initials, product.number,
        ))
    return images


def _mark_products(rng: random.Random, products: list[ProductSpec]) -> None:
    """Sale prices, featured and inactive products and creation times. Ratings are not
    planned: they come from reviews, which the demo's order history writes (seed_demo)."""
    count = len(products)
    for index in rng.sample(range(count), round(count * 0.15)):
        factor = Decimal(rng.choice(("1.20", "1.25", "1.30", "1.40")))
        products[index].variants = [_on_sale(v, factor) for v in products[index].variants]
    inactive = set(rng.sample(range(count), 5))
    active = [i for i in range(count) if i not in inactive]
    featured = set(rng.sample(active, 10))
    ages = list(range(count))
    rng.shuffle(ages)  # so "newest" mixes departments rather than following the list
    for index, product in enumerate(products):
        product.is_active = index not in inactive
        product.is_featured = index in featured
        product.created_at = NEWEST_AT - timedelta(hours=6 * ages[index])


def _on_sale(variant: VariantSpec, factor: Decimal) -> VariantSpec:
    # The former price is a whole amount, rounded up so it is always above the price.
    compare_at = (variant.price * factor).quantize(Decimal("1"), rounding=ROUND_CEILING)
    return VariantSpec(
        variant.sku, variant.size, variant.color, variant.price,
        compare_at.quantize(CENT), variant.on_hand, variant.position,
    )
