"""`manage.py load_demo`: the demo catalogue's shape, idempotence and determinism."""

import hashlib
import io
from dataclasses import replace
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image, ImageChops

from dashboard.demo.history import seed_order_history
from shop import demo
from shop.demo.data import DEPARTMENTS, KIND_OF, KINDS
from shop.demo.images import draw_image
from shop.demo.plan import plan_catalogue
from shop.demo.shapes import TEXT_DROP
from shop.models import Category, Product, ProductImage, Review, Variant
from tests.shop.reviews import ratings_unlike_their_rows, verified_without_an_order

pytestmark = pytest.mark.django_db

CLOTHING_SIZES = {"XS", "S", "M", "L", "XL", "XXL"}
SHOE_SIZES = {str(size) for size in range(38, 47)}
# Pinned from a first load. If a change to shop/demo/ moves them on purpose, update them here;
# if they move by accident, the demo is no longer the same on every machine.
PINNED_FIRST_VARIANTS = {
    "linen-midi-dress": ("NW-0001-XS-TEA", Decimal("94.00"), 10),
    "waxed-canvas-jacket": ("NW-0076-S-NAV", Decimal("134.00"), 30),
    "stoneware-mug": ("NW-0121-BLK", Decimal("27.95"), 0),
    "lightweight-trail-running-shoe": ("NW-0196-38", Decimal("199.00"), 1),
}
PINNED_VARIANTS_DIGEST = "8c96ceb7d78d51de6b71297546c50e9e965b2cf0fed6eabf8cfc6516e10b91e5"


@pytest.fixture
def media_root(settings):
    return settings.MEDIA_ROOT  # a fresh folder for each test (tests/conftest.py)


def load_demo() -> str:
    output = StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def snapshot() -> dict:
    return {
        "categories": sorted(Category.objects.values_list("slug", "name", "parent__slug")),
        "products": sorted(Product.objects.values_list(
            "slug", "name", "description", "category__slug", "is_active", "is_featured",
            "rating_average", "rating_count", "created_at", "updated_at",
        )),
        "variants": sorted(Variant.objects.values_list(
            "sku", "product__slug", "size", "color", "price", "compare_at_price", "on_hand",
            "reserved",
        )),
        "images": sorted(ProductImage.objects.values_list("image", "alt_text", "position")),
    }


def test_load_builds_a_two_level_category_tree():
    load_demo()

    top_level = Category.objects.filter(parent=None)
    assert Category.objects.count() >= 12
    assert top_level.count() >= 4
    for department in top_level:
        assert 3 <= department.children.count() <= 4
    assert not Category.objects.filter(parent__parent__isnull=False).exists()
    assert Product.objects.count() >= 200
    assert not Product.objects.filter(category__parent=None).exists()


def test_every_product_has_variants_by_size_or_colour():
    load_demo()

    assert not Product.objects.filter(variants=None).exists()
    variants = list(Variant.objects.all())
    assert all(v.size or v.color for v in variants)
    assert {v.color for v in variants if v.color} <= set(demo.PALETTE)
    assert {v.size for v in variants if v.size} <= CLOTHING_SIZES | SHOE_SIZES
    kinds = {(bool(v.size), bool(v.color)) for v in variants}
    assert kinds == {(True, True), (True, False), (False, True)}
    assert len({v.sku for v in variants}) == len(variants)
    assert all(v.price == v.price.quantize(Decimal("0.01")) > 0 for v in variants)
    assert all(v.compare_at_price is None or v.compare_at_price > v.price for v in variants)
    assert all(v.reserved == 0 for v in variants)
    assert any(v.on_hand == 0 for v in variants)
    assert any(1 <= v.on_hand <= 3 for v in variants)


def test_products_are_featured_inactive_and_on_sale():
    load_demo()

    products = Product.objects.all()
    assert products.filter(is_featured=True, is_active=True).count() == 10
    assert products.filter(is_active=False).count() == 5
    on_sale = products.filter(variants__compare_at_price__isnull=False).distinct().count()
    assert 0.1 < on_sale / products.count() < 0.2
    assert products.order_by("-created_at").first().created_at == demo.NEWEST_AT


def test_the_catalogue_alone_has_no_reviews_and_so_no_ratings():
    load_demo()

    assert not Review.objects.exists()
    assert not Product.objects.exclude(rating_average=None).exists()
    assert not Product.objects.filter(rating_count__gt=0).exists()


def test_the_demos_ratings_are_counted_from_its_reviews():
    load_demo()
    seed_order_history(orders=800)

    assert Review.objects.count() > 50
    assert ratings_unlike_their_rows() == {}
    assert verified_without_an_order() == []
    products = Product.objects.all()
    assert products.filter(rating_count__gt=0).count() > 30
    assert products.filter(rating_average=None, rating_count=0).exists()  # nobody reviewed


