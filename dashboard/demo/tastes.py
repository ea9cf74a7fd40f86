"""What the demo history's customers put in their baskets (see dashboard.demo.history): their
tastes, and the goods bought together.

Owns Shelves, the catalogue on sale as the history's shoppers see it, with its use cases:
taste (what a customer likes, drawn once from their email address alone), basket (the
variants and quantities of one order) and note_bought (what a customer paid for, which their
later baskets may go with). Every customer has one or two favourite aisles (leaf categories),
a favourite colour or two among those aisles' colours and a price band (the cheap,
mid-priced or dear third of an aisle's products); most of what they buy comes from their
aisles, in their colours and band far more often than not, popular products more often, and
the rest from the whole catalogue by popularity alone. Every product has a few companions,
fixed by the catalogue: goods of a complementary kind (a dress with shoes, a mug with a bowl
or a teapot, a shirt with trousers), from the same department where it has them, close in
colour and price. After an order's first product, half of the others are a companion of one
already in the basket; and a customer who comes back often starts with a companion of
something they bought before.

A taste depends on the customer's email address and the catalogue only, so a customer keeps
it in every seed's history; the companions depend on the catalogue only. Baskets draw from a
generator of their own, named by the seed, apart from the history's other draws.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

from shop.demo.data import KIND_OF

LINE_COUNTS, LINE_COUNT_WEIGHTS = (1, 2, 3, 4), (50, 28, 14, 8)
QUANTITIES, QUANTITY_WEIGHTS = (1, 2, 3), (80, 15, 5)
COMPANION_SHARE = 0.5  # of the products after an order's first: a companion of one in it
# Of the orders of customers who bought before, those that start with a companion of
# something they bought (the shoes for last month's dress).
COME_BACK_FOR_COMPANION = 0.25
TASTE_SHARE = 0.8  # of the others: from the customer's taste, not the whole catalogue
COMPANIONS = 3  # a product's
TWO_AISLES = 0.3  # customers with a second favourite aisle
# Of second favourite aisles, those that hold the first one's companions (shoes for those who
# like dresses), as many as their companions; the others any aisle.
PAIRED_AISLE = 0.8
TWO_COLOURS = 0.5  # customers with a second favourite colour
BANDS = (0.4, 0.35, 0.25)  # customers who buy cheap, mid-priced and dear within an aisle
OFF_COLOUR = 0.05  # how much a colour not the customer's sells to them, beside theirs
BAND_PULL = (1.0, 0.15, 0.03)  # by how many bands a product is from the customer's
# The kinds of goods (shop.demo.data.KINDS) bought with each kind.
COMPLEMENTS = {
    "dress": ("shoe", "boot", "sweater"),
    "sweater": ("dress", "t-shirt", "boot"),
    "t-shirt": ("sweater", "trousers", "shorts", "shoe"),
    "shirt": ("trousers", "jacket", "shoe"),
    "vest": ("t-shirt", "shirt", "jacket"),
    "jacket": ("trousers", "shirt", "boot", "vest", "backpack"),
    "parka": ("boot", "trousers", "sweater"),
    "robe": ("folded linen",),
    "trousers": ("shirt", "shoe", "boot", "jacket"),
    "shorts": ("t-shirt", "shirt", "sandal"),
    "shoe": ("dress", "trousers", "shorts", "backpack", "bottle"),
    "boot": ("dress", "trousers", "parka", "jacket", "backpack"),
    "sandal": ("shorts", "bottle", "bag"),
    "mug": ("bowl", "plate", "teapot", "bottle", "chair"),
    "bowl": ("plate", "mug"),
    "plate": ("bowl", "mug"),
    "teapot": ("mug", "bowl"),
    "folded linen": ("folded linen", "cushion", "robe"),
    "cushion": ("folded linen", "vase", "candle"),
    "vase": ("planter", "candle", "cushion"),
    "planter": ("vase", "candle"),
    "candle": ("vase", "cushion"),
    "bottle": ("backpack", "mug", "chair"),
    "sleeping bag": ("backpack", "chair", "mug"),
    "chair": ("sleeping bag", "bottle", "mug"),
    "backpack": ("bottle", "jacket", "shoe", "boot"),
    "bag": ("bottle", "backpack", "sandal"),
}
# Product names end with their noun ("Heritage Linen Midi Dress"): the longest first, so
# that "Camp Mug" is not read as "Mug".
_NOUNS = sorted(KIND_OF, key=len, reverse=True)


@dataclass(frozen=True)
class Offered:
    """A variant on sale, as the shelves see it."""

    pk: int
    product_id: int
    name: str  # the product's
    aisle_id: int  # its product's category
    department_id: int  # the aisle's parent, or the aisle where it has none
    colour: str
    price: Decimal
    weight: float  # how well it sells to everyone alike


@dataclass(frozen=True)
class Taste:
    aisles: tuple[int, ...]
    colours: frozenset[str]
    band: int  # 0 cheap, 1 mid-priced, 2 dear within an aisle


@dataclass(frozen=True)
class _Shelf:
    """An aisle's variants of one colour in one price band, with their cumulative weights."""

    colour: str
    band: int
    variants: list[Offered]
    cumulative: list[float]


