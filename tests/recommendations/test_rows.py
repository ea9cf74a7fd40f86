"""The rows shoppers see, read from the tables a rebuild writes: never the product itself,
an inactive or sold-out product, or one product twice; filled up in order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard import kpis
from dashboard.models import PageViewDay
from recommendations import selectors, services
from recommendations.models import ProductLink, ProductScore
from shop.models import Promotion, Variant
from tests.conftest import empty_cache
from tests.factories import CategoryFactory, UserFactory, WishlistItemFactory
from tests.recommendations.made import paid_order, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    """A small shop: boots are bought with socks and laces; two more boots are alike."""
    footwear, kitchen = CategoryFactory(name="Footwear"), CategoryFactory(name="Kitchen")
    made = {
        "boots": product("Leather Chelsea Boots", footwear, price="180.00"),
        "socks": product("Wool Hiking Socks", footwear, price="15.00"),
        "laces": product("Waxed Boot Laces", footwear, price="6.00"),
        "suede": product("Suede Chelsea Boots", footwear, price="170.00"),
        "desert": product("Suede Desert Boots", footwear, price="160.00"),
        "mug": product("Stoneware Mug", kitchen, price="18.00"),
        "bowl": product("Stoneware Bowl", kitchen, price="22.00"),
    }
    for n in range(4):
        paid_order(f"walker{n}@example.com", made["boots"], made["socks"], made["laces"])
    for n in range(6):
        paid_order(f"cook{n}@example.com", made["mug"], made["bowl"])
    paid_order("one@example.com", made["mug"])
    return made


def names(cards):
    return [card.name for card in cards]


def test_also_bought_comes_first_then_similar_then_the_categorys_best_sellers(shelf):
    services.rebuild()
    rows = selectors.product_rows(shelf["boots"])
    bought = names(rows["bought"])
    assert bought[:2] == ["Wool Hiking Socks", "Waxed Boot Laces"]
    # Nothing else was bought with boots: the row fills up with boots like them.
    assert set(bought[2:]) == {"Suede Chelsea Boots", "Suede Desert Boots"}
    assert "Leather Chelsea Boots" not in bought + names(rows["similar"])


def test_no_product_is_shown_twice_on_a_page(shelf):
    services.rebuild()
    rows = selectors.product_rows(shelf["boots"])
    shown = names(rows["bought"]) + names(rows["similar"])
    assert len(shown) == len(set(shown))


def test_inactive_and_sold_out_products_are_never_shown(shelf):
    services.rebuild()  # before they changed: the rows read today's catalogue anyway
    Variant.objects.filter(product=shelf["socks"]).update(on_hand=0)
    shelf["laces"].is_active = False
    shelf["laces"].save()
    Variant.objects.filter(product=shelf["suede"]).update(on_hand=3, reserved=3)
    empty_cache()
    rows = selectors.product_rows(shelf["boots"])
    shown = names(rows["bought"]) + names(rows["similar"])
    assert not {"Wool Hiking Socks", "Waxed Boot Laces", "Suede Chelsea Boots"} & set(shown)
    assert "Suede Desert Boots" in shown


def test_the_categorys_best_sellers_fill_a_row_without_links(shelf):
    services.rebuild()
    ProductLink.objects.filter(product=shelf["mug"]).delete()
    rows = selectors.product_rows(shelf["mug"])
    assert names(rows["bought"]) == ["Stoneware Bowl"]  # the kitchen's only other product


def test_a_rebuild_shows_at_once_although_rows_are_cached(
    shelf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.rebuild()
    assert "Stoneware Mug" not in names(selectors.product_rows(shelf["boots"])["bought"])
    for n in range(5):
        paid_order(f"camper{n}@example.com", shelf["boots"], shelf["mug"])
    with django_capture_on_commit_callbacks(execute=True):
        services.rebuild()
    assert "Stoneware Mug" in names(selectors.product_rows(shelf["boots"])["bought"])


def test_complete_your_order_goes_with_the_cart_and_leaves_its_products_out(shelf):
    services.rebuild()
    row = names(selectors.cart_row([shelf["boots"].pk, shelf["socks"].pk]))
    assert row[0] == "Waxed Boot Laces"
    assert not {"Leather Chelsea Boots", "Wool Hiking Socks"} & set(row)
    assert len(row) == len(set(row)) <= selectors.ROW
    assert selectors.cart_row([]) == []


def test_complete_your_order_fills_from_the_carts_categories_before_anything_sold(shelf):
    row = names(selectors.cart_row([shelf["mug"].pk]))  # nothing rebuilt: no links, no sales
    assert row == ["Stoneware Bowl"]


def test_for_you_follows_the_customers_orders_and_leaves_out_what_they_bought(shelf):
    customer = UserFactory()
    paid_order(customer.email, shelf["mug"], user=customer)
    services.rebuild()
    row = names(selectors.for_customer(customer, []))
    assert row[0] == "Stoneware Bowl"
    assert "Stoneware Mug" not in row


def test_for_you_keeps_what_the_customer_buys_again(shelf):
    customer = UserFactory()
    paid_order(customer.email, shelf["socks"], user=customer, days_ago=40)
    paid_order(customer.email, shelf["socks"], shelf["mug"], user=customer)
    services.rebuild()
    row = names(selectors.for_customer(customer, []))
    assert "Wool Hiking Socks" in row  # bought in two orders: a thing they come back for
    assert "Stoneware Mug" not in row


def test_for_you_follows_the_wishlist_and_what_was_looked_at(shelf):
    customer = UserFactory()
    WishlistItemFactory(user=customer, product=shelf["mug"])
    services.rebuild()
    assert names(selectors.for_customer(customer, []))[0] == "Stoneware Bowl"
    # Laces are bought with boots and socks about as surely as mugs with bowls.
    assert set(names(selectors.for_customer(customer, [shelf["laces"].pk]))[:3]) == {
        "Leather Chelsea Boots", "Wool Hiking Socks", "Stoneware Bowl",
    }


def test_best_sellers_and_trending_for_everyone(shelf):
    PageViewDay.objects.create(day=kpis.today(), kind=PageViewDay.Kind.PRODUCT,
                               slug=shelf["desert"].slug, views=500)
    services.rebuild()
    rows = selectors.popular_rows()
    assert names(rows["best"])[:2] == ["Stoneware Mug", "Stoneware Bowl"]  # 7 and 6 orders
    assert names(rows["trending"])[0] == "Suede Desert Boots"  # most viewed this week
    assert not set(names(rows["best"])) & set(names(rows["trending"]))
    score = ProductScore.objects.get(product=shelf["mug"])
    assert (score.sold, score.trending) == (7, 70.0)  # 7 orders, each worth ORDER_WEIGHT views


def test_views_older_than_a_week_do_not_trend(shelf):
    PageViewDay.objects.create(day=kpis.today() - timedelta(days=7),
                               kind=PageViewDay.Kind.PRODUCT, slug=shelf["desert"].slug,
                               views=500)
    services.rebuild()
    assert not ProductScore.objects.filter(product=shelf["desert"]).exists()


def test_recently_viewed_latest_first_listed_only_and_not_the_product_shown(shelf):
    shelf["laces"].is_active = False
    shelf["laces"].save()
    viewed = [shelf["mug"].pk, shelf["laces"].pk, shelf["boots"].pk, shelf["bowl"].pk]
    row = names(selectors.recently_viewed(viewed, exclude=[shelf["boots"].pk]))
    assert row == ["Stoneware Mug", "Stoneware Bowl"]


def test_for_you_never_shows_what_was_bought_once_however_long_the_history(shelf, monkeypatch):
    monkeypatch.setattr(selectors, "SEEDS", 1)  # only the latest product steers the row
    customer = UserFactory()
    paid_order(customer.email, shelf["mug"], user=customer, days_ago=30)
    paid_order(customer.email, shelf["boots"], user=customer, days_ago=2)
    services.rebuild()
    row = names(selectors.for_customer(customer, []))
    assert row[:2] == ["Wool Hiking Socks", "Waxed Boot Laces"]  # bought with the boots
    assert "Stoneware Mug" not in row and "Leather Chelsea Boots" not in row


def test_an_offer_that_starts_after_the_rows_were_kept_shows_on_their_cards(shelf, monkeypatch):
    start = timezone.now() + timedelta(hours=1)
    offer = Promotion.objects.create(name="20% off Footwear", automatic=True, benefit="percent",
                                     value=Decimal("20"), starts_at=start)
    offer.categories.add(shelf["socks"].category)
    services.rebuild()
    [socks] = [card for card in selectors.product_rows(shelf["boots"])["bought"]
               if card.pk == shelf["socks"].pk]
    assert socks.offer is None
    later = start + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    [socks] = [card for card in selectors.product_rows(shelf["boots"])["bought"]
               if card.pk == shelf["socks"].pk]
    assert socks.offer.name == "20% off Footwear"
    assert socks.offer_price == Decimal("12.00")
