"""Loading the demo catalogue: add what is missing, never touch what is there.

Owns load_demo_catalogue, which adds the planned rows that are missing in one transaction and
then writes every image file missing from storage (write_missing_images), and LoadResult, what
one load added. Running it again adds nothing and changes nothing, except that an image file
deleted from storage is drawn again. The catalogue carries no ratings of its own: a product's
rating is recounted from its reviews (none until seed_demo's customers write some), which also
puts right a rating a database kept from before without the reviews behind it.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from shop import caching
from shop.demo.data import SKU_PREFIX
from shop.demo.images import draw_image
from shop.demo.plan import Catalogue, CategorySpec, ProductSpec, plan_catalogue
from shop.models import Category, Product, ProductImage, Variant
from shop.services import reviews as review_services


@dataclass
class LoadResult:
    """What one load added, and how much of the demo catalogue exists afterwards."""

    created: dict[str, int]
    totals: dict[str, int]
    files_written: int
    ratings_recounted: int = 0  # products whose cached rating did not match their reviews

    @property
    def changed_anything(self) -> bool:
        return any(self.created.values()) or self.files_written > 0 or self.ratings_recounted > 0


def load_demo_catalogue(
    catalogue: Catalogue | None = None, *, draw_images: bool = True
) -> LoadResult:
    """Add the rows of `catalogue` (the demo's plan by default) that are missing, then draw
    any image file that is missing, unless `draw_images` is off (the benchmark's pages are
    measured without their pictures, which nobody fetches).

    Existing rows are matched by slug (categories, products), SKU (variants) and file name
    (images) and left exactly as they are, so a second run changes nothing.
    """
    catalogue = catalogue or plan_catalogue()
    created, recounted = _load_rows(catalogue)
    # Drawing happens after the commit so the transaction (and SQLite's write lock) stays short.
    files_written = write_missing_images(catalogue) if draw_images else 0
    return LoadResult(created, _totals(catalogue), files_written, recounted)


@transaction.atomic
def _load_rows(catalogue: Catalogue) -> tuple[dict[str, int], int]:
    caching.bump_catalogue_version()  # bulk inserts send no signals
    category_ids, new_categories = _load_categories(catalogue.categories)
    product_ids, new_products = _load_products(catalogue.products, category_ids)
    created = {
        "categories": new_categories,
        "products": new_products,
        "variants": _load_variants(catalogue.products, product_ids),
        "images": _load_images(catalogue.products, product_ids),
    }
    return created, review_services.refresh_ratings(product_ids=product_ids.values())


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
            is_featured=s.is_featured,
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
