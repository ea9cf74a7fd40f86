"""The catalogue: a category tree, products, their variants with stock, and images."""

from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse


def search_vector() -> SearchVector:
    """The weighted document a product is searched by, as PostgreSQL stores it in
    `Product.search_document` (shop.migrations.0021_stored_listing_columns)."""
    return SearchVector("name", weight="A", config="english") + SearchVector(
        "description", weight="B", config="english"
    )


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, related_name="children", on_delete=models.PROTECT
    )
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('shop:product-list')}?category={self.slug}"


# The columns a listing's filters read, bar the search: the price indexes hold them too (as
# keys, not INCLUDE, which SQLite lacks), so PostgreSQL filters without reading the rows.
LISTING_FILTERS = ["id", "category", "seller", "is_active", "seller_listed"]
# What shoppers see and may buy (ProductQuerySet.listed), and the indexes of those alone.
LISTED = models.Q(is_active=True, seller_listed=True)


class ProductQuerySet(models.QuerySet):
    def listed(self) -> "ProductQuerySet":
        """What shoppers see and may buy: active products of shops open for business."""
        return self.filter(LISTED)


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, related_name="products", on_delete=models.PROTECT)
    # The store's own products unless another seller's: the store is seller 1, made by the
    # migration that brought sellers in (shop.models.sellers.store_seller_id).
    seller = models.ForeignKey(
        "shop.Seller", related_name="products", on_delete=models.PROTECT, db_default=1
    )
    is_active = models.BooleanField("active", default=True)
    # Whether its seller is approved: kept by the seller services (shop.sellers.services),
    # so hiding a suspended shop's products needs no join on every page.
    seller_listed = models.BooleanField(default=True, editable=False)
    is_featured = models.BooleanField("featured", default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Cached from reviews so listing and sorting by rating never aggregate on the fly.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    # Kept by the database, however a product or variant is written (the ORM, the admin,
    # `update()`, COPY): triggers installed by shop.migrations.0021_stored_listing_columns.
    # The search document, on PostgreSQL only (SQLite searches its FTS5 tables, 0009): ranking
    # reads it rather than parsing every match's name and description again.
    search_document = SearchVectorField(null=True, editable=False)
    # The cheapest and dearest of its variants' prices (None without variants): bounds on the
    # price a listing shows, so sorting by price need not price every match, and whether a
    # product has a variant in a price asked on one side, which decides whether it is listed
    # (shop.selectors.listing, matches).
    lowest_price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    highest_price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    # What reordering its variants assumes (the stock forecasts), where it differs from the
    # shop's REORDER_LEAD_DAYS and REORDER_COVER_DAYS.
    reorder_lead_days = models.PositiveSmallIntegerField(
        "reorder lead time (days)", null=True, blank=True, validators=[MaxValueValidator(60)],
        help_text="Days from ordering more to having it. Empty: the shop's setting.",
    )
    reorder_cover_days = models.PositiveSmallIntegerField(
        "reorder cover (days)", null=True, blank=True, validators=[MaxValueValidator(60)],
        help_text="Days of sales a reorder should last once it arrives. Empty: the shop's "
                  "setting.",
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["is_active", "category"], name="product_active_category"),
            models.Index(fields=["seller", "is_active"], name="product_seller_active"),
            models.Index(fields=["is_active", "-created_at"], name="product_active_newest"),
            models.Index(fields=["is_active", "-rating_average"], name="product_active_rating"),
            # In price order, with what a listing filters by: PostgreSQL walks the cheapest
            # (or dearest) products of a department without reading the rows it passes over.
            models.Index(fields=["lowest_price", *LISTING_FILTERS], name="product_lowest"),
            models.Index(fields=["-highest_price", *LISTING_FILTERS],
                         name="product_highest"),
            # A department's listed products by category: a page bounded by price reads only
            # the few below (or above) the bound, and the first matches the facets count
            # among come without passing over other departments' products.
            models.Index(fields=["category", "lowest_price"], condition=LISTED,
                         name="product_category_lowest"),
            models.Index(fields=["category", "-highest_price"], condition=LISTED,
                         name="product_category_highest"),
            models.Index(fields=["category", "id"], condition=LISTED,
                         name="product_category_listed"),
            GinIndex(fields=["search_document"], name="product_search_document"),
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="product_name_trigram"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("shop:product-detail", args=[self.slug])

    @property
    def is_listed(self) -> bool:
        return self.is_active and self.seller_listed


class Variant(models.Model):
    product = models.ForeignKey(Product, related_name="variants", on_delete=models.CASCADE)
    sku = models.CharField("SKU", max_length=64, unique=True)
    size = models.CharField(max_length=20, blank=True)
    color = models.CharField("colour", max_length=30, blank=True)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    compare_at_price = models.DecimalField(
        "compare-at price", max_digits=10, decimal_places=2, null=True, blank=True,
        help_text="The former price, shown struck through when higher than the price.",
    )
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)

    low_stock_threshold = models.PositiveIntegerField(
        default=5,
        help_text="Staff's low-stock list shows the variant when this many or fewer units are "
                  "available to sell.",
    )

    class Meta:
        ordering = ["position", "pk"]
        # Prices are the catalogue's to change, stock levels fulfilment's (dashboard.roles).
        permissions = [("change_stock", "Can change stock levels")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="variant_reserved_within_on_hand",
                violation_error_message="Reserved units cannot exceed the units on hand.",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="variant_price_not_negative"
            ),
            models.UniqueConstraint(
                fields=["product", "size", "color"], name="variant_options_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "price"], name="variant_product_price"),
            # Whether a product has a variant in a size and a price range, answered from the
            # index alone: a listing asks it of every product until it has found its matches.
            models.Index(fields=["product", "size", "price"], name="variant_product_size_price"),
            models.Index(fields=["size", "product"], name="variant_size_product"),
            models.Index(fields=["color", "product"], name="variant_color_product"),
        ]

    def __str__(self) -> str:
        options = self.options
        return f"{self.product.name} ({options})" if options else self.product.name

    @property
    def options(self) -> str:
        """Its size and colour, as "M / Navy" (empty for a product sold in one kind)."""
        return " / ".join(o for o in (self.size, self.color) if o)

    # Shoppers see "Only n left" from here down, on the product page and the wishlist. Staff's
    # low-stock list and the admin's filter go by each variant's low_stock_threshold instead.
    LOW_STOCK = 5

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_low_on_stock(self) -> bool:
        return 0 < self.available <= self.LOW_STOCK


class ProductImage(models.Model):
    product = models.ForeignKey(Product, related_name="images", on_delete=models.CASCADE)
    image = models.ImageField(upload_to="products/")
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["product", "position"], name="image_product_position")]

    def __str__(self) -> str:
        return self.alt_text or self.image.name
