"""The demo catalogue: what `manage.py load_demo` loads, and how.

Owns three use cases: planning the catalogue (pure and deterministic: a seeded random.Random,
a fixed clock, no I/O), loading the rows that are missing in one transaction, and drawing each
product's images with Pillow. Running the load again adds nothing and changes nothing, except
that an image file deleted from storage is drawn again.
"""

import io
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from shop.models import Category, Product, ProductImage, Variant

SEED = 20250101
SKU_PREFIX = "NW"  # Northwind, the demo store's name
# The newest demo product is this old; a fixed instant keeps "newest" sorting the same everywhere.
NEWEST_AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
PRODUCTS_PER_AISLE = 15
IMAGE_SIZE = 600
IMAGE_QUALITY = 80
# How far below the centre a picture's initials sit, so they land on the shape's widest part.
TEXT_DROP = {"garment": 50, "shoe": 75, "homeware": 0, "gear": 90}
CENT = Decimal("0.01")

# The storefront's CSS swatches are keyed by these exact names: name -> (SKU code, RGB hex).
PALETTE = {
    "Black": ("BLK", "#222222"), "White": ("WHT", "#f4f4f0"), "Grey": ("GRY", "#8a8d91"),
    "Navy": ("NAV", "#1f2d4d"), "Blue": ("BLU", "#3a6fb0"), "Green": ("GRN", "#3d7a4a"),
    "Olive": ("OLV", "#6b6b3a"), "Red": ("RED", "#b8322f"), "Burgundy": ("BUR", "#6d1f2f"),
    "Pink": ("PNK", "#e8a0b4"), "Yellow": ("YEL", "#e8c547"), "Orange": ("ORG", "#e07b39"),
    "Brown": ("BRN", "#6f4a2f"), "Beige": ("BEI", "#d8c8a8"), "Purple": ("PUR", "#6a4c93"),
    "Teal": ("TEA", "#2a8a8a"),
}
WOMEN_SIZES = ("XS", "S", "M", "L", "XL")
MEN_SIZES = ("S", "M", "L", "XL", "XXL")
ALL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
# Plural nouns, which read "a pair of ..." in a description.
PAIRED_NOUNS = ("Chinos", "Jeans", "Trousers", "Shorts")


@dataclass(frozen=True)
class Aisle:
    """A child category and the rules its products are made by."""

    name: str
    shape: str  # garment | shoe | homeware | gear: what the product images show
    blurb: str
    sizes: tuple[str, ...]
    colours: tuple[str, ...]
    colour_count: tuple[int, int]  # (0, 0): the products come in sizes only
    price: tuple[int, int]  # whole units, before the .00 / .95 ending
    types: tuple[tuple[str, tuple[str, ...]], ...]  # (noun, the materials it comes in)
    pitches: tuple[str, ...]  # follows "A <name>" in the description's first sentence
    details: tuple[str, ...]


def _aisle(name, shape, blurb, sizes, colours, colour_count, price, types, pitches, details):
    return Aisle(name, shape, blurb, tuple(sizes), tuple(colours.split()), colour_count,
                 price, tuple((noun, tuple(m.split(", "))) for noun, m in types),
                 tuple(pitches), tuple(details))


