"""`python -m bench.catalogue PRODUCTS [ORDERS]`: a catalogue of any size, made with COPY, the
same on every run; and a few orders.

The pattern is the benchmark's catalogue of 2,000 products (bench.seed's plan): a catalogue
of PRODUCTS (a multiple of 2,000) holds PRODUCTS / 2,000 copies of it. A copy's products are the
pattern's with a made-up range name added ("Heritage Wool Coat Velora"), a price a little
apart and the same stock; the first copy is the pattern itself. Categories grow too, but
slower, as a real shop's do: each aisle of the demo's departments splits into about
√copies aisles (1 at 2,000 products, 3 at 20,000, 10 at 200,000), and each copy goes into
one of its aisle's splits. Images are rows without files, as in bench.seed.

Rows are written with PostgreSQL's COPY, with their ids (the shop's catalogue must be empty),
then the planner's statistics are made (VACUUM ANALYZE). COPY fires the triggers that keep a
product's search document and prices (shop.migrations.0021_stored_listing_columns) and the
words of the names (0025); the prices
are written with the products as well, so that the variants' COPY finds them right and
rewrites no product row. The orders are seeded after the
first copy, so the made-up history loads 2,000 products' variants, not the whole catalogue's.
Prints one line of JSON: what was made, and how long each part took.
"""

import json
import math
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from dashboard.demo.history import seed_order_history
from shop.demo.data import PRODUCT_RANGES
from shop.demo.plan import Catalogue, CategorySpec, ProductSpec, plan_catalogue
from shop.models import Category

# The pattern: 125 products in each of the demo's 16 aisles, 2,000 in all.
PRODUCTS_PER_AISLE, VARIANTS_PER_PRODUCT = 125, 5
SYLLABLES = (
    "ba", "be", "bri", "da", "del", "fa", "fen", "ka", "kel", "la", "lo", "lor", "ma", "mi",
    "na", "no", "ra", "ri", "sa", "sel", "ta", "tor", "va", "ven", "vo", "za",
)
SEED = 2_000_000


def seed_catalogue(products: int, *, orders: int = 0) -> dict:
    """`products` products (a multiple of 2,000) with their variants, stock, images and
    categories, in an empty shop, and `orders` orders of made-up history, if any: bought
    from the first copy, so that every size has the same orders."""
    started = time.perf_counter()
    pattern = plan_catalogue(
        products_per_aisle=PRODUCTS_PER_AISLE, variants_per_product=VARIANTS_PER_PRODUCT
    )
    size = len(pattern.products)
    if products < size or products % size:
        raise ValueError(f"Ask for a multiple of {size:,} products.")
    copies = products // size
    rows = _Rows(pattern, splits=max(1, round(math.sqrt(copies))))
    with transaction.atomic():
        rows.add_categories()
        rows.add_copies(range(1))
    history = seed_order_history(orders=orders, customers=max(1, orders // 5)) if orders else None
    history_seconds = time.perf_counter() - started
    with transaction.atomic():
        rows.add_copies(range(1, copies))
    copied = time.perf_counter()
    if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (a test's)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {
        **rows.counts,
        "categories": len(rows.category_ids),
        "orders": history.orders if history else 0,
        "orders_seconds": round(history_seconds, 1),
        "analyze_seconds": round(time.perf_counter() - copied, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


class _Rows:
    """The catalogue's rows, written copy by copy; the ids go on from one call to the next."""

    def __init__(self, pattern: Catalogue, *, splits: int):
        self.pattern, self.splits = pattern, splits
        self.category_ids: dict[tuple[str, int], int] = {}
        self.counts = {"products": 0, "variants": 0, "images": 0}
        self.rng = random.Random(SEED)  # noqa: S311 - made-up catalogue, not security
        self.now = timezone.now()

    def add_categories(self) -> None:
        self.category_ids = _categories(self.pattern.categories, self.splits)

    def add_copies(self, copies: range) -> None:
        products, variants, images = [], [], []
        counts = self.counts
        for copy in copies:
            for spec in self.pattern.products:
                counts["products"] += 1
                product_id = counts["products"]
                name, slug = _named(spec, copy, self.rng)
                extra = Decimal(copy % 10)
                # The prices the variant table's triggers would work out, written with the
                # product: they then find nothing to change, and update no product row.
                prices = [variant.price + extra for variant in spec.variants]
                products.append((
                    product_id, name, slug, spec.description,
                    self.category_ids[spec.category_slug, copy % self.splits], spec.is_active,
                    True, spec.is_featured and copy == 0,
                    spec.created_at - timedelta(minutes=copy), self.now, 0,
                    min(prices, default=None), max(prices, default=None),
                ))
                for variant in spec.variants:
                    counts["variants"] += 1
                    variants.append((
                        counts["variants"], product_id,
                        f"{variant.sku}-{copy}" if copy else variant.sku,
                        variant.size, variant.color, variant.price + extra,
                        variant.compare_at_price + extra if variant.compare_at_price else None,
                        variant.on_hand, 0, variant.position, 5,
                    ))
                for position, view in enumerate(("front", "detail")):
                    counts["images"] += 1
                    images.append((counts["images"], product_id,
                                   f"products/{slug}-{position + 1}.jpg", f"{name}, {view}",
                                   position))
        _copy("shop_product", "id, name, slug, description, category_id, is_active, "
              "seller_listed, is_featured, created_at, updated_at, rating_count, lowest_price, "
              "highest_price", products)
        _copy("shop_variant", "id, product_id, sku, size, color, price, compare_at_price, "
              "on_hand, reserved, position, low_stock_threshold", variants)
        _copy("shop_productimage", "id, product_id, image, alt_text, position", images)


def _categories(specs: list[CategorySpec], splits: int) -> dict[tuple[str, int], int]:
    """The departments, and each aisle split in `splits`: the ids by (aisle slug, split)."""
    ids: dict[tuple[str, int], int] = {}
    for spec in specs:
        if spec.parent_slug:
            continue
        ids[spec.slug, 0] = Category.objects.create(
            slug=spec.slug, name=spec.name, description=spec.description,
            position=spec.position,
        ).pk
    for spec in specs:
        if not spec.parent_slug:
            continue
        for split in range(splits):
            line = PRODUCT_RANGES[split - 1] if split else ""
            ids[spec.slug, split] = Category.objects.create(
                slug=f"{spec.slug}-{slugify(line)}" if line else spec.slug,
                name=f"{line} {spec.name}" if line else spec.name,
                description=spec.description, position=spec.position * splits + split,
                parent_id=ids[spec.parent_slug, 0],
            ).pk
    return ids


def _named(spec: ProductSpec, copy: int, rng: random.Random) -> tuple[str, str]:
    """The copy's name and slug: the pattern's, and a made-up range name after the first."""
    if not copy:
        return spec.name, spec.slug
    word = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
    return f"{spec.name} {word}", f"{spec.slug}-{word.lower()}-{copy}"


def _copy(table: str, columns: str, rows: list[tuple]) -> None:
    """COPY the rows in, then move the table's id sequence past them."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"  # noqa: S608
        )


if __name__ == "__main__":
    size = int(sys.argv[1])
    print(json.dumps(seed_catalogue(size, orders=int(sys.argv[2]) if len(sys.argv) > 2 else 0)))