def test_a_rating_kept_without_reviews_is_recounted_on_the_next_load():
    load_demo()
    # As a demo database from before kept them: figures with no review behind them.
    Product.objects.filter(slug="stoneware-mug").update(
        rating_average=Decimal("3.40"), rating_count=55
    )

    output = load_demo()

    assert ratings_unlike_their_rows() == {}
    assert "1 rating recounted from reviews" in output


def test_active_products_have_images_that_open(media_root):
    load_demo()

    for product in Product.objects.filter(is_active=True).prefetch_related("images"):
        images = list(product.images.all())
        assert len(images) == 2, product.slug
        for image in images:
            assert image.image.name == f"products/{product.slug}-{image.position + 1}.jpg"
            assert product.name in image.alt_text
            with Image.open(media_root / image.image.name) as picture:
                assert (picture.format, picture.size) == ("JPEG", (600, 600))
                picture.verify()


def test_every_type_of_product_is_drawn_as_its_own_kind():
    nouns = {noun for _, _, aisles in DEPARTMENTS for aisle in aisles for noun, _ in aisle.types}
    assert nouns == set(KIND_OF)
    assert set(TEXT_DROP) == set(KINDS)
    products = {p.slug: p for p in plan_catalogue().products}
    kinds = {slug: products[slug].kind for slug in (
        "stoneware-mug", "down-parka", "organic-cotton-t-shirt", "leather-ankle-boot",
        "roll-top-daypack",
    )}
    assert kinds == {
        "stoneware-mug": "mug", "down-parka": "parka", "organic-cotton-t-shirt": "t-shirt",
        "leather-ankle-boot": "boot", "roll-top-daypack": "backpack",
    }
    assert all(image.kind == p.kind for p in products.values() for image in p.images)


def silhouette(data: bytes) -> Image.Image:
    """The picture's light pixels (the shape on a dark colour) as a black and white mask."""
    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("L").point(lambda level: 255 if level > 235 else 0)


def test_a_mug_and_a_parka_are_not_drawn_as_t_shirts():
    mug = next(p for p in plan_catalogue().products if p.slug == "stoneware-mug")
    front = replace(mug.images[0], colour="Navy")  # a dark colour: the shape is near white
    t_shirt = silhouette(draw_image(replace(front, kind="t-shirt")))
    for kind in ("mug", "parka"):
        shape = silhouette(draw_image(replace(front, kind=kind)))
        differing = ImageChops.difference(shape, t_shirt).histogram()[255]
        assert differing > 0.08 * 600 * 600, kind


def test_pictures_are_the_same_every_time_and_small():
    for product in plan_catalogue().products[::12]:
        for image in product.images:
            data = draw_image(image)
            assert data == draw_image(image)
            assert len(data) < 40_000


def test_second_load_changes_nothing():
    load_demo()
    first = snapshot()

    output = load_demo()

    assert snapshot() == first
    assert "nothing changed" in output


def test_missing_image_file_is_drawn_again(media_root):
    load_demo()
    first = snapshot()
    lost = ProductImage.objects.order_by("pk").first().image.name
    default_storage.delete(lost)

    output = load_demo()

    assert (media_root / lost).is_file()
    assert snapshot() == first
    assert "1 image files" in output


def test_demo_data_is_the_same_on_every_load():
    load_demo()

    for slug, pinned in PINNED_FIRST_VARIANTS.items():
        variant = Variant.objects.filter(product__slug=slug).order_by("position").first()
        assert (variant.sku, variant.price, variant.on_hand) == pinned
    rows = sorted(
        f"{sku}:{price}:{compare_at_price}:{on_hand}"
        for sku, price, compare_at_price, on_hand in Variant.objects.values_list(
            "sku", "price", "compare_at_price", "on_hand"
        )
    )
    assert hashlib.sha256("\n".join(rows).encode()).hexdigest() == PINNED_VARIANTS_DIGEST


def test_the_benchmarks_larger_catalogue_keeps_the_demos_plan_apart():
    demo_plan = plan_catalogue()
    larger = plan_catalogue(products_per_aisle=125, variants_per_product=5)

    assert len(larger.products) == 2000
    assert len({p.slug for p in larger.products}) == 2000
    skus = [v.sku for p in larger.products for v in p.variants]
    assert len(skus) == len(set(skus))
    assert 7500 <= len(skus) <= 9000
    assert all(1 <= len(p.variants) <= 5 for p in larger.products)
    assert all([v.position for v in p.variants] == list(range(len(p.variants)))
               for p in larger.products)
    assert plan_catalogue() == demo_plan  # asking for the larger one moved nothing


def test_a_catalogue_can_be_loaded_without_drawing_its_images(media_root):
    catalogue = plan_catalogue(products_per_aisle=16, variants_per_product=2)

    result = demo.load_demo_catalogue(catalogue, draw_images=False)

    assert result.created["products"] == Product.objects.count() == 256
    assert Variant.objects.count() == sum(len(p.variants) for p in catalogue.products)
    assert ProductImage.objects.count() == 512
    assert result.files_written == 0
    assert not default_storage.exists(catalogue.products[0].images[0].name)
