"""The scale run and the workers comparison: the catalogue copied in bulk as it says, every
address read "with nothing cached" new to the cache, wrk sent the addresses, and each table
judging what it says."""

import pytest

from bench import catalogue, scale, scale_targets, workers
from shop.models import Category, Product, Variant
from tests.factories import CategoryFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_a_catalogue_of_four_copies_has_four_times_the_rows_and_twice_the_aisles(
    postgres, monkeypatch
):
    monkeypatch.setattr(catalogue, "PRODUCTS_PER_AISLE", 5)  # a pattern of 80 products

    seeded = catalogue.seed_catalogue(320)

    assert Product.objects.count() == seeded["products"] == 320
    assert Variant.objects.count() == seeded["variants"]
    assert seeded["variants"] == 4 * Variant.objects.filter(product_id__lte=80).count()
    aisles = Category.objects.filter(parent__isnull=False)
    assert aisles.count() == 2 * 16 and Category.objects.count() == seeded["categories"]
    assert all(aisle.products.count() == 10 for aisle in aisles)
    # The ids went in with the rows: the next product made the usual way follows them.
    assert VariantFactory().product.pk == 321


def test_a_catalogue_is_whole_copies_of_its_pattern(db, monkeypatch):
    monkeypatch.setattr(catalogue, "PRODUCTS_PER_AISLE", 5)

    with pytest.raises(ValueError, match="multiple of 80"):
        catalogue.seed_catalogue(100)


def test_every_address_read_with_nothing_cached_is_new(db):
    department = CategoryFactory()
    for n in range(6):
        VariantFactory(product__category=CategoryFactory(parent=department),
                       price=f"{12 + n}.00", on_hand=20)

    targets = scale_targets.targets(uncached=3)

    assert set(targets) == set(scale.PAGES)
    for name in ("listing", "search", "typo", "detail"):
        addresses = targets[name]["uncached"]
        assert len(set(addresses)) == len(addresses) > 1
        assert targets[name]["path"] not in addresses
    assert len(targets["detail"]["uncached"]) == 5  # every other product's page
    assert targets["cart"]["uncached"] == ["/cart/"] and "cookie" in targets["cart"]


def test_the_minimum_prices_that_bust_the_cache_are_below_every_price():
    addresses = scale_targets._priced("/products/?q=wool", scale_targets.UNCACHED)

    prices = {float(address.rsplit("=", 1)[1]) for address in addresses}
    assert len(prices) == scale_targets.UNCACHED and max(prices) < 12  # the demo's cheapest


def figures(rps: float, *, repeated: bool = False) -> dict:
    return {"rps": rps, "p99_ms": 100.0, "bad": 0, "repeated": repeated, "cpu_ms": 2000 / rps}


def measured(rps_by_size: dict[int, float]) -> dict[int, dict]:
    return {
        size: {name: {way: figures(rps) for way in scale.WAYS} for name in scale.PAGES}
        for size, rps in rps_by_size.items()
    }


SEEDED = {size: {"products": size, "variants": size * 4, "categories": 20, "seconds": 1.0,
                 "analyze_seconds": 0.5} for size in (2_000, 200_000)}


@pytest.mark.parametrize(("rps", "verdict"), [(60, "met"), (40, "**missed**")])
def test_a_page_may_cost_twice_as_much_at_the_largest_size(rps, verdict):
    text = scale.render(measured({2_000: 100, 200_000: rps}), SEEDED, when="now", seconds=10,
                        rounds=1, minutes=1.0)

    row = next(line for line in text.splitlines() if line.startswith("| product page"))
    assert f": {verdict} (by CPU:" in row


def test_the_cost_by_cpu_is_said_beside_the_budget_judged_by_requests_a_second():
    results = measured({2_000: 100, 200_000: 60})
    results[200_000]["search"]["uncached"] |= {"cpu_ms": 75.0}  # 20 ms at 2,000 products

    text = scale.render(results, SEEDED, when="now", seconds=10, rounds=1, minutes=1.0)

    row = next(line for line in text.splitlines()
               if line.startswith("| search `wool` | nothing cached"))
    assert "| 60, 100, 75.0, 1.67× |" in row
    assert row.endswith("| 1.67×: met (by CPU: 3.75×) |")


def test_addresses_read_twice_are_said():
    results = measured({2_000: 100, 200_000: 100})
    results[200_000]["detail"]["uncached"] = figures(300, repeated=True)

    text = scale.render(results, SEEDED, when="now", seconds=10, rounds=1, minutes=1.0)

    assert "(addresses repeated)" in text


def test_the_workers_table_names_each_configuration():
    pages = {name: {"rps": 100.0, "p99_ms": 50.0, "bad": 0} for name in workers.PAGES}

    text = workers.render({("sync", 2, 1): pages, ("gthread", 2, 4): pages}, when="now",
                          seconds=10, rounds=2, minutes=1.0)

    assert "| sync 2 | 100, 50 |" in text and "| gthread 2 × 4 |" in text
