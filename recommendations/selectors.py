"""The recommendation rows shoppers see, read from the tables a rebuild wrote.

Every row holds listed products in stock only, each once, never the product or cart it is
shown beside, and fills up from the next source when its own has too few: "Customers also
bought" from similar products, then the category's best sellers (then its most reviewed);
"Similar products" from the category's best sellers; "Complete your order" from what is
bought with and is like the cart's products, then the best sellers, then their categories'
products; "Recommended for you" from the best sellers.

Rows that are the same for everyone (a product's, a cart's, the best sellers and trending)
are cached with the catalogue (shop.caching) and the tables' generation
(recommendations.services); a customer's own rows are read for each request, in a handful
of queries.
"""

from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from recommendations import scoring
from recommendations.models import ProductLink, ProductScore
from recommendations.services import GENERATION_KEY
from shop import caching
from shop.models import OrderLine, Product, WishlistItem
from shop.promotions import live
from shop.selectors.catalogue import with_card_data
from shop.selectors.sellers import approved_shop_count
from shop.selectors.wishlist import wishlisted_ids

ROW = 4  # cards in a row beside a product or a cart
HOME_ROW = 8  # cards in each of the home page's rows
RECENT_ROW = 8
CANDIDATES = 40  # read for a row, so that it still fills when some are sold out
SEEDS = 50  # of a customer's products, the latest bought this many steer "Recommended for you"


def product_rows(product: Product) -> dict[str, list[Product]]:
    """{"bought": customers also bought, "similar": similar products} beside `product`;
    no product is in both."""
    rows = caching.remember("recommended-beside", (product.pk, _generation()),
                            lambda: _product_rows(product))
    _mark_offers(*rows.values())
    return rows


def _product_rows(product: Product) -> dict[str, list[Product]]:
    links = _links_of(product.pk)
    best = _best_sellers(category_ids=[product.category_id])
    beside = {product.pk}
    bought = scoring.chain(links[ProductLink.Source.BOUGHT], links[ProductLink.Source.SIMILAR],
                           best, exclude=beside, limit=CANDIDATES)
    alike = scoring.chain(links[ProductLink.Source.SIMILAR], best, exclude=beside,
                          limit=CANDIDATES)
    cards = _cards([*bought, *alike])
    bought_row = _available(bought, cards, limit=ROW)
    shown = beside | {card.pk for card in bought_row}
    return {"bought": bought_row,
            "similar": _available(alike, cards, limit=ROW, exclude=shown)}


def cart_row(product_ids: Iterable[int]) -> list[Product]:
    """"Complete your order": what is bought with the cart's products, then what is like
    them, then the best sellers, none of the cart's own."""
    in_cart = sorted(set(product_ids))
    row = caching.remember("recommended-cart", (tuple(in_cart), _generation()),
                           lambda: _cart_row(in_cart))
    _mark_offers(row)
    return row


def _cart_row(in_cart: list[int]) -> list[Product]:
    if not in_cart:
        return []
    links = _scored_links(in_cart)
    categories = set(Product.objects.filter(pk__in=in_cart).values_list("category_id", flat=True))
    ranked = scoring.chain(
        scoring.linked(in_cart, links[ProductLink.Source.BOUGHT]),
        scoring.linked(in_cart, links[ProductLink.Source.SIMILAR]),
        _best_sellers(), _best_sellers(category_ids=categories), exclude=in_cart,
        limit=CANDIDATES,
    )
    return _available(ranked, _cards(ranked), limit=ROW)


def for_customer(user: User, viewed: list[int]) -> list[Product]:
    """"Recommended for you": from what the customer bought (the latest SEEDS products
    steer it, none of them is shown unless bought again), saved and looked at lately."""
    purchases = Counter({product: orders for product, orders, _ in (
        OrderLine.objects.filter(order__user=user, order__paid_at__isnull=False,
                                 variant__isnull=False)
        .values_list("variant__product_id")
        .annotate(orders=Count("order_id", distinct=True), last=Max("order__paid_at"))
        .order_by("-last", "variant__product_id")
    )})
    liked = [*WishlistItem.objects.filter(user=user).values_list("product_id", flat=True)[:SEEDS],
             *viewed]
    links = _scored_links([*list(purchases)[:SEEDS], *liked])
    ranked = scoring.for_you(purchases, liked, links[ProductLink.Source.BOUGHT],
                             links[ProductLink.Source.SIMILAR], _best_sellers(),
                             limit=CANDIDATES)
    row = _available(ranked, _cards(ranked), limit=HOME_ROW)
    _mark_offers(row)
    return row


