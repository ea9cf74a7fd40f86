"""The wishlist as pages show it: which products on a page are saved, and the saved
products with what can be bought of each."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, OuterRef, Prefetch, Subquery

from shop.models import Product, User, Variant, WishlistItem
from shop.selectors.catalogue import with_card_data


def wishlisted_ids(user: User | AnonymousUser, product_ids: Iterable[int]) -> set[int]:
    """Which of these products the customer has saved: one query, none for a visitor who
    is not signed in or a page without products."""
    product_ids = list(product_ids)
    if not user.is_authenticated or not product_ids:
        return set()
    return set(
        WishlistItem.objects.filter(user=user, product_id__in=product_ids).values_list(
            "product_id", flat=True
        )
    )


def saved_products(user: User) -> list[Product]:
    """The customer's saved products that are still sold, last saved first, each with what
    a product card shows and `in_stock_variants`, the variants that can be bought now:
    two queries, whatever the number of products."""
    saved = WishlistItem.objects.filter(user=user, product=OuterRef("pk"))
    products = Product.objects.listed().filter(
        pk__in=WishlistItem.objects.filter(user=user).values("product_id")
    )
    in_stock = Variant.objects.filter(on_hand__gt=F("reserved")).order_by("position", "pk")
    return list(
        with_card_data(products)
        .annotate(saved_at=Subquery(saved.values("added_at")[:1]))
        .prefetch_related(Prefetch("variants", queryset=in_stock, to_attr="in_stock_variants"))
        .order_by("-saved_at", "-pk")
    )