DEPARTMENTS = (
    ("Women", "Clothing, knitwear and shoes for women.", (
        _aisle("Dresses", "garment", "Dresses for every day and every occasion.", WOMEN_SIZES,
               "Black Navy Green Red Burgundy Pink Beige Blue Yellow Teal", (2, 3), (59, 149),
               (("Midi Dress", "Linen, Silk, Jersey, Floral Print"),
                ("Wrap Dress", "Jersey, Crepe, Polka Dot, Satin"),
                ("Shirt Dress", "Cotton Poplin, Chambray, Striped, Organic Cotton"),
                ("Slip Dress", "Silk, Satin, Cupro, Velvet")),
               ("cut to move easily from desk to dinner", "with a flattering, easy silhouette"),
               ("It has hidden side pockets and a lined bodice.",
                "The fabric drapes softly and resists creasing when you travel.")),
        _aisle("Knitwear", "garment", "Sweaters and cardigans knitted to last.", WOMEN_SIZES,
               "Navy Grey Beige Burgundy Olive Black White Pink Brown", (2, 3), (69, 189),
               (("Sweater", "Merino Wool, Cashmere, Alpaca Blend, Cotton Cable"),
                ("Cardigan", "Merino Wool, Lambswool, Mohair Blend, Chunky Knit"),
                ("Turtleneck", "Fine Merino, Cashmere Blend, Ribbed Cotton, Silk Blend"),
                ("Knit Vest", "Lambswool, Cable Knit, Alpaca, Fair Isle")),
               ("knitted for warmth without the bulk", "that softens with every wear"),
               ("Ribbed cuffs and hem keep their shape wash after wash.",
                "The yarn is traceable, mulesing-free and spun in Italy.")),
        _aisle("Tops", "garment", "Blouses, tees and camisoles for layering.", WOMEN_SIZES,
               "White Black Blue Pink Beige Navy Green Yellow", (2, 3), (29, 89),
               (("Blouse", "Silk, Linen, Cotton Voile, Crepe"),
                ("T-Shirt", "Organic Cotton, Slub Jersey, Breton Stripe, Pima Cotton"),
                ("Tank Top", "Ribbed Cotton, Washed Linen, Silk Jersey, Modal"),
                ("Camisole", "Washed Silk, Sandwashed Satin, Lace Trim, Cupro")),
               ("made for layering in every season", "with a relaxed, easy fit"),
               ("It is breathable, lightweight and machine washable.",
                "A clean neckline makes it easy to dress up or down.")),
        _aisle("Shoes", "shoe", "Boots, flats and sneakers for women.", ("38", "39", "40", "41",
               "42"), "Black Brown Beige White Red Navy Burgundy", (2, 2), (79, 179),
               (("Ankle Boot", "Leather, Suede, Block Heel, Waterproof"),
                ("Ballet Flat", "Leather, Suede, Patent, Quilted"),
                ("Penny Loafer", "Leather, Suede, Chunky, Patent Leather"),
                ("Low-Top Sneaker", "Leather, Canvas, Recycled Knit, Platform")),
               ("made on a comfortable, roomy last", "built for walking all day"),
               ("A cushioned leather insole moulds to your foot.",
                "The rubber sole is stitched, so it can be resoled.")),
    )),
    ("Men", "Shirts, outerwear, trousers and shoes for men.", (
        _aisle("Shirts", "garment", "Oxford, flannel and camp collar shirts.", MEN_SIZES,
               "White Blue Navy Green Olive Grey Pink Red", (2, 3), (49, 119),
               (("Oxford Shirt", "Classic, Slim Fit, Brushed, Striped"),
                ("Overshirt", "Wool, Corduroy, Twill, Quilted"),
                ("Camp Collar Shirt", "Linen, Rayon, Printed, Seersucker"),
                ("Flannel Shirt", "Plaid, Heavyweight, Brushed Cotton, Organic")),
               ("with a button-down collar and a tailored fit", "cut for comfort all day"),
               ("Mother-of-pearl buttons and a back pleat give it room to move.",
                "The cotton is garment-washed for softness from the first wear.")),
        _aisle("Outerwear", "garment", "Jackets, parkas and coats for cold days.", MEN_SIZES,
               "Black Navy Olive Brown Beige Grey Green", (2, 3), (129, 349),
               (("Jacket", "Waxed Canvas, Quilted, Suede, Denim"),
                ("Parka", "Down, Fishtail, Insulated, Wool"),
                ("Chore Coat", "Canvas, Moleskin, Corduroy, Herringbone"),
                ("Bomber Jacket", "Nylon, Suede, Wool, Satin")),
               ("built for wind, rain and cold mornings", "made to age well over the years"),
               ("It has a warm lining, a two-way zip and deep hand-warmer pockets.",
                "The water-repellent finish keeps showers out.")),
        _aisle("Trousers", "garment", "Chinos, jeans, trousers and shorts.", MEN_SIZES,
               "Navy Beige Olive Black Grey Brown Blue", (2, 3), (59, 139),
               (("Chinos", "Slim, Straight, Stretch, Pleated"),
                ("Jeans", "Selvedge, Slim, Relaxed, Rigid"),
                ("Trousers", "Wool, Corduroy, Linen, Drawstring"),
                ("Shorts", "Chino, Linen, Cargo, Swim")),
               ("cut with a mid rise and a tapered leg", "with a comfortable, easy waist"),
               ("The cotton twill has a touch of stretch for comfort.",
                "Reinforced pockets and bar tacks stand up to daily wear.")),
        _aisle("Shoes", "shoe", "Boots, derbies and sneakers for men.",
               ("40", "41", "42", "43", "44", "45", "46"), "", (0, 0), (99, 229),
               (("Derby Shoe", "Leather, Suede, Brogue, Commando Sole"),
                ("Chelsea Boot", "Leather, Suede, Waterproof, Crepe Sole"),
                ("Desert Boot", "Suede, Waxed Leather, Nubuck, Shearling-Lined"),
                ("Court Sneaker", "Leather, Canvas, Suede, Recycled")),
               ("Goodyear-welted to last for years", "made by hand in Portugal"),
               ("The full-grain leather develops a rich patina.",
                "A leather-lined footbed keeps it comfortable all day.")),
    )),
    ("Home", "Kitchen, bedding, bath and decor for the home.", (
        _aisle("Kitchen", "homeware", "Mugs, bowls, plates and teapots.", (),
               "White Black Grey Blue Green Beige Teal Yellow Navy", (2, 4), (12, 69),
               (("Mug", "Stoneware, Enamel, Speckled, Porcelain"),
                ("Bowl", "Stoneware, Porcelain, Hand-Glazed, Bamboo"),
                ("Dinner Plate", "Stoneware, Porcelain, Hand-Glazed, Matte Ceramic"),
                ("Teapot", "Cast Iron, Porcelain, Glass, Stoneware")),
               ("made for slow breakfasts and long dinners", "thrown and glazed by hand"),
               ("It is dishwasher, microwave and oven safe.",
                "Each piece has a slightly different glaze, so no two are alike.")),
        _aisle("Bedding", "homeware", "Duvet covers, sheets and throws.", (),
               "White Grey Beige Blue Navy Green Pink Olive", (2, 4), (39, 219),
               (("Duvet Cover", "Linen, Percale, Sateen, Washed Cotton"),
                ("Sheet Set", "Linen, Percale, Sateen, Flannel"),
                ("Pillowcase Pair", "Linen, Silk, Percale, Bamboo"),
                ("Throw Blanket", "Wool, Cotton Waffle, Cashmere, Chunky Knit")),
               ("for cool, restful nights", "that gets softer with every wash"),
               ("The cotton is long-staple and certified organic.",
                "Stonewashing gives it a relaxed, lived-in look.")),
        _aisle("Bath", "homeware", "Towels, bath mats and robes.", (),
               "White Grey Beige Blue Teal Green Pink Navy", (2, 4), (15, 119),
               (("Bath Towel", "Turkish Cotton, Waffle, Organic Cotton, Plush"),
                ("Hand Towel", "Turkish Cotton, Linen, Waffle Weave, Ribbed"),
                ("Bath Mat", "Tufted Cotton, Waffle, Memory Foam, Chenille"),
                ("Bathrobe", "Waffle, Terry, Linen, Hooded")),
               ("that is soft, absorbent and quick to dry", "woven on traditional looms"),
               ("The long cotton loops absorb water fast.",
                "It is pre-washed, so it will not shrink.")),
        _aisle("Decor", "homeware", "Vases, planters, candle holders and cushions.", (),
               "White Black Beige Green Brown Grey Orange Blue", (2, 4), (19, 129),
               (("Vase", "Terracotta, Smoked Glass, Ribbed Ceramic, Stoneware"),
                ("Planter", "Terracotta, Concrete, Ceramic, Rattan"),
                ("Candle Holder", "Brass, Marble, Glass, Ceramic"),
                ("Cushion Cover", "Linen, Velvet, Wool, Embroidered")),
               ("to bring warmth to a shelf or table", "made in small batches"),
               ("Its simple shape suits modern and traditional rooms alike.",
                "Every piece is finished by hand, so small marks are part of its charm.")),
    )),
    ("Outdoors", "Jackets, footwear, camping gear and packs.", (
        _aisle("Jackets", "garment", "Shells, fleeces and insulated layers.", ALL_SIZES,
               "Black Navy Orange Red Green Olive Yellow Teal Blue", (2, 3), (89, 329),
               (("Rain Shell", "Packable, Lightweight, Three-Layer, Recycled"),
                ("Fleece Jacket", "Grid, Sherpa, Recycled, High-Pile"),
                ("Insulated Vest", "Down, Synthetic, Quilted, Packable"),
                ("Softshell Jacket", "Stretch, Windproof, Hooded, Alpine")),
               ("built for hiking, climbing and wet commutes", "that packs into its own pocket"),
               ("It is waterproof, breathable and made from recycled nylon.",
                "An adjustable hood and pit zips help you regulate heat.")),
        _aisle("Footwear", "shoe", "Trail runners, hiking boots and sandals.",
               tuple(str(n) for n in range(38, 47)), "", (0, 0), (89, 219),
               (("Trail Running Shoe", "Lightweight, Cushioned, Waterproof, All-Terrain"),
                ("Hiking Boot", "Waterproof, Leather, Mid-Cut, Lightweight"),
                ("Approach Shoe", "Sticky Rubber, Suede, Lightweight, Waterproof"),
                ("Trail Sandal", "Adjustable, Cushioned, Recycled, Lightweight")),
               ("with a grippy lugged outsole for rough trails", "made for long days outside"),
               ("A rock plate and toe cap protect your feet on rocky ground.",
                "The breathable mesh upper dries quickly after river crossings.")),
        _aisle("Camping", "gear", "Bottles, mugs, sleeping bags and chairs.", (),
               "Green Orange Olive Blue Red Grey Black Yellow Teal", (2, 4), (15, 249),
               (("Water Bottle", "Insulated Steel, Collapsible, Glass, Titanium"),
                ("Camp Mug", "Enamel, Titanium, Insulated, Collapsible"),
                ("Sleeping Bag", "Down, Synthetic, Ultralight, Three-Season"),
                ("Camp Chair", "Folding, Ultralight, High-Back, Packable")),
               ("made for camping, backpacking and the back garden", "tough enough for years"),
               ("It is light enough to carry all day and packs down small.",
                "Every part can be repaired, and spares are available.")),
        _aisle("Packs", "gear", "Daypacks, backpacks, duffels and hip packs.", (),
               "Black Grey Navy Olive Green Orange Red Teal", (2, 4), (25, 229),
               (("Daypack", "Roll-Top, Ultralight, Waxed Canvas, Recycled"),
                ("Hiking Backpack", "Ventilated, Ultralight, Waterproof, Frameless"),
                ("Duffel Bag", "Waxed Canvas, Waterproof, Packable, Weekender"),
                ("Hip Pack", "Ripstop, Recycled, Leather, Mesh")),
               ("made for commutes, day hikes and weekends away", "built to carry in comfort"),
               ("Padded straps and a laptop sleeve make it easy to carry.",
                "The fabric is water-resistant and the zips are sealed.")),
    )),
)
CLOSINGS = (
    "Free returns within 30 days if it is not quite right.",
    "Packed in recycled, plastic-free packaging.",
    "Designed to last for years, not a season.",
    "Every piece is checked by hand before it ships.",
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
    shape: str
    initials: str
    number: int


@dataclass
class ProductSpec:
    number: int
    name: str
    slug: str
    description: str
    category_slug: str
    shape: str
    is_active: bool = True
    is_featured: bool = False
    rating_average: Decimal | None = None
    rating_count: int = 0
    created_at: datetime = NEWEST_AT
    variants: list[VariantSpec] = field(default_factory=list)
    images: list[ImageSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Catalogue:
    categories: list[CategorySpec]
    products: list[ProductSpec]


@dataclass
class LoadResult:
    """What one load added, and how much of the demo catalogue exists afterwards."""

    created: dict[str, int]
    totals: dict[str, int]
    files_written: int

    @property
    def changed_anything(self) -> bool:
        return any(self.created.values()) or self.files_written > 0


# --- planning: pure, so every machine plans the same catalogue --------------------------------


def plan_catalogue() -> Catalogue:
    """The whole demo catalogue, built from DEPARTMENTS with one seeded random.Random."""
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
            for name in _product_names(rng, aisle):
                products.append(_plan_product(rng, aisle, child.slug, name, len(products) + 1))
    _mark_products(rng, products)
    return Catalogue(categories, products)


def _product_names(rng: random.Random, aisle: Aisle) -> list[str]:
    names = [f"{material} {noun}" for noun, materials in aisle.types for material in materials]
    return sorted(rng.sample(names, PRODUCTS_PER_AISLE), key=names.index)


def _plan_product(
    rng: random.Random, aisle: Aisle, category_slug: str, name: str, number: int
) -> ProductSpec:
    description = " ".join((
        f"{_article(name)} {name.lower()} {rng.choice(aisle.pitches)}.",
        rng.choice(aisle.details),
        rng.choice(CLOSINGS),
    ))
    product = ProductSpec(number, name, slugify(name), description, category_slug, aisle.shape)
    colours = rng.sample(aisle.colours, rng.randint(*aisle.colour_count))
    product.variants = _plan_variants(rng, aisle, number, colours)
    # Size-only products still need a background colour for their pictures.
    picture_colours = colours or [rng.choice(("Black", "Brown", "Navy", "Grey", "Olive"))]
    product.images = _plan_images(product, picture_colours, show_colour=bool(colours))
    return product


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
            product.shape, initials, product.number,
        ))
    return images


