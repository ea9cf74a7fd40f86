"""`manage.py evaluate_recommendations` on a small made history whose answer is known."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from recommendations import evaluation
from recommendations.history import Basket
from tests.factories import CategoryFactory
from tests.recommendations.made import paid_order, product

START = datetime(2026, 1, 1, tzinfo=UTC)
# A tent goes with a stove, a kettle with a teapot; everybody buys batteries.
TENT, STOVE, KETTLE, TEAPOT, BATTERIES, ROPE = range(1, 7)
DOCUMENTS = {TENT: "tent camping", STOVE: "stove camping", KETTLE: "kettle kitchen",
             TEAPOT: "teapot kitchen", BATTERIES: "batteries", ROPE: "rope"}


def history() -> list[Basket]:
    baskets = []

    def bought(customer, *products):
        n = len(baskets) + 1
        baskets.append(Basket(n, customer, START + timedelta(days=n), frozenset(products)))

    for n in range(10):
        bought(f"camper{n}", TENT, STOVE)
        bought(f"cook{n}", KETTLE, TEAPOT)
        bought(f"shopper{n}", BATTERIES)
        bought(f"shopper{n}", BATTERIES, ROPE)
        bought(f"handy{n}", BATTERIES, ROPE)
    bought("ann", TENT)
    bought("ann", STOVE)  # held out: ann's last order
    bought("bob", KETTLE)
    bought("bob", BATTERIES, TEAPOT)  # held out
    return baskets


def test_the_held_out_orders_are_found_by_what_is_bought_together():
    result = evaluation.evaluate(history(), DOCUMENTS, k=1)
    # ann and bob, and ten shoppers whose second order held rope beside their batteries
    assert (result.customers, result.buyers, result.catalogue) == (12, 42, 6)
    also = result.score("Customers also bought")
    # ann is shown the stove and bob the teapot; a shopper, who bought batteries, is shown
    # rope (bought with batteries by the handy ones; the shoppers' own are held out).
    assert also.hit_rate == 1.0
    assert also.reciprocal_rank == 1.0
    assert also.coverage == pytest.approx(3 / 6)
    baseline = result.score(evaluation.BASELINE)
    # The best seller is the batteries: bob is shown them and bought them, ann too but she
    # did not; the shoppers, who have them, are shown the next best seller, the tent.
    assert baseline.hit_rate == pytest.approx(1 / 12)
    assert baseline.coverage == pytest.approx(2 / 6)
    assert result.lift("Customers also bought") == pytest.approx(12.0)


def test_mean_reciprocal_rank_counts_the_place_of_the_first_hit():
    result = evaluation.evaluate(history(), DOCUMENTS, k=10)
    baseline = result.score(evaluation.BASELINE)
    assert baseline.hit_rate == 1.0  # with ten places there are only six products
    assert 0 < baseline.reciprocal_rank < 1


def test_nothing_to_measure_without_second_orders():
    once = [Basket(1, "ann", START, frozenset({TENT}))]
    result = evaluation.evaluate(once, DOCUMENTS)
    assert result.customers == 0
    assert result.score(evaluation.BASELINE).hit_rate == 0.0
    assert result.lift("Customers also bought") is None


@pytest.mark.django_db
def test_the_command_prints_each_source_beside_the_baseline(capsys):
    gear = CategoryFactory(name="Camping")
    tent, stove, lamp = (product(name, gear) for name in ("Tent", "Camp Stove", "Reading Lamp"))
    for n in range(5):
        paid_order(f"camper{n}@example.com", tent, stove, days_ago=10)
    for n in range(8):
        paid_order(f"reader{n}@example.com", lamp, days_ago=10)
    paid_order("ann@example.com", tent, days_ago=5)
    paid_order("ANN@example.com", stove, days_ago=2)  # the same customer
    paid_order("bob@example.com", tent, days_ago=5)
    paid_order("bob@example.com", stove, days_ago=2)
    paid_order("cid@example.com", stove, days_ago=5)
    paid_order("cid@example.com", lamp, days_ago=2)
    call_command("evaluate_recommendations", "-k", "1")
    out = capsys.readouterr().out
    assert "Held out the last paid order of 3 customers (of 16 with a paid order)" in out
    lines = {line[:26].strip(): line[26:].split() for line in out.splitlines()[2:] if line}
    # ann and bob are shown the stove, cid the tent; the best seller, the lamp, to everyone.
    assert lines["Customers also bought"] == ["66.7%", "0.667", "66.7%", "2.00"]
    assert lines[evaluation.BASELINE] == ["33.3%", "0.333", "33.3%", "1.00"]


@pytest.mark.django_db
def test_the_command_says_when_there_is_nothing_to_measure(capsys):
    call_command("evaluate_recommendations")
    assert "Nothing to measure" in capsys.readouterr().out
