"""The arithmetic the rebuild and the evaluation share (recommendations.scoring)."""

import pytest

from recommendations import scoring


def test_bought_together_is_scored_so_a_best_seller_does_not_come_first_everywhere():
    # The tee is in every basket; the socks go with the boots far more often than by chance.
    baskets = [{"tee", "boots", "socks"}, {"tee", "boots", "socks"}, {"tee", "boots"},
               *({"tee", n} for n in range(20))]
    ids = {name: n for n, name in enumerate(["tee", "boots", "socks"], start=100)}
    links = scoring.co_purchase([{ids.get(p, p) for p in basket} for basket in baskets])
    boots = dict(links[ids["boots"]])
    assert links[ids["boots"]][0][0] == ids["socks"]
    # 2 together / √(3 * 2), against 3 together / √(3 * 23) for the tee
    assert boots[ids["socks"]] == pytest.approx(2 / 6 ** 0.5)
    assert boots[ids["tee"]] == pytest.approx(3 / 69 ** 0.5)


def test_no_product_is_linked_to_itself_and_each_keeps_its_best(monkeypatch):
    monkeypatch.setattr(scoring, "TOP", 2)
    baskets = [{1, 2, 3, 4, 5}] * 3 + [{1, 2}]
    links = scoring.co_purchase(baskets)
    assert all(product not in dict(others) for product, others in links.items())
    assert all(len(others) == 2 for others in links.values())
    assert links[1][0][0] == 2  # bought together in every basket of either


def test_no_baskets_no_links():
    assert scoring.co_purchase([]) == {}
    assert scoring.similar({1: "a lone product"}) == {}


def test_similar_products_share_rare_words_category_and_colour():
    document = scoring.document
    documents = {
        1: document(name="Linen Midi Dress", description="Cut to move.", categories=["Dresses"],
                    colours=["Navy"], sizes=["S", "M"], price=99),
        2: document(name="Silk Midi Dress", description="Drapes softly.", categories=["Dresses"],
                    colours=["Navy"], sizes=["S"], price=120),
        3: document(name="Linen Shirt", description="Cut to move.", categories=["Shirts"],
                    colours=["White"], sizes=["M"], price=60),
        4: document(name="Stoneware Mug", description="Holds tea.", categories=["Kitchen"],
                    colours=["Grey"], sizes=[], price=18),
    }
    links = scoring.similar(documents)
    assert links[1][0][0] == 2
    assert 1 not in dict(links[1])
    assert 4 not in dict(links[1])  # nothing in common with a dress


def test_similarities_are_the_same_whatever_the_block_size(monkeypatch):
    documents = {n: f"thing {'red' if n % 2 else 'blue'} size{n % 3} word{n % 5}"
                 for n in range(1, 40)}
    whole = scoring.similar(documents)
    monkeypatch.setattr(scoring, "BLOCK_CELLS", 50)  # a block of one row
    assert scoring.similar(documents) == whole


def test_a_chain_fills_up_from_the_next_source_without_repeats_or_exclusions():
    assert scoring.chain([1, 2, 3], [3, 4, 5], [6], exclude={2}, limit=5) == [1, 3, 4, 5, 6]
    assert scoring.chain([1, 1, 1], [2], limit=3) == [1, 2]
    assert scoring.chain([], [], limit=3) == []


def test_for_you_offers_again_what_is_bought_again_and_leaves_out_what_was_bought_once():
    bought = {1: [(10, 0.9), (2, 0.8)], 2: [(11, 0.5)], 3: [(12, 0.4)]}
    similar = {1: [(13, 1.0)]}
    row = scoring.for_you({1: 1, 2: 1, 3: 2}, [], bought, similar, [99, 1, 3], limit=10)
    # 3 (bought in two orders), then 10 (0.9), 11 (0.5), 12 (0.4), 13 (0.1 * 1.0), popular
    assert row == [3, 10, 11, 12, 13, 99]


def test_liked_products_steer_for_you_at_their_weight():
    bought = {5: [(20, 1.0)], 6: [(21, 1.0)]}
    row = scoring.for_you({5: 1}, [6], bought, {}, [], limit=10)
    assert row == [20, 21]  # bought weighs 1, looked at or saved weighs LIKED
    assert scoring.LIKED < 1