def _mark_products(rng: random.Random, products: list[ProductSpec]) -> None:
    """Sale prices, featured and inactive products, ratings and creation times."""
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
        if rng.random() < 0.85:
            product.rating_average = (Decimal(rng.randint(300, 500)) / 100).quantize(CENT)
            product.rating_count = rng.randint(1, 240)
        product.created_at = NEWEST_AT - timedelta(hours=6 * ages[index])


def _on_sale(variant: VariantSpec, factor: Decimal) -> VariantSpec:
    # The former price is a whole amount, rounded up so it is always above the price.
    compare_at = (variant.price * factor).quantize(Decimal("1"), rounding=ROUND_CEILING)
    return VariantSpec(
        variant.sku, variant.size, variant.color, variant.price,
        compare_at.quantize(CENT), variant.on_hand, variant.position,
    )


# --- loading: add what is missing, never touch what is there ---------------------------------


def load_demo_catalogue() -> LoadResult:
    """Add the demo rows that are missing, then draw any image file that is missing.

    Existing rows are matched by slug (categories, products), SKU (variants) and file name
    (images) and left exactly as they are, so a second run changes nothing.
    """
    catalogue = plan_catalogue()
    created = _load_rows(catalogue)
    # Drawing happens after the commit so the transaction (and SQLite's write lock) stays short.
    files_written = write_missing_images(catalogue)
    return LoadResult(created, _totals(catalogue), files_written)


