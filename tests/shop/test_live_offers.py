"""The offers read fresh when an order is placed (one statement written out) are the ones the
ORM's query reads, target for target, on SQLite and on PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.models import Promotion
from shop.promotions import live, rules
from tests.factories import CategoryFactory, ProductFactory


@pytest.mark.django_db
def test_the_fresh_read_is_what_the_orm_reads():
    now = timezone.now()
    clothing = CategoryFactory()
    knitwear = CategoryFactory(parent=clothing)
    socks = CategoryFactory(parent=knitwear)
    scarf, hat = ProductFactory(), ProductFactory()

    def offer(name, **fields):
        fields = {"automatic": True, "benefit": "percent", "value": Decimal("12.50"), **fields}
        return Promotion.objects.create(name=name, **fields)

    whole_tree = offer("Clothing", priority=3, min_subtotal=Decimal("40.00"), combines=True)
    whole_tree.categories.add(clothing)
    both = offer("Scarf, hat and socks", ends_at=now + timedelta(hours=1))
    both.products.add(scarf, hat)
    both.categories.add(socks)
    coming = offer("Next week", benefit="buy_x_get_y", buy_quantity=2, free_quantity=1,
                   value=Decimal("0"), starts_at=now + timedelta(days=7))
    everything = offer("Everything", benefit="amount", value=Decimal("5.00"), priority=1)
    # None of these is read: ended, switched off, a code's.
    offer("Ended", starts_at=now - timedelta(days=2), ends_at=now - timedelta(seconds=1)
          ).products.add(scarf)
    offer("Off", is_active=False).categories.add(clothing)
    offer("A code's", automatic=False)

    fresh = live._not_ended()

    assert fresh == live.windows_of(Promotion.objects.filter(
        automatic=True, is_active=True).exclude(ends_at__lte=now))
    by_name = {window.offer.name: window for window in fresh}
    assert list(by_name) == ["Clothing", "Everything", "Scarf, hat and socks", "Next week"]
    assert by_name["Clothing"].offer == rules.Offer(
        id=whole_tree.pk, name="Clothing", benefit="percent", value=Decimal("12.50"),
        category_ids=frozenset({clothing.pk, knitwear.pk, socks.pk}),
        min_subtotal=Decimal("40.00"), priority=3, combines=True,
    )
    assert by_name["Scarf, hat and socks"].offer.product_ids == {scarf.pk, hat.pk}
    assert by_name["Scarf, hat and socks"].offer.category_ids == {socks.pk}
    assert by_name["Scarf, hat and socks"].ends_at == both.ends_at
    assert by_name["Next week"].starts_at == coming.starts_at
    assert (by_name["Next week"].offer.buy, by_name["Next week"].offer.free) == (2, 1)
    assert by_name["Everything"].offer.id == everything.pk
    assert not by_name["Everything"].offer.product_ids | by_name["Everything"].offer.category_ids
    # In force now: all but the one to come.
    assert [offer.name for offer in live.live_offers(fresh=True)] == [
        "Clothing", "Everything", "Scarf, hat and socks"]