class Shelves:
    """The variants on sale (`offered`, in a fixed order), by aisle, colour and price band,
    and each product's companions; `seed` names the generator baskets are drawn from."""

    def __init__(self, offered: list[Offered], *, seed: int):
        self._rng = random.Random(f"baskets-{seed}")  # noqa: S311 - made-up history
        self._offered = offered
        self._cumulative = list(accumulate(variant.weight for variant in offered))
        self._variants: dict[int, list[Offered]] = defaultdict(list)  # by product
        for variant in offered:
            self._variants[variant.product_id].append(variant)
        bands = _bands(self._variants)
        self._shelves = _shelves(offered, bands)
        self._companions = _companions(self._variants, bands)
        self._aisles = sorted(self._shelves)
        # Aisles with more products have more customers who like them.
        self._sizes = [len({variant.product_id for shelf in self._shelves[aisle]
                            for variant in shelf.variants}) for aisle in self._aisles]
        self._colours = {aisle: Counter(variant.colour for shelf in shelves
                                        for variant in shelf.variants if variant.colour)
                         for aisle, shelves in self._shelves.items()}
        self._paired = _paired_aisles(self._variants, self._companions)
        self._tastes: dict[str, Taste] = {}
        self._by_pk = {variant.pk: variant for variant in offered}
        self._bought: dict[str, list[Offered]] = defaultdict(list)
        self._weights: dict[tuple[int, frozenset[str], int], list[float]] = {}

    def companions(self, product_id: int) -> tuple[int, ...]:
        return self._companions[product_id]

    def taste(self, email: str) -> Taste:
        """The customer's taste, the same every time for the same catalogue."""
        known = self._tastes.get(email)
        if known is None:
            known = self._tastes[email] = self._draw_taste(email)
        return known

    def basket(self, email: str) -> list[tuple[Offered, int]]:
        """The variants of one of the customer's orders, each of another product, and how
        many of each."""
        rng = self._rng
        count = min(rng.choices(LINE_COUNTS, weights=LINE_COUNT_WEIGHTS)[0],
                    len(self._variants))
        taste = self.taste(email)
        chosen: dict[int, Offered] = {}  # by product
        before = self._bought.get(email)
        if before and rng.random() < COME_BACK_FOR_COMPANION:
            variant = self._companion(rng.choice(before), taste)
            if variant is not None:
                chosen[variant.product_id] = variant
        while len(chosen) < count:
            if chosen and rng.random() < COMPANION_SHARE:
                variant = self._companion(rng.choice(list(chosen.values())), taste)
            elif rng.random() < TASTE_SHARE:
                variant = self._to_taste(taste)
            else:
                variant = rng.choices(self._offered, cum_weights=self._cumulative)[0]
            if variant is not None:
                chosen.setdefault(variant.product_id, variant)
        return [(variant, rng.choices(QUANTITIES, weights=QUANTITY_WEIGHTS)[0])
                for variant in chosen.values()]

    def note_bought(self, email: str, variant_ids: list[int]) -> None:
        """The customer paid for these variants: their next baskets may go with them."""
        self._bought[email] += [self._by_pk[pk] for pk in variant_ids]

    def _draw_taste(self, email: str) -> Taste:
        # A generator of the customer's own: their taste is the same in every seed's history.
        rng = random.Random(f"taste-{email}")  # noqa: S311 - made-up history
        favourites = [rng.choices(self._aisles, weights=self._sizes)[0]]
        if len(self._aisles) > 1 and rng.random() < TWO_AISLES:
            favourites.append(self._second_aisle(rng, favourites[0]))
        colours = sum((self._colours[aisle] for aisle in favourites), Counter())
        liked: set[str] = set()
        wanted = 2 if rng.random() < TWO_COLOURS else 1
        while colours and len(liked) < min(wanted, len(colours)):
            names = sorted(colours)
            liked.add(rng.choices(names, weights=[colours[name] for name in names])[0])
        band = rng.choices(range(len(BANDS)), weights=BANDS)[0]
        return Taste(tuple(favourites), frozenset(liked), band)

    def _second_aisle(self, rng: random.Random, first: int) -> int:
        paired = self._paired[first]
        if paired and rng.random() < PAIRED_AISLE:
            weights = [paired[aisle] for aisle in self._aisles]
        else:  # any other, the larger likelier
            weights = [size * (aisle != first)
                       for aisle, size in zip(self._aisles, self._sizes, strict=True)]
        return rng.choices(self._aisles, weights=weights)[0]

    def _to_taste(self, taste: Taste) -> Offered:
        """A variant of one of the customer's aisles: their colours and band far likelier."""
        aisle = self._rng.choice(taste.aisles)
        shelves = self._shelves[aisle]
        key = (aisle, taste.colours, taste.band)
        weights = self._weights.get(key)
        if weights is None:
            weights = self._weights[key] = list(accumulate(
                shelf.cumulative[-1] * BAND_PULL[abs(shelf.band - taste.band)]
                * (1 if not shelf.colour or shelf.colour in taste.colours else OFF_COLOUR)
                for shelf in shelves))
        shelf = self._rng.choices(shelves, cum_weights=weights)[0]
        return self._rng.choices(shelf.variants, cum_weights=shelf.cumulative)[0]

    def _companion(self, anchor: Offered, taste: Taste) -> Offered | None:
        """A variant of one of the companions of `anchor`'s product, in its colour or the
        customer's where it comes in them."""
        companions = self._companions[anchor.product_id]
        if not companions:
            return None
        variants = self._variants[self._rng.choice(companions)]
        colours = taste.colours | {anchor.colour}
        matching = [variant for variant in variants if variant.colour in colours] or variants
        return self._rng.choices(matching, weights=[v.weight for v in matching])[0]


