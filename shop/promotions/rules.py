"""What promotions take off a cart: pure functions of Decimals and plain data, no queries.

The order of play:
1. Automatic offers on items (a percentage or an amount off products or categories, buy X
   get Y). Each is worked out alone; each line then keeps the one that takes most off it
   (the higher priority on a tie), plus those that say they combine. Those are worked out
   again on their lines only, so an amount is shared among the lines it won.
2. At most one order-wide offer (an amount off the whole order, usually above a spend, or
   free shipping): the one that takes most, on what the items cost after step 1.
3. At most one code, on what is left; one that does not combine is refused when an offer
   applied.
Amounts are shared out to lines in cents in proportion to what each line still costs
(largest remainders first), so the lines' discounts add up to the whole exactly, and no
line, nor the shipping, goes below zero. Tax is charged on each line after its discount and
on the shipping after its own.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO, allocate, format_money, to_cents

HUNDRED = Decimal(100)

PERCENT = "percent"
AMOUNT = "amount"
FREE_SHIPPING = "free_shipping"
BUY_X_GET_Y = "buy_x_get_y"


@dataclass(frozen=True)
class Item:
    """One cart line: the product, its category with the categories above it, the price of
    one unit and how many."""

    product_id: int
    category_ids: frozenset[int]
    unit_price: Decimal
    quantity: int

    @property
    def total(self) -> Decimal:
        return to_cents(self.unit_price * self.quantity)


@dataclass(frozen=True)
class Offer:
    """A promotion as the rules need it. No products and no categories: every item."""

    id: int
    name: str
    benefit: str
    value: Decimal = ZERO
    buy: int = 0
    free: int = 0
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    min_subtotal: Decimal | None = None
    priority: int = 0
    combines: bool = False
    automatic: bool = True

    def covers(self, item: Item) -> bool:
        if not self.product_ids and not self.category_ids:
            return True
        return item.product_id in self.product_ids or bool(item.category_ids & self.category_ids)

    @property
    def label(self) -> str:
        """The badge on product cards: “20% off”, “3 for 2”, “$5 off”, “Free shipping”."""
        if self.benefit == PERCENT:
            return f"{self.value.normalize():f}% off"
        if self.benefit == BUY_X_GET_Y:
            return f"{self.buy + self.free} for {self.buy}"
        if self.benefit == AMOUNT:
            return f"{format_money(self.value)} off"
        return "Free shipping"

    def unit_price_after(self, unit_price: Decimal) -> Decimal | None:
        """One unit's price with this offer alone, where the offer changes it."""
        if self.benefit == PERCENT:
            return unit_price - min(to_cents(unit_price * self.value / HUNDRED), unit_price)
        if self.benefit == AMOUNT:
            return max(unit_price - to_cents(self.value), ZERO)
        return None

    @property
    def is_order_wide(self) -> bool:
        """An automatic offer on the order rather than on items: an amount off everything
        (a spend threshold), or free shipping."""
        return self.benefit == FREE_SHIPPING or (
            self.benefit == AMOUNT and not self.product_ids and not self.category_ids
        )


@dataclass(frozen=True)
class Applied:
    """What one offer or code took off: from each line (by index), from the shipping."""

    offer: Offer
    by_line: tuple[Decimal, ...]
    shipping: Decimal = ZERO
    units: int = 0

    @property
    def amount(self) -> Decimal:
        return sum(self.by_line, ZERO) + self.shipping


@dataclass(frozen=True)
class Priced:
    items: tuple[Item, ...]
    line_totals: tuple[Decimal, ...]
    line_discounts: tuple[Decimal, ...]
    line_taxes: tuple[Decimal, ...]
    applied: tuple[Applied, ...]
    shipping: Decimal
    shipping_discount: Decimal
    subtotal: Decimal
    tax: Decimal
    discount: Decimal
    total: Decimal
    hints: tuple[str, ...] = ()
    code_refusal: str = ""  # why the code given does not apply to this cart, or ""

    @property
    def line_offers(self) -> tuple[tuple[str, ...], ...]:
        """The names of what took something off each line."""
        return tuple(
            tuple(a.offer.name for a in self.applied if a.by_line[index])
            for index in range(len(self.items))
        )

    @property
    def item_offer_lines(self) -> tuple[tuple[Decimal, tuple[str, ...]], ...]:
        """What the automatic offers on items took off each line, with their names: what a
        cart line shows, as the product cards do (a code and an order-wide offer are the
        summary's, though their shares are the lines' too)."""
        on_items = [a for a in self.applied if a.offer.automatic and not a.offer.is_order_wide]
        return tuple(
            (sum((a.by_line[index] for a in on_items), ZERO),
             tuple(a.offer.name for a in on_items if a.by_line[index]))
            for index in range(len(self.items))
        )

    @property
    def code_applied(self) -> Applied | None:
        return next((a for a in self.applied if not a.offer.automatic), None)


