from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from shop.models import Category, Order, Product, ProductImage, User, Variant

PASSWORD = "a long enough password"  # every test user's


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    password = factory.django.Password(PASSWORD)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A plain, useful thing."
    category = factory.SubFactory(CategoryFactory)


class VariantFactory(DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    size = "M"
    color = ""
    price = Decimal("20.00")
    on_hand = 10


class ProductImageFactory(DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(width=32, height=32, color="teal")
    alt_text = "A product photo"


class OrderFactory(DjangoModelFactory):
    """An order row as checkout writes it, without lines or reserved stock: enough for lists
    and filters. Place a real order (tests.shop.buying) when lines or stock matter."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"TEST-{n:06d}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    full_name = "Ada Lovelace"
    line1 = "12 St James's Square"
    city = "Springfield"
    postal_code = "62701"
    country = "US"
    currency = "USD"
    subtotal = Decimal("40.00")
    shipping_total = Decimal("5.00")
    tax_total = Decimal("0.00")
    discount_total = Decimal("0.00")
    # The database checks that the total adds up.
    total = factory.LazyAttribute(
        lambda o: o.subtotal + o.shipping_total + o.tax_total - o.discount_total
    )
    tax_rate = Decimal("0.0000")
    shipping_method_name = "Standard"
    payment_provider = "test"


class AddressFactory(DjangoModelFactory):
    class Meta:
        model = "shop.Address"

    user = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"Customer {n}")
    line1 = factory.Sequence(lambda n: f"{n} Main Street")
    city = "Springfield"
    region = "IL"
    postal_code = "62701"
    country = "US"


class WishlistItemFactory(DjangoModelFactory):
    class Meta:
        model = "shop.WishlistItem"

    user = factory.SubFactory(UserFactory)
    product = factory.SubFactory(ProductFactory)


class ReviewFactory(DjangoModelFactory):
    """A review row as it stands, without recounting the product's cached rating: use
    shop.services.reviews.submit_review when the rating matters."""

    class Meta:
        model = "shop.Review"

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(UserFactory)
    rating = 4
    title = factory.Sequence(lambda n: f"Review {n}")
    body = "Does what it says."


class OrderLineFactory(DjangoModelFactory):
    """A line of an order, its snapshot taken from the variant."""

    class Meta:
        model = "shop.OrderLine"

    order = factory.SubFactory("tests.factories.OrderFactory")
    variant = factory.SubFactory(VariantFactory)
    product_name = factory.LazyAttribute(lambda o: o.variant.product.name)
    sku = factory.LazyAttribute(lambda o: o.variant.sku)
    unit_price = factory.LazyAttribute(lambda o: o.variant.price)
    quantity = 1
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)
