"""Rebuilding the tables from the data, and rescoring one product when it changes."""

import pytest
from django.core.management import call_command

from recommendations import scoring, services, tasks
from recommendations.models import ProductLink
from tests.factories import CategoryFactory
from tests.recommendations.made import paid_order, product

pytestmark = pytest.mark.django_db
SIMILAR = ProductLink.Source.SIMILAR


def similar_to(item) -> list[str]:
    return [link.other.name for link in ProductLink.objects.filter(product=item, source=SIMILAR)
            .select_related("other").order_by("-score", "other_id")]


@pytest.fixture
def kitchen():
    category = CategoryFactory(name="Kitchen")
    return {name: product(name, category, description=text) for name, text in [
        ("Stoneware Mug", "A speckled stoneware mug."),
        ("Stoneware Bowl", "A speckled stoneware bowl."),
        ("Oak Chopping Board", "End-grain oak."),
        ("Linen Tea Towel", "Washed linen."),
    ]}


def test_the_command_rebuilds_both_tables_and_says_what_it_did(kitchen, capsys):
    paid_order("a@example.com", kitchen["Stoneware Mug"], kitchen["Oak Chopping Board"])
    call_command("rebuild_recommendations")
    assert capsys.readouterr().out.strip() == (
        "Scored 4 products from 1 paid order: 2 bought-together and 12 similar links."
    )
    assert similar_to(kitchen["Stoneware Mug"])[0] == "Stoneware Bowl"
    bought = ProductLink.objects.filter(source=ProductLink.Source.BOUGHT)
    assert {(link.product.name, link.other.name) for link in bought} == {
        ("Stoneware Mug", "Oak Chopping Board"), ("Oak Chopping Board", "Stoneware Mug"),
    }


def test_a_rebuild_replaces_what_was_there(kitchen):
    services.rebuild()
    first = set(ProductLink.objects.values_list("product", "other", "source"))
    services.rebuild()
    assert set(ProductLink.objects.values_list("product", "other", "source")) == first


def test_a_changed_product_is_rescored_once_its_change_commits(
    kitchen, django_capture_on_commit_callbacks
):
    services.rebuild()
    board = kitchen["Oak Chopping Board"]
    assert "Oak Chopping Board" not in similar_to(kitchen["Linen Tea Towel"])[:1]
    with django_capture_on_commit_callbacks(execute=True):
        board.name, board.description = "Linen Napkin", "Washed linen napkin."
        board.save()
    assert similar_to(board)[0] == "Linen Tea Towel"
    assert similar_to(kitchen["Linen Tea Towel"])[0] == "Linen Napkin"  # both ways


def test_a_product_taken_off_sale_loses_its_links(kitchen, django_capture_on_commit_callbacks):
    services.rebuild()
    bowl = kitchen["Stoneware Bowl"]
    with django_capture_on_commit_callbacks(execute=True):
        bowl.is_active = False
        bowl.save()
    assert not ProductLink.objects.filter(product=bowl, source=SIMILAR).exists()
    assert not ProductLink.objects.filter(other=bowl, source=SIMILAR).exists()


def test_a_rescored_product_keeps_each_list_to_its_best(kitchen, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    monkeypatch.setattr(scoring, "TOP", 1)
    services.rebuild()
    tea_towel = kitchen["Linen Tea Towel"]
    with django_capture_on_commit_callbacks(execute=True):
        napkin = product("Linen Napkin", tea_towel.category, description="Washed linen napkin.")
    assert similar_to(napkin) == ["Linen Tea Towel"]
    assert similar_to(tea_towel) == ["Linen Napkin"]


def test_a_product_saved_unchanged_keeps_every_list_as_the_rebuild_made_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    # Likeness is mutual but being among the best is not: the napkin's best is the tea towel,
    # while the cloth, most like the napkin, must keep it when the napkin is rescored.
    monkeypatch.setattr(scoring, "TOP", 1)
    category = CategoryFactory(name="Linen")
    made = [product(name, category, description=text) for name, text in [
        ("Linen Napkin", "Washed linen napkin tea."), ("Linen Tea Towel", "Washed linen tea."),
        ("Cleaning Cloth", "A napkin sized cloth."), ("Oak Board", "End-grain oak."),
        ("Oak Spoon", "Carved oak."), ("Glass Jar", "Holds things."),
    ]]
    services.rebuild()
    before = set(ProductLink.objects.filter(source=SIMILAR).values_list("product", "other"))
    assert (made[2].pk, made[0].pk) in before and (made[0].pk, made[2].pk) not in before
    for item in made:
        with django_capture_on_commit_callbacks(execute=True):
            item.save()
        assert set(ProductLink.objects.filter(source=SIMILAR)
                   .values_list("product", "other")) == before, item.name


def test_a_save_of_fields_likeness_does_not_read_rescores_nothing(
    kitchen, django_capture_on_commit_callbacks
):
    mug = kitchen["Stoneware Mug"]
    with django_capture_on_commit_callbacks() as callbacks:
        mug.is_featured = True
        mug.save(update_fields=["is_featured"])
    assert not any("rescore" in repr(callback) for callback in callbacks)
    with django_capture_on_commit_callbacks() as callbacks:
        mug.save(update_fields=["name"])
    assert any("rescore" in repr(callback) for callback in callbacks)


def test_the_periodic_task_rebuilds_the_tables(kitchen):
    result = tasks.rebuild_recommendations.enqueue()
    assert result.return_value == 4  # products scored
    assert ProductLink.objects.filter(source=SIMILAR).exists()