@transaction.atomic
def _load_rows(catalogue: Catalogue) -> dict[str, int]:
    category_ids, new_categories = _load_categories(catalogue.categories)
    product_ids, new_products = _load_products(catalogue.products, category_ids)
    return {
        "categories": new_categories,
        "products": new_products,
        "variants": _load_variants(catalogue.products, product_ids),
        "images": _load_images(catalogue.products, product_ids),
    }


def _load_categories(specs: list[CategorySpec]) -> tuple[dict[str, int], int]:
    ids: dict[str, int] = {}
    created = 0
    # Parents first: a child row needs its parent's id.
    for level in ([s for s in specs if not s.parent_slug], [s for s in specs if s.parent_slug]):
        slugs = [s.slug for s in level]
        ids |= dict(Category.objects.filter(slug__in=slugs).values_list("slug", "id"))
        missing = [
            Category(slug=s.slug, name=s.name, description=s.description,
                     position=s.position, parent_id=ids.get(s.parent_slug))
            for s in level if s.slug not in ids
        ]
        Category.objects.bulk_create(missing)
        created += len(missing)
        # Read the ids back rather than rely on every backend setting them in bulk_create.
        ids |= dict(Category.objects.filter(slug__in=slugs).values_list("slug", "id"))
    return ids, created


