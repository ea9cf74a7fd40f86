"""The variant picker: which variant a shopper's size and colour choice names, and what
each option would lead to. Pure: works on a product's prefetched variants."""

from dataclasses import dataclass
from decimal import Decimal

from shop.models import Product, Variant
from shop.selectors.catalogue import size_rank
from shop.services.cart import MAX_PER_LINE


@dataclass(frozen=True)
class Option:
    value: str
    selected: bool
    in_stock: bool  # some variant with this value, and the other chosen option, is in stock


@dataclass(frozen=True)
class VariantChoice:
    size: str
    color: str
    sizes: list[Option]
    colors: list[Option]
    variant: Variant | None
    lowest_price: Decimal | None

    @classmethod
    def for_product(cls, product: Product, *, size: str = "", color: str = "") -> "VariantChoice":
        variants = list(product.variants.all())
        sizes = sorted({v.size for v in variants if v.size}, key=size_rank)
        colors = list(dict.fromkeys(v.color for v in variants if v.color))
        size = size if size in sizes else ""
        color = color if color in colors else ""
        if not size and not color:
            default = next((v for v in variants if v.available > 0), None)
            if default:
                size, color = default.size, default.color
        variant = next((v for v in variants if (v.size, v.color) == (size, color)), None)

        return cls(
            size=size,
            color=color,
            sizes=[Option(s, s == size, _in_stock(variants, size=s, color=color)) for s in sizes],
            colors=[Option(c, c == color, _in_stock(variants, size=size, color=c)) for c in colors],
            variant=variant,
            lowest_price=min((v.price for v in variants), default=None),
        )

    @property
    def needs(self) -> str:
        """The option still to choose, if any: 'size' or 'colour'."""
        if self.sizes and not self.size:
            return "size"
        if self.colors and not self.color:
            return "colour"
        return ""

    @property
    def status(self) -> str:
        """One short sentence on whether the choice can be bought."""
        if self.needs:
            return f"Choose a {self.needs}."
        if self.lowest_price is None:
            return "Not available at the moment."
        if self.variant is None:
            return "This combination is not made. Try another size or colour."
        if self.variant.available <= 0:
            return "Out of stock."
        if self.variant.is_low_on_stock:
            return f"Only {self.variant.available} left."
        return "In stock."

    @property
    def can_buy(self) -> bool:
        return self.variant is not None and self.variant.available > 0

    @property
    def max_quantity(self) -> int:
        """The most the quantity box offers: what is left, at most what one cart line holds."""
        return min(self.variant.available, MAX_PER_LINE) if self.can_buy else 1

    @property
    def button_label(self) -> str:
        if self.can_buy:
            return "Add to cart"
        return f"Choose a {self.needs}" if self.needs else "Unavailable"


def _in_stock(variants: list[Variant], *, size: str, color: str) -> bool:
    """Whether any variant with these options (an empty one matches all) is in stock."""
    return any(
        v.available > 0 and (not size or v.size == size) and (not color or v.color == color)
        for v in variants
    )
