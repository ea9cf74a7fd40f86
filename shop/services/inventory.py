"""Stock: reserve at checkout, then commit on payment or release when the order does not go
ahead; restock on refund. Available = on_hand − reserved.

Every function locks the variant rows it touches in primary-key order, so two checkouts
wanting the same variants queue instead of deadlocking, and changes them in one UPDATE, so
the number of queries does not grow with the number of lines. The database's check
`0 <= reserved <= on_hand` is the last word. Callers hold the transaction.
"""

from collections.abc import Iterable, Mapping

from django.db.models import Case, F, IntegerField, Value, When

from shop import caching
from shop.errors import OutOfStock
from shop.models import Variant


def lock_variants(variant_ids: Iterable[int]) -> dict[int, Variant]:
    """The variants, locked until the transaction ends, with their products."""
    variants = (
        Variant.objects.select_related("product")
        .select_for_update(of=("self",))
        .filter(pk__in=variant_ids)
        .order_by("pk")
    )
    return {variant.pk: variant for variant in variants}


def reserve_stock(*, quantities: Mapping[int, int]) -> dict[int, Variant]:
    """Reserve every line or none. Raises OutOfStock naming the first line short of stock.

    Returns the locked variants, whose prices are the ones to charge.
    """
    variants = lock_variants(quantities)
    for variant_id, quantity in sorted(quantities.items()):
        variant = variants.get(variant_id)
        if variant is None:
            raise OutOfStock("An item in your cart is no longer sold; please remove it.")
        if not variant.product.is_listed:
            raise OutOfStock(f"“{variant}” is no longer sold; please remove it from your cart.")
        if quantity > variant.available:
            raise OutOfStock(shortage_message(variant, quantity))
    _shift(variants, quantities, reserved=+1)
    return variants


def commit_stock(*, quantities: Mapping[int, int]) -> dict[str, int]:
    """Payment captured: the reserved units leave the shelf. Returns the units each variant
    still has to sell, by SKU: the commit leaves that as it was (the units stopped being
    available when they were reserved), so it is read from the locked rows, no query more."""
    variants = lock_variants(quantities)
    _shift(variants, quantities, on_hand=-1, reserved=-1)
    return {variant.sku: variant.available for variant in variants.values()}


def release_stock(*, quantities: Mapping[int, int]) -> None:
    """The order will not be paid: its reserved units are free again."""
    _shift(lock_variants(quantities), quantities, reserved=-1)


def restock(*, quantities: Mapping[int, int]) -> None:
    """Refunded units came back and can be sold again."""
    _shift(lock_variants(quantities), quantities, on_hand=+1)


def shortage_message(variant: Variant, quantity: int) -> str:
    name = f"“{variant}”"
    if variant.available <= 0:
        return f"{name} is sold out; please remove it from your cart."
    return (
        f"Only {variant.available} of {name} left, and you asked for {quantity}; "
        "please lower the quantity."
    )


def _shift(variants: dict[int, Variant], quantities: Mapping[int, int], **signs: int) -> None:
    """One UPDATE moving each column by its sign times each variant's quantity, on the
    locked `variants` (read before it). Their products' cached pages and entries are
    invalidated, and every listing's only when a variant sells out or comes back."""
    quantities = {pk: n for pk, n in quantities.items() if n}
    if not quantities:
        return
    amount = Case(
        *(When(pk=pk, then=Value(n)) for pk, n in quantities.items()),
        output_field=IntegerField(),
    )
    changes = {
        column: F(column) + amount if sign > 0 else F(column) - amount
        for column, sign in signs.items()
    }
    Variant.objects.filter(pk__in=quantities).update(**changes)
    # Available is on_hand less reserved: how far this moves it, per unit of quantity.
    per_unit = signs.get("on_hand", 0) - signs.get("reserved", 0)
    moved = [variants[pk] for pk in quantities if pk in variants]
    caching.bump_products(variant.product.slug for variant in moved)
    if any((v.available > 0) != (v.available + per_unit * quantities[v.pk] > 0) for v in moved):
        caching.bump_catalogue_version()  # listings show what is in stock