def popular_rows() -> dict[str, list[Product]]:
    """{"best": best sellers, "trending": most viewed and bought in the last days}, for
    everyone; no product is in both."""
    rows = caching.remember("recommended-popular", (_generation(),), _popular_rows)
    _mark_offers(*rows.values())
    return rows


def _popular_rows() -> dict[str, list[Product]]:
    best = _best_sellers()
    trending = list(ProductScore.objects.filter(trending__gt=0).order_by("-trending", "product_id")
                    .values_list("product_id", flat=True)[:CANDIDATES])
    cards = _cards([*best, *trending])
    best_row = _available(best, cards, limit=HOME_ROW)
    return {"best": best_row,
            "trending": _available(trending, cards, limit=HOME_ROW,
                                   exclude={card.pk for card in best_row})}


def recently_viewed(viewed: list[int], *, exclude: Iterable[int] = ()) -> list[Product]:
    """The listed products of `viewed` (latest first) but those of `exclude` (the product
    the page is about, those in its other rows); sold out ones too, as they were looked at."""
    left_out = set(exclude)
    wanted = [pk for pk in viewed if pk not in left_out]
    if not wanted:
        return []
    cards = {card.pk: card for card in _with_cards(Product.objects.filter(pk__in=wanted))}
    row = [cards[pk] for pk in wanted if pk in cards][:RECENT_ROW]
    _mark_offers(row)
    return row


def wishlisted(user: User | AnonymousUser, rows: Iterable[Iterable[Product]]) -> set[int]:
    """Which of the rows' products the customer saved."""
    return wishlisted_ids(user, (card.pk for row in rows for card in row))


# --- reading the tables -------------------------------------------------------------------


def _generation() -> int:
    return cache.get(GENERATION_KEY) or 0


def _links_of(product: int) -> dict[str, list[int]]:
    """Each source's others of `product`, best first."""
    return {source: [other for other, _ in links.get(product, [])]
            for source, links in _scored_links([product]).items()}


def _scored_links(products: list[int]) -> dict[str, scoring.Links]:
    """Each source's links of `products`."""
    found: dict[str, scoring.Links] = {source: {} for source in ProductLink.Source.values}
    for product, source, other, score in (
        ProductLink.objects.filter(product_id__in=products)
        .order_by("product_id", "source", "-score", "other_id")
        .values_list("product_id", "source", "other_id", "score")
    ):
        found[source].setdefault(product, []).append((other, score))
    return found


def _best_sellers(*, category_ids: Iterable[int] | None = None) -> list[int]:
    """The best sellers; of categories, all their products, best sellers first, then the
    most reviewed (a shop that has sold nothing yet still fills its rows)."""
    if category_ids is None:
        return list(ProductScore.objects.filter(sold__gt=0).order_by("-sold", "product_id")
                    .values_list("product_id", flat=True)[:CANDIDATES])
    sold = ProductScore.objects.filter(product=OuterRef("pk")).values("sold")
    return list(
        Product.objects.listed().filter(category_id__in=category_ids)
        .annotate(sold=Coalesce(Subquery(sold), 0))
        .order_by("-sold", "-rating_count", "pk").values_list("pk", flat=True)[:CANDIDATES]
    )


def _with_cards(products: QuerySet[Product]) -> QuerySet[Product]:
    """The listed ones of `products`, with what their cards show."""
    return with_card_data(products.filter(pk__in=Product.objects.listed().values("pk"))).annotate(
        approved_shops=approved_shop_count()
    )


def _cards(product_ids: list[int]) -> dict[int, Product]:
    """The listed products in stock among `product_ids`, with what their cards show."""
    if not product_ids:
        return {}
    cards = _with_cards(Product.objects.filter(pk__in=set(product_ids))).filter(Q(in_stock=True))
    return {card.pk: card for card in cards}


def _mark_offers(*rows: list[Product]) -> None:
    """Give the rows' cards the offers in force now: offers start and end by the clock, so
    they are marked on rows as they are shown, never on rows kept in the cache."""
    live.mark_offers([card for row in rows for card in row], live.live_offers())


def _available(ranked: list[int], cards: dict[int, Product], *, limit: int,
               exclude: set[int] = frozenset()) -> list[Product]:
    return [cards[pk] for pk in scoring.chain(
        (pk for pk in ranked if pk in cards), exclude=exclude, limit=limit)]