def _bands(variants: dict[int, list[Offered]]) -> dict[int, int]:
    """Each product's price band: the cheapest third of its aisle's products, the middle or
    the dearest."""
    by_aisle: dict[int, list[tuple[Decimal, int]]] = defaultdict(list)
    for product_id, own in variants.items():
        by_aisle[own[0].aisle_id].append((min(v.price for v in own), product_id))
    bands = {}
    for products in by_aisle.values():
        for place, (_, product_id) in enumerate(sorted(products)):
            bands[product_id] = place * len(BANDS) // len(products)
    return bands


def _shelves(offered: list[Offered], bands: dict[int, int]) -> dict[int, list[_Shelf]]:
    grouped: dict[int, dict[tuple[str, int], list[Offered]]] = defaultdict(dict)
    for variant in offered:
        key = (variant.colour, bands[variant.product_id])
        grouped[variant.aisle_id].setdefault(key, []).append(variant)
    return {
        aisle: [_Shelf(colour, band, variants, list(accumulate(v.weight for v in variants)))
                for (colour, band), variants in sorted(shelves.items())]
        for aisle, shelves in grouped.items()
    }


def _paired_aisles(variants: dict[int, list[Offered]], companions: dict[int, tuple[int, ...]]
                   ) -> dict[int, Counter[int]]:
    """For each aisle, how many of its products' companions each other aisle holds."""
    aisle_of = {product_id: own[0].aisle_id for product_id, own in variants.items()}
    paired: dict[int, Counter[int]] = defaultdict(Counter)
    for product_id, others in companions.items():
        aisle = aisle_of[product_id]
        paired[aisle].update(aisle_of[other] for other in others if aisle_of[other] != aisle)
    return paired


def _kind(name: str) -> str | None:
    return next((KIND_OF[noun] for noun in _NOUNS if name.endswith(noun)), None)


def _companions(variants: dict[int, list[Offered]], bands: dict[int, int]
                ) -> dict[int, tuple[int, ...]]:
    """Each product's companions: of the kinds bought with its kind, from its department
    where it has them, else from anywhere; for a product of no known kind, from the other
    aisles of its department, else from its own aisle. The closest in colour and price
    band, with a little chance so that not every dress has the same shoes."""
    rng = random.Random("companions")  # noqa: S311 - made-up history
    products = sorted(variants)
    kind = {pk: _kind(variants[pk][0].name) for pk in products}
    aisle = {pk: variants[pk][0].aisle_id for pk in products}
    department = {pk: variants[pk][0].department_id for pk in products}
    colours = {pk: {v.colour for v in variants[pk] if v.colour} for pk in products}
    of_kind: dict[str | None, list[int]] = defaultdict(list)
    for pk in products:
        of_kind[kind[pk]].append(pk)
    companions = {}
    for pk in products:
        wanted = [other for complement in COMPLEMENTS.get(kind[pk] or "", ())
                  for other in of_kind[complement] if other != pk]
        candidates = (
            [other for other in wanted if department[other] == department[pk]] or wanted
            or [other for other in products
                if department[other] == department[pk] and aisle[other] != aisle[pk]]
            or [other for other in products if aisle[other] == aisle[pk] and other != pk]
        )
        ranked = sorted((abs(bands[pk] - bands[other]) - len(colours[pk] & colours[other])
                         - rng.uniform(0, 1.5), other) for other in candidates)
        companions[pk] = tuple(other for _, other in ranked[:COMPANIONS])
    return companions
