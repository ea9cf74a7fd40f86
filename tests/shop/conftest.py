import pytest

from shop.models import ShippingMethod
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


@pytest.fixture
def standard():
    return ShippingMethod.objects.get(name="Standard")  # $5.00, free from $75.00


@pytest.fixture
def express():
    return ShippingMethod.objects.get(name="Express")  # $15.00, never free