def price(
    items: Sequence[Item], *, shipping: Decimal, tax_rate: Decimal,
    offers: Iterable[Offer] = (), code: Offer | None = None,
) -> Priced:
    """The cart priced with its automatic `offers` and the promotion of the code entered,
    if any (see the module's docstring for the order of play)."""
    items = tuple(items)
    totals = tuple(item.total for item in items)
    offers = [offer for offer in offers if offer.automatic]
    applied, hints = _item_offers(items, totals, [o for o in offers if not o.is_order_wide])
    left = _left(totals, applied)
    order_wide, more = _order_wide_offer(
        items, left, shipping, [o for o in offers if o.is_order_wide]
    )
    hints += more
    if order_wide:
        applied.append(order_wide)
    refusal = ""
    if code is not None:
        refusal = _code_refusal(code, items, _left(totals, applied), applied)
        if not refusal:
            taken = _apply(code, items, _left(totals, applied), shipping - _shipping_off(applied))
            if taken.amount or code.benefit == FREE_SHIPPING:  # the shipping may come later
                applied.append(taken)
            else:
                refusal = "It takes nothing off what is in your cart."
    return _priced(items, totals, applied, shipping, tax_rate, tuple(hints), refusal)


def _item_offers(
    items: tuple[Item, ...], totals: tuple[Decimal, ...], offers: list[Offer]
) -> tuple[list[Applied], list[str]]:
    hints = [hint for offer in offers if (hint := _hint(offer, items))]
    # An item offer with a minimum spend counts the items' full prices towards it.
    spent = sum(totals, ZERO)
    short = [offer for offer in offers
             if offer.min_subtotal is not None and spent < offer.min_subtotal]
    hints += [f"{format_money(o.min_subtotal - spent)} more for {o.name}." for o in short]
    offers = [offer for offer in offers if offer not in short]
    alone = [taken for offer in offers if (taken := _apply(offer, items, totals)).amount]
    # An offer that takes nothing off a line once worked out on the lines it won (buy X get
    # Y short of its group) gives that line up to the next best, until every line holds.
    given_up: set[tuple[int, int]] = set()
    while True:
        applied = _on_won_lines(items, totals, alone, given_up)
        lost = {
            (taken.offer.id, index) for taken in applied for index in taken.won
            if not taken.by_line[index]
        }
        if not lost:
            return [taken.applied for taken in applied if taken.applied.amount], hints
        given_up |= lost


@dataclass(frozen=True)
class _Won:
    applied: Applied
    won: frozenset[int]

    @property
    def offer(self) -> Offer:
        return self.applied.offer

    @property
    def by_line(self) -> tuple[Decimal, ...]:
        return self.applied.by_line


def _on_won_lines(
    items: tuple[Item, ...], totals: tuple[Decimal, ...], alone: list[Applied],
    given_up: set[tuple[int, int]],
) -> list[_Won]:
    """Each line kept by the offer that takes most off it alone (the higher priority on a
    tie) and by those that combine; each offer then worked out on its lines only, the
    exclusive ones first, those that combine on what is left. A buy X get Y offer also
    counts towards its groups the units paid for on lines no other exclusive offer keeps
    (“3 for 2” across a shirt, a shirt and a cheaper tee); a line it then gives a unit free
    is kept by it from the exclusive offers after it."""
    won: dict[int, set[int]] = {}  # offer id → the lines it keeps
    for index in range(len(items)):
        open_to = [taken for taken in alone
                   if taken.by_line[index] and (taken.offer.id, index) not in given_up]
        best = max(
            (taken for taken in open_to if not taken.offer.combines),
            key=lambda taken: (taken.by_line[index], taken.offer.priority, -taken.offer.id),
            default=None,
        )
        for taken in open_to:
            if taken is best or taken.offer.combines:
                won.setdefault(taken.offer.id, set()).add(index)
    kept = {index for taken in alone if not taken.offer.combines
            for index in won.get(taken.offer.id, ())}
    applied: list[Applied] = []
    result = []
    for taken in sorted(alone, key=lambda taken: (taken.offer.combines, -taken.offer.priority)):
        lines = won.get(taken.offer.id)
        if not lines:
            continue
        counted = set(lines)
        if taken.offer.benefit == BUY_X_GET_Y:
            counted |= {
                index for index, item in enumerate(items)
                if taken.offer.covers(item) and (taken.offer.id, index) not in given_up
                and (taken.offer.combines or index not in kept)
            }
        again = _apply(taken.offer, items, _left(totals, applied), only=counted)
        if not taken.offer.combines:  # a line it gave a unit free is now its own
            kept |= {index for index, amount in enumerate(again.by_line) if amount}
        applied.append(again)
        result.append(_Won(again, frozenset(lines)))
    return result


def _order_wide_offer(
    items: tuple[Item, ...], left: tuple[Decimal, ...], shipping: Decimal, offers: list[Offer]
) -> tuple[Applied | None, list[str]]:
    """The order-wide offer that takes most, and the nearest spend not reached yet (only
    that one is worth a line in the cart: “$12.40 more for $10 off”)."""
    spent = sum(left, ZERO)
    short: list[tuple[Decimal, str]] = []
    candidates = []
    for offer in offers:
        if offer.min_subtotal is not None and spent < offer.min_subtotal:
            gap = offer.min_subtotal - spent
            short.append((gap, f"{format_money(gap)} more for {offer.name}."))
            continue
        taken = _apply(offer, items, left, shipping)
        if taken.amount:
            candidates.append(taken)
    best = max(
        candidates, key=lambda taken: (taken.amount, taken.offer.priority, -taken.offer.id),
        default=None,
    )
    return best, [min(short)[1]] if short else []


