"""The labelled set of made orders: what the default threshold catches of each attack and
how few ordinary customers it holds, and the command that prints it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from shop.models import Order, OrderRisk
from shop.risk import labelled

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scored(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        result = labelled.scores()
        transaction.set_rollback(True)
    return result


def test_the_default_threshold_catches_most_attacks_and_few_customers(scored, settings):
    result = labelled.outcome(scored, settings.RISK_REVIEW_THRESHOLD)
    assert result.precision >= 0.9
    assert result.recall >= 0.8
    orders, flagged = result.by_label[labelled.NORMAL]
    assert orders > 500 and flagged / orders <= 0.01
    for attack in (labelled.CARD_TESTING, labelled.ACCOUNT_FARM, labelled.RESHIPPER):
        orders, flagged = result.by_label[attack]
        assert orders >= 20 and flagged / orders >= 0.6, attack


def test_ordinary_customers_have_the_oddities_real_ones_have(scored):
    """The set is not a straw man: some customers trip a rule (and only a few reach the
    threshold), so precision is earned, not given."""
    normal = [score for label, score in scored if label == labelled.NORMAL]
    assert sum(score > 0 for score in normal) >= 40
    assert 0 < sum(score >= 50 for score in normal) < 10


def test_a_lower_threshold_trades_precision_for_recall(scored):
    low, high = labelled.outcome(scored, 20), labelled.outcome(scored, 70)
    assert low.recall > high.recall
    assert low.precision < high.precision


def test_the_set_is_the_same_for_a_seed():
    assert labelled.made_orders(3) == labelled.made_orders(3)
    assert labelled.made_orders(3) != labelled.made_orders(4)


def test_the_command_prints_precision_and_recall_and_leaves_nothing_behind():
    out = StringIO()
    call_command("evaluate_risk", stdout=out)
    text = out.getvalue()
    assert "threshold 50" in text
    assert "Precision" in text and "recall" in text
    for label in labelled.LABELS:
        assert label in text
    assert "(the setting)" in text
    assert not Order.objects.exists()
    assert not OrderRisk.objects.exists()
