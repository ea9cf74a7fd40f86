"""The cart as its page, the header and checkout show it: lines with their products, the
stock each line can still have, the promotions that apply and the totals. Three queries,
whatever the number of lines (the lines with their products and the code entered, the
offers in force, and the active shipping methods); a code entered adds those that check it."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from core.money import ZERO
from shop.models import Cart, CartLine, DiscountCode, Product, ShippingMethod, User, Variant
from shop.promotions import quotes
from shop.selectors.catalogue import first_image
from shop.services import cart as cart_services
from shop.services import pricing


@dataclass(frozen=True)
class CartRow:
    line: CartLine
    unit_price: Decimal
    total: Decimal
    available: int
    problem: str  # why this line cannot be bought as it stands, or ""
    discount: Decimal = ZERO  # what the automatic offers on items take off the line
    offers: tuple[str, ...] = ()  # the names of those offers

    @property
    def paid(self) -> Decimal:
        return self.total - self.discount

    @property
    def variant(self) -> Variant:
        return self.line.variant

    @property
    def product(self) -> Product:
        return self.line.variant.product

    @property
    def name(self) -> str:
        return str(self.line.variant)

    @property
    def sku(self) -> str:
        return self.line.variant.sku

    @property
    def quantity(self) -> int:
        return self.line.quantity


@dataclass(frozen=True)
class CartView:
    rows: list[CartRow]
    subtotal: Decimal
    count: int
    shipping_methods: list[ShippingMethod]
    quote: quotes.Quote | None = None

    @property
    def discount(self) -> Decimal:
        """What promotions take off the items (a free-shipping code: at checkout)."""
        return self.subtotal - self.goods

    @property
    def goods(self) -> Decimal:
        """The items after their discounts."""
        return self.quote.goods if self.quote else self.subtotal

    @property
    def code(self) -> DiscountCode | None:
        return self.quote.code if self.quote else None

    @property
    def code_refusal(self) -> str:
        return self.quote.code_refusal if self.quote else ""

    @property
    def hints(self) -> tuple[str, ...]:
        """What would unlock more: “3 for 2: add 1 more to get one free”."""
        return self.quote.priced.hints if self.quote else ()

    @property
    def applied(self) -> list[tuple[str, Decimal]]:
        """Each promotion that applies, with what it takes off the items."""
        if not self.quote:
            return []
        return [(a.offer.name, a.amount) for a in self.quote.priced.applied if a.amount]

    @property
    def can_check_out(self) -> bool:
        return bool(self.rows) and not any(row.problem for row in self.rows)

    @property
    def free_shipping_gap(self) -> tuple[ShippingMethod, Decimal] | None:
        """The cheapest way to free shipping and how much more it needs, if any."""
        for method in self.shipping_methods:
            if method.free_above is not None:
                gap = method.free_above - self.goods
                return (method, gap) if gap > 0 else None
        return None


EMPTY = CartView(rows=[], subtotal=ZERO, count=0, shipping_methods=[])


def cart_lines(cart: Cart | None) -> list[CartLine]:
    if cart is None:
        return []
    return _with_products(cart.lines.all())


def cart_view(cart: Cart | None) -> CartView:
    return _cart_view(cart_lines(cart))


def cart_view_of(*, user: User | None = None, cart_id: int | None = None) -> CartView:
    """The cart of the signed-in `user`, or else the anonymous cart `cart_id`, read through
    its lines without fetching the Cart first. An id whose cart now belongs to someone (merged
    at sign-in) reads as empty, as current_cart() would find no cart."""
    if user is not None:
        lines = CartLine.objects.filter(cart__user=user)
    elif cart_id:
        lines = CartLine.objects.filter(cart_id=cart_id, cart__user=None)
    else:
        return EMPTY
    return _cart_view(_with_products(lines))


def _with_products(lines: QuerySet[CartLine]) -> list[CartLine]:
    return list(
        lines.select_related("variant__product", "cart__discount_code__promotion")
        .annotate(image=first_image("variant__product"))
        .order_by("added_at", "pk")
    )


def _count_held(lines: list[CartLine]) -> None:
    """Units of each line's variant reserved by orders placed from its cart and not paid yet
    (the cart keeps those lines until they are paid, and the units are the shopper's own),
    as `line.held`. One query, and only when a line looks short of stock: otherwise they
    change nothing the page shows."""
    held = dict(
        cart_services.held_by_unpaid_orders(lines[0].cart_id)
        .filter(variant_id__in=[line.variant_id for line in lines])
        .values("variant_id").annotate(units=Sum("quantity")).order_by()
        .values_list("variant_id", "units")
    )
    for line in lines:
        line.held = held.get(line.variant_id, 0)


def _cart_view(lines: list[CartLine]) -> CartView:
    if not lines:
        return EMPTY
    if any(line.quantity > line.variant.available for line in lines):
        _count_held(lines)
    quote = quotes.quote(quotes.items_of(lines), code=lines[0].cart.discount_code)
    priced = quote.priced
    rows = [
        _row(line, discount, offers)
        for line, (discount, offers) in zip(lines, priced.item_offer_lines, strict=True)
    ]
    return CartView(
        rows=rows,
        subtotal=priced.subtotal,
        count=sum(line.quantity for line in lines),
        shipping_methods=list(ShippingMethod.objects.filter(is_active=True)),
        quote=quote,
    )


def _row(line: CartLine, discount: Decimal, offers: tuple[str, ...]) -> CartRow:
    variant = line.variant
    available = max(variant.available + getattr(line, "held", 0), 0)
    if not variant.product.is_listed:
        problem = "No longer sold; please remove it."
    elif available == 0:
        problem = "Sold out; please remove it."
    elif line.quantity > available:
        problem = f"Only {available} left; please lower the quantity."
    else:
        problem = ""
    return CartRow(
        line=line,
        unit_price=variant.price,
        total=pricing.line_total(variant.price, line.quantity),
        available=available,
        problem=problem,
        discount=discount,
        offers=offers,
    )