def _load_products(
    specs: list[ProductSpec], category_ids: dict[str, int]
) -> tuple[dict[str, int], int]:
    slugs = [s.slug for s in specs]
    existing = set(Product.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    missing = [
        Product(
            name=s.name, slug=s.slug, description=s.description,
            category_id=category_ids[s.category_slug], is_active=s.is_active,
            is_featured=s.is_featured, rating_average=s.rating_average,
            rating_count=s.rating_count,
        )
        for s in specs if s.slug not in existing
    ]
    Product.objects.bulk_create(missing)
    ids = dict(Product.objects.filter(slug__in=slugs).values_list("slug", "id"))
    # created_at is auto_now_add, so bulk_create stamped "now"; the planned times replace it
    # (bulk_update skips auto_now) to make "newest" the same on every machine.
    planned = {s.slug: s.created_at for s in specs}
    for product in missing:
        product.pk = ids[product.slug]
        product.created_at = product.updated_at = planned[product.slug]
    Product.objects.bulk_update(missing, ["created_at", "updated_at"], batch_size=500)
    return ids, len(missing)


def _load_variants(specs: list[ProductSpec], product_ids: dict[str, int]) -> int:
    # By prefix rather than `sku__in`: two thousand parameters is past some SQLite builds' limit.
    existing = set(
        Variant.objects.filter(sku__startswith=f"{SKU_PREFIX}-").values_list("sku", flat=True)
    )
    missing = [
        Variant(
            product_id=product_ids[s.slug], sku=v.sku, size=v.size, color=v.color,
            price=v.price, compare_at_price=v.compare_at_price, on_hand=v.on_hand,
            reserved=0, position=v.position,
        )
        for s in specs for v in s.variants if v.sku not in existing
    ]
    Variant.objects.bulk_create(missing, batch_size=500)
    return len(missing)


def _load_images(specs: list[ProductSpec], product_ids: dict[str, int]) -> int:
    existing = set(
        ProductImage.objects.filter(image__startswith="products/").values_list("image", flat=True)
    )
    missing = [
        ProductImage(product_id=product_ids[s.slug], image=i.name, alt_text=i.alt_text,
                     position=i.position)
        for s in specs for i in s.images if i.name not in existing
    ]
    ProductImage.objects.bulk_create(missing, batch_size=500)
    return len(missing)


def _totals(catalogue: Catalogue) -> dict[str, int]:
    slugs = [s.slug for s in catalogue.products]
    return {
        "categories": Category.objects.filter(
            slug__in=[c.slug for c in catalogue.categories]
        ).count(),
        "products": Product.objects.filter(slug__in=slugs).count(),
        "variants": Variant.objects.filter(product__slug__in=slugs).count(),
        "images": ProductImage.objects.filter(product__slug__in=slugs).count(),
    }


# --- images: drawn locally, so the demo needs no network and no system fonts -----------------


def write_missing_images(catalogue: Catalogue) -> int:
    """Draw and store every planned image whose file is not in storage; return how many."""
    missing = [
        image for product in catalogue.products for image in product.images
        if not default_storage.exists(image.name)
    ]
    # Pillow releases the GIL while it fills and encodes, so a second thread nearly halves the
    # wait; storage is written from this thread only.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for image, data in zip(missing, pool.map(draw_image, missing), strict=True):
            default_storage.save(image.name, ContentFile(data))
    return len(missing)


def draw_image(spec: ImageSpec) -> bytes:
    """A JPEG: a soft gradient in the colour, a shape for the kind of product, its initials."""
    base = _rgb(PALETTE[spec.colour][1])
    light = _mix(base, (255, 255, 255), 0.45)
    # The front fades top to bottom, the detail view from the centre: two different pictures.
    mask = _gradient(radial=spec.position > 0)
    picture = Image.composite(
        Image.new("RGB", mask.size, base), Image.new("RGB", mask.size, light), mask
    )
    is_pale = _luminance(base) > 0.7
    ink = _mix(base, (0, 0, 0), 0.45) if is_pale else (250, 250, 247)
    draw = ImageDraw.Draw(picture)
    scale = 1.0 if spec.position == 0 else 1.25
    _draw_shape(draw, spec.shape, ink, scale=scale)
    letters = (250, 250, 247) if is_pale else base
    middle = 300 + TEXT_DROP[spec.shape] * scale
    draw.text((300, middle), spec.initials, font=_font(84), fill=letters, anchor="mm")
    draw.text((300, 560), f"No. {spec.number:03d}", font=_font(26), fill=ink, anchor="mm")
    output = io.BytesIO()
    picture.save(output, "JPEG", quality=IMAGE_QUALITY, optimize=True)
    return output.getvalue()


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, fill: tuple, *, scale: float) -> None:
    """A plain silhouette in a 400 x 400 box centred on the picture, scaled for the detail view."""

    def box(points):
        return [(300 + (x - 200) * scale, 300 + (y - 200) * scale) for x, y in points]

    if shape == "garment":  # a T-shirt
        draw.polygon(box([(120, 20), (280, 20), (400, 110), (340, 190), (300, 160),
                          (300, 390), (100, 390), (100, 160), (60, 190), (0, 110)]), fill=fill)
    elif shape == "shoe":  # a low shoe in profile
        draw.rounded_rectangle(box([(0, 250), (400, 330)]), radius=30 * scale, fill=fill)
        draw.polygon(box([(20, 260), (40, 110), (150, 110), (220, 190), (390, 230),
                          (400, 260)]), fill=fill)
    elif shape == "homeware":  # a bowl or plate from above
        draw.ellipse(box([(10, 10), (390, 390)]), fill=fill)
    else:  # gear: a mountain
        draw.polygon(box([(0, 370), (200, 40), (400, 370)]), fill=fill)


@cache
def _gradient(*, radial: bool) -> Image.Image:
    # Only read after this, so the threads can share it; resizing it per image was the slow part.
    mask = Image.radial_gradient("L") if radial else Image.linear_gradient("L")
    return mask.resize((IMAGE_SIZE, IMAGE_SIZE))


def _font(size: int) -> ImageFont.FreeTypeFont:
    # The font bundled with Pillow, so images look the same on every machine. Loading it is
    # cheap, and a font per call keeps FreeType's state out of the threads' way.
    return ImageFont.load_default(size=size)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def _mix(colour: tuple, other: tuple, amount: float) -> tuple[int, int, int]:
    return tuple(round(a + (b - a) * amount) for a, b in zip(colour, other, strict=True))


def _luminance(colour: tuple) -> float:
    red, green, blue = colour
    return (0.299 * red + 0.587 * green + 0.114 * blue) / 255
