import pytest

from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, VariantFactory


@pytest.fixture
def tee():
    """A featured tee in Shirts, with one variant (size M, 3 units) and an image."""
    shirts = CategoryFactory(name="Shirts", slug="shirts")
    product = ProductFactory(name="Cotton Tee", slug="cotton-tee", category=shirts,
                             is_featured=True)
    VariantFactory(product=product, sku="TEE-M", size="M", price="20.00", on_hand=3)
    ProductImageFactory(product=product)
    return product
