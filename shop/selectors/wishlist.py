"""The wishlist as pages show it: which products (and shops) on a page are saved, the saved
products with what can be bought of each, and the saved shops."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Prefetch, Subquery

from shop import caching
from shop.models import Product, SavedSeller, Seller, User, Variant, WishlistItem
from shop.selectors.catalogue import with_card_data

SAVED = {"products": (WishlistItem, "product_id"), "shops": (SavedSeller, "seller_id")}


def wishlisted_ids(user: User | AnonymousUser, product_ids: Iterable[int]) -> set[int]:
    """Which of these products the customer has saved: from saved_by, so none for a visitor
    who is not signed in or a page without products."""
    return _saved_ids("products", user, product_ids)


def saved_seller_ids(user: User | AnonymousUser, seller_ids: Iterable[int]) -> set[int]:
    """Which of these shops the customer has saved, as wishlisted_ids says of products."""
    return _saved_ids("shops", user, seller_ids)


def _saved_ids(kind: str, user: User | AnonymousUser, ids: Iterable[int]) -> set[int]:
    ids = set(ids)
    if not user.is_authenticated or not ids:
        return set()
    return ids & saved_by(user, kind)


def saved_keys(user: User) -> list[str]:
    """The cache keys saved_by reads, for shop.caching.read_ahead."""
    return caching.customer_keys(user.pk, *(f"saved-{kind}" for kind in SAVED))


def saved_by(user: User, kind: str) -> frozenset[int]:
    """The ids of every product ("products") or shop ("shops") the customer has saved, kept
    a minute at most and dropped when they save or drop one (shop.caching.remember_customer):
    one query then, none until the next."""
    model, field = SAVED[kind]
    return caching.remember_customer(
        user.pk, f"saved-{kind}",
        lambda: frozenset(model.objects.filter(user=user).values_list(field, flat=True)),
    )


def wishlist_page(user: User) -> dict:
    """The saved products and the saved shops. The products' query also says whether any
    shop is saved, so a wishlist of products alone costs no query more than before shops."""
    products = saved_products(user)
    shops = saved_shops(user) if not products or products[0].shops_saved else []
    return {"products": products, "shops": shops}


def saved_shops(user: User) -> list[Seller]:
    """The customer's saved shops that are open, last saved first: one query."""
    saved = SavedSeller.objects.filter(user=user, seller=OuterRef("pk"))
    return list(
        Seller.objects.approved()
        .filter(Exists(saved))
        .annotate(saved_at=Subquery(saved.values("created_at")[:1]))
        .order_by("-saved_at", "-pk")
    )


def saved_products(user: User) -> list[Product]:
    """The customer's saved products that are still sold, last saved first, each with what
    a product card shows, `in_stock_variants`, the variants that can be bought now, and
    `shops_saved`, whether the customer has saved any shop: two queries, whatever the
    number of products."""
    saved = WishlistItem.objects.filter(user=user, product=OuterRef("pk"))
    products = Product.objects.listed().filter(
        pk__in=WishlistItem.objects.filter(user=user).values("product_id")
    )
    in_stock = Variant.objects.filter(on_hand__gt=F("reserved")).order_by("position", "pk")
    return list(
        with_card_data(products)
        .annotate(
            saved_at=Subquery(saved.values("added_at")[:1]),
            shops_saved=Exists(SavedSeller.objects.filter(user=user)),
        )
        .prefetch_related(Prefetch("variants", queryset=in_stock, to_attr="in_stock_variants"))
        .order_by("-saved_at", "-pk")
    )