def _code_refusal(
    code: Offer, items: tuple[Item, ...], left: tuple[Decimal, ...], applied: list[Applied]
) -> str:
    if applied and not code.combines:
        names = ", ".join(sorted({a.offer.name for a in applied}))
        return (f"It cannot be used with the offer in your cart ({names}). "
                "Remove it to keep the offer.")
    if code.benefit != FREE_SHIPPING and not any(code.covers(item) for item in items):
        return "It is not for the items in your cart."
    spent = sum(left, ZERO)
    if code.min_subtotal is not None and spent < code.min_subtotal:
        gap = code.min_subtotal - spent
        return (f"It needs a spend of {format_money(code.min_subtotal)}: add "
                f"{format_money(gap)} more to use it.")
    return ""


def _apply(
    offer: Offer, items: tuple[Item, ...], left: tuple[Decimal, ...],
    shipping: Decimal = ZERO, *, only: set[int] | None = None,
) -> Applied:
    """What `offer` alone takes off lines that still cost `left` (and off `shipping`),
    on the lines it covers (of `only`, when given)."""
    covered = [
        index for index, item in enumerate(items)
        if offer.covers(item) and (only is None or index in only) and left[index] > 0
    ]
    by_line = [ZERO] * len(items)
    units = sum(items[index].quantity for index in covered)
    if offer.benefit == FREE_SHIPPING:
        return Applied(offer, tuple(by_line), shipping=max(shipping, ZERO))
    if offer.benefit == PERCENT:
        for index in covered:
            by_line[index] = min(to_cents(left[index] * offer.value / HUNDRED), left[index])
    elif offer.benefit == AMOUNT:
        amount = min(to_cents(offer.value), sum((left[i] for i in covered), ZERO))
        for index, share in zip(covered, allocate(amount, [left[i] for i in covered]),
                                strict=True):
            by_line[index] = share
    elif offer.benefit == BUY_X_GET_Y:
        by_line, units = _free_units(offer, items, left, covered)
    return Applied(offer, tuple(by_line), units=units)


def _free_units(
    offer: Offer, items: tuple[Item, ...], left: tuple[Decimal, ...], covered: list[int]
) -> tuple[list[Decimal], int]:
    """Buy X get Y: of every X + Y units covered, Y are free, and those are the cheapest
    units in the cart (“3 for 2”: the cheapest of three). A unit is never worth more than
    what its line still costs."""
    by_line = [ZERO] * len(items)
    group = offer.buy + offer.free
    if group <= 0:
        return by_line, 0
    units = sorted(
        (items[index].unit_price, index) for index in covered
        for _ in range(items[index].quantity)
    )
    free = len(units) // group * offer.free
    for unit_price, index in units[:free]:
        by_line[index] = min(by_line[index] + to_cents(unit_price), left[index])
    return by_line, free


def _hint(offer: Offer, items: tuple[Item, ...]) -> str:
    """What would unlock more of a buy X get Y offer: “Add 1 more to get one free”."""
    if offer.benefit != BUY_X_GET_Y or offer.buy + offer.free <= 0:
        return ""
    have = sum(item.quantity for item in items if offer.covers(item))
    if not have:
        return ""
    short = -have % (offer.buy + offer.free)
    if not short:
        return ""
    free = "one free" if offer.free == 1 else f"{offer.free} free"
    return f"{offer.name}: add {short} more to get {free}."


def _left(totals: tuple[Decimal, ...], applied: list[Applied]) -> tuple[Decimal, ...]:
    return tuple(
        total - sum((a.by_line[index] for a in applied), ZERO)
        for index, total in enumerate(totals)
    )


def _shipping_off(applied: list[Applied]) -> Decimal:
    return sum((a.shipping for a in applied), ZERO)


def _priced(
    items: tuple[Item, ...], totals: tuple[Decimal, ...], applied: list[Applied],
    shipping: Decimal, tax_rate: Decimal, hints: tuple[str, ...], refusal: str,
) -> Priced:
    discounts = tuple(totals[i] - left for i, left in enumerate(_left(totals, applied)))
    shipping_discount = min(_shipping_off(applied), shipping)
    taxes = tuple(to_cents((totals[i] - discounts[i]) * tax_rate) for i in range(len(items)))
    tax = sum(taxes, ZERO) + to_cents((shipping - shipping_discount) * tax_rate)
    subtotal = sum(totals, ZERO)
    discount = sum(discounts, ZERO) + shipping_discount
    return Priced(
        items=items, line_totals=totals, line_discounts=discounts, line_taxes=taxes,
        applied=tuple(applied), shipping=shipping, shipping_discount=shipping_discount,
        subtotal=subtotal, tax=tax, discount=discount,
        total=subtotal + shipping + tax - discount, hints=hints, code_refusal=refusal,
    )
