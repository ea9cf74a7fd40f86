"""The facts the risk rules read, counted from the risk rows of the orders around an order,
and the risk row written when an order is placed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.models import Order, OrderRisk
from shop.risk import facts as facts_module
from shop.risk.facts import address_key, email_key, gather, replaying, usual_total
from shop.services.risk import record_placement
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
D = Decimal
HOUR = timedelta(hours=1)
IP, CARD = "203.0.113.7", "fp_card_1"


# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    ["ada@example.com", "Ada@Example.COM", " ada@example.com ", "ada+shop@example.com",
     "ADA+Shop+2@example.com"],
)
def test_the_email_key_is_the_mailbox(email):
    assert email_key(email) == "ada@example.com"


def test_a_plus_in_the_domain_part_is_not_a_tag():
    assert email_key("ada@ex+ample.com") == "ada@ex+ample.com"
    assert email_key("bob@example.com") != email_key("ada@example.com")


def test_the_address_key_is_line1_postal_code_and_country_in_letters_and_digits():
    address = {"line1": "12 St James's Square", "line2": "Suite 4", "postal_code": "SW1Y 4LB",
               "country": "GB", "city": "London"}
    assert address_key(address) == "12stjamesssquare|sw1y4lb|gb"
    # The flat or suite is what a reshipper varies.
    assert address_key(address | {"line2": "Suite 918"}) == address_key(address)
    assert address_key(address | {"line1": "12, ST. JAMES'S SQUARE.",
                                  "postal_code": "sw1y-4lb", "country": "gb"}) == (
        address_key(address))
    assert address_key(address | {"line1": "14 St James's Square"}) != address_key(address)


def test_the_address_key_of_missing_parts():
    assert address_key({"line1": None, "country": "US"}) == "||us"


# --- the orders around an order ---------------------------------------------------------------


@pytest.fixture
def placed_at():
    return timezone.now() - timedelta(days=2)


@pytest.fixture
def risk(placed_at):
    """The order being scored: its risk row, with a client address and a card."""
    order = OrderFactory(email="Ada+shop@Example.com", line1="1 Risk Road", postal_code="90210")
    return OrderRisk.objects.create(
        order=order, placed_at=placed_at, email_key=email_key(order.email),
        address_key=address_key(order.address_values()), client_ip=IP, card_fingerprint=CARD,
    )


def other(at, **fields) -> OrderRisk:
    """Another order's risk row, placed `at`, sharing with the scored order only `fields`."""
    order = OrderFactory()
    defaults = {"email_key": email_key(order.email), "address_key": f"elsewhere|{order.pk}"}
    return OrderRisk.objects.create(order=order, placed_at=at, **(defaults | fields))


def facts_of(risk, **kwargs):
    return gather(risk.order, risk, **kwargs)


SOURCES = [("email_key", "orders_by_email"), ("client_ip", "orders_by_client"),
           ("address_key", "orders_to_address"), ("card_fingerprint", "orders_by_card")]
COUNTS = [count for _, count in SOURCES]


@pytest.mark.parametrize(("field", "count"), SOURCES, ids=[f for f, _ in SOURCES])
def test_other_orders_from_the_same_source_within_a_day(risk, placed_at, field, count):
    same = {field: getattr(risk, field)}
    other(placed_at - HOUR, **same)
    other(placed_at - 23 * HOUR, **same)
    other(placed_at + HOUR / 2, **same)  # after the order, before the moment it is scored
    other(placed_at - 25 * HOUR, **same)  # a day before the order
    other(placed_at - 24 * HOUR, **same)  # exactly a day before: out
    other(placed_at + 2 * HOUR, **same)  # after the moment it is scored
    other(placed_at - HOUR)  # from elsewhere
    found = facts_of(risk, as_of=placed_at + HOUR)
    assert {name: getattr(found, name) for name in COUNTS} == {
        name: 3 if name == count else 0 for name in COUNTS}


def test_one_order_from_several_sources_counts_for_each(risk, placed_at):
    other(placed_at - HOUR, email_key=risk.email_key, client_ip=IP,
          card_fingerprint=CARD, address_key=risk.address_key)
    found = facts_of(risk, as_of=placed_at)
    assert [getattr(found, name) for name in COUNTS] == [1, 1, 1, 1]


def test_an_order_without_a_client_address_or_card_matches_no_other_without_them(placed_at):
    """An empty client address or card is no source: orders without one are not alike."""
    order = OrderFactory(line1="2 Quiet Lane")
    risk = OrderRisk.objects.create(order=order, placed_at=placed_at,
                                    email_key=email_key(order.email),
                                    address_key=address_key(order.address_values()))
    other(placed_at - HOUR, failed_tries=4)
    other(placed_at - HOUR, client_ip=None, card_fingerprint="", failed_tries=2)
    found = facts_of(risk, as_of=placed_at)
    assert (found.orders_by_client, found.orders_by_card, found.failed_tries) == (0, 0, 0)
    assert (found.emails_at_address, found.emails_on_card) == (0, 0)


def test_failed_tries_from_the_same_email_client_or_card_and_the_orders_own(risk, placed_at):
    risk.failed_tries = 1
    risk.save()
    other(placed_at - HOUR, email_key=risk.email_key, failed_tries=2)
    other(placed_at - HOUR, client_ip=IP, failed_tries=1)
    other(placed_at - HOUR, card_fingerprint=CARD, failed_tries=3)
    other(placed_at - HOUR, email_key=risk.email_key, client_ip=IP, failed_tries=4)  # once
    # Not counted: only the street address is shared, from elsewhere, more than a day before.
    other(placed_at - HOUR, address_key=risk.address_key, failed_tries=5)
    other(placed_at - HOUR, failed_tries=6)
    other(placed_at - 25 * HOUR, card_fingerprint=CARD, failed_tries=7)
    assert facts_of(risk, as_of=placed_at).failed_tries == 1 + 2 + 1 + 3 + 4


def test_the_orders_own_failed_tries_count_with_no_other_order(risk, placed_at):
    risk.failed_tries = 2
    assert facts_of(risk, as_of=placed_at).failed_tries == 2


def test_other_customers_at_the_address_and_on_the_card_within_30_days(risk):
    now = timezone.now()
    for email in ("bo@example.com", "cy@example.com", "cy@example.com"):
        other(now - 10 * 24 * HOUR, email_key=email, address_key=risk.address_key)
    for email in ("di@example.com", "ed@example.com"):
        other(now - 29 * 24 * HOUR, email_key=email, card_fingerprint=CARD)
    # Not counted: the customer's own orders, a customer more than 30 days ago.
    other(now - HOUR, email_key=risk.email_key, address_key=risk.address_key,
          card_fingerprint=CARD)
    other(now - 31 * 24 * HOUR, email_key="fay@example.com", address_key=risk.address_key,
          card_fingerprint=CARD)
    found = facts_of(risk)
    assert (found.emails_at_address, found.emails_on_card) == (2, 2)


def test_other_customers_are_counted_as_of_the_moment(risk, placed_at):
    other(placed_at + 2 * HOUR, email_key="bo@example.com", card_fingerprint=CARD)
    assert facts_of(risk, as_of=placed_at + HOUR).emails_on_card == 0
    assert facts_of(risk, as_of=placed_at + 3 * HOUR).emails_on_card == 1


@pytest.fixture
def up_to_4(monkeypatch):
    """Counting stops at 4 here, not at 50, to keep the rows few."""
    monkeypatch.setattr(facts_module, "COUNTED_UP_TO", 4)


@pytest.mark.parametrize(("field", "count"), SOURCES, ids=[f for f, _ in SOURCES])
def test_the_orders_from_a_source_are_counted_up_to_the_limit(risk, placed_at, up_to_4,
                                                               field, count):
    for _ in range(6):
        other(placed_at - HOUR, **{field: getattr(risk, field)})
    assert getattr(facts_of(risk, as_of=placed_at), count) == 4


def test_orders_read_for_two_sources_are_still_counted_up_to_the_limit(risk, placed_at,
                                                                       up_to_4):
    for _ in range(6):
        other(placed_at - 2 * HOUR, email_key=risk.email_key, client_ip=IP)
        other(placed_at - HOUR, client_ip=IP)
    found = facts_of(risk, as_of=placed_at)
    assert (found.orders_by_email, found.orders_by_client) == (4, 4)


def test_the_days_orders_are_counted_exactly_however_many_the_month_holds(risk, placed_at,
                                                                          up_to_4):
    for _ in range(6):
        other(placed_at - 10 * 24 * HOUR, email_key=risk.email_key)
    other(placed_at - HOUR, email_key=risk.email_key)
    other(placed_at - 2 * HOUR, email_key=risk.email_key)
    assert facts_of(risk, as_of=placed_at).orders_by_email == 2


def test_failed_tries_are_counted_up_to_the_limit(risk, placed_at, up_to_4):
    risk.failed_tries = 1
    other(placed_at - HOUR, client_ip=IP, failed_tries=2)
    assert facts_of(risk, as_of=placed_at).failed_tries == 3
    other(placed_at - HOUR, card_fingerprint=CARD, failed_tries=2)
    assert facts_of(risk, as_of=placed_at).failed_tries == 4
    for _ in range(5):
        other(placed_at - HOUR, email_key=risk.email_key, failed_tries=3)
    assert facts_of(risk, as_of=placed_at).failed_tries == 4


def test_other_customers_are_those_of_the_latest_orders_up_to_the_limit(risk, up_to_4):
    """An address a thousand customers ship to costs no more than one with a few: the other
    customers are counted among its latest orders."""
    now = timezone.now()
    for n, email in enumerate(("bo@example.com", "cy@example.com", "di@example.com")):
        other(now - (20 - n) * 24 * HOUR, email_key=email, address_key=risk.address_key)
        other(now - (20 - n) * 24 * HOUR, email_key=email, card_fingerprint=CARD)
    assert (facts_of(risk).emails_at_address, facts_of(risk).emails_on_card) == (3, 3)
    for _ in range(3):
        other(now - 5 * 24 * HOUR, email_key="ed@example.com", address_key=risk.address_key)
    # The latest four orders there: ed's three and di's.
    assert (facts_of(risk).emails_at_address, facts_of(risk).emails_on_card) == (2, 3)
    for _ in range(4):
        other(now - 24 * HOUR, email_key="fay@example.com", card_fingerprint=CARD)
    assert (facts_of(risk).emails_at_address, facts_of(risk).emails_on_card) == (2, 1)


def test_the_facts_of_the_order_itself(risk):
    risk.billing_country, risk.provider_risk_level, risk.provider_risk_score = "GB", "elevated", 70
    found = facts_of(risk, provider="Card (Stripe)")
    assert (found.total, found.currency, found.shipping_country) == (D("45.00"), "USD", "US")
    assert (found.email_domain, found.billing_country) == ("example.com", "GB")
    assert (found.provider, found.provider_risk_level, found.provider_risk_score) == (
        "Card (Stripe)", "elevated", 70)
    assert [getattr(found, name) for name in COUNTS] == [0, 0, 0, 0]


# --- first order ------------------------------------------------------------------------------


def test_a_first_order_until_the_same_email_has_paid(risk, placed_at):
    earlier = OrderFactory(email="ADA+SHOP@example.com")
    assert facts_of(risk).first_order
    earlier.paid_at = placed_at - HOUR
    earlier.save()
    assert not facts_of(risk).first_order


def test_paying_for_the_order_itself_does_not_make_it_a_repeat(risk):
    risk.order.paid_at = timezone.now()
    risk.order.save()
    assert facts_of(risk).first_order


def test_an_order_paid_after_the_moment_does_not_count(risk, placed_at):
    OrderFactory(email=risk.order.email, paid_at=placed_at + 2 * HOUR)
    assert facts_of(risk, as_of=placed_at + HOUR).first_order
    assert not facts_of(risk, as_of=placed_at + 3 * HOUR).first_order


def test_another_customers_paid_order_does_not_count(risk):
    OrderFactory(email="bo@example.com", paid_at=timezone.now() - HOUR)
    assert facts_of(risk).first_order


# --- the usual order --------------------------------------------------------------------------


def paid(total, *, at=None, currency="USD") -> Order:
    return OrderFactory(subtotal=D(total), shipping_total=D("0.00"), currency=currency,
                        status=Order.Status.PAID,
                        paid_at=at or timezone.now() - timedelta(days=1))


def test_no_usual_order_below_20_paid_orders():
    for _ in range(19):
        paid("50.00")
    assert usual_total(currency="USD") is None


def test_the_usual_order_is_the_median_paid_order():
    """The middle two of these 20 orders are alike: the median is theirs, not the mean."""
    for total in ["10.00"] * 9 + ["45.00"] * 2 + ["500.00"] * 9:
        paid(total)
    assert usual_total(currency="USD", as_of=timezone.now()) == D("45.00")
    paid("5000.00")  # one very large order does not move it
    assert usual_total(currency="USD", as_of=timezone.now()) == D("45.00")


def test_the_usual_order_of_21_is_the_middle_one():
    for total in range(1, 22):
        paid(f"{total}.00")
    assert usual_total(currency="USD", as_of=timezone.now()) == D("11.00")


def test_the_usual_order_counts_only_paid_orders_of_the_currency_in_90_days():
    now = timezone.now()
    for _ in range(19):
        paid("50.00")
    paid("50.00", currency="EUR")
    paid("50.00", at=now - timedelta(days=91))
    OrderFactory()  # unpaid
    assert usual_total(currency="USD", as_of=now) is None
    assert usual_total(currency="EUR", as_of=now) is None
    paid("50.00", at=now - timedelta(days=89))
    assert usual_total(currency="USD", as_of=now) == D("50.00")


def test_the_usual_order_as_of_a_moment_leaves_out_later_payments():
    now = timezone.now()
    for _ in range(20):
        paid("30.00", at=now - timedelta(days=2))
    assert usual_total(currency="USD", as_of=now - timedelta(days=3)) is None
    assert usual_total(currency="USD", as_of=now - timedelta(days=1)) == D("30.00")


def test_the_usual_order_is_kept_an_hour(django_assert_num_queries):
    for _ in range(20):
        paid("30.00")
    assert usual_total(currency="USD") == D("30.00")
    for _ in range(21):
        paid("90.00")
    with django_assert_num_queries(0):
        assert usual_total(currency="USD") == D("30.00")
    # A moment in the past is worked out afresh.
    assert usual_total(currency="USD", as_of=timezone.now()) == D("90.00")


def test_no_usual_order_is_kept_too(django_assert_num_queries):
    """None is kept like a figure, or checkout would count the paid orders every time."""
    assert usual_total(currency="USD") is None
    with django_assert_num_queries(0):
        assert usual_total(currency="USD") is None
    for _ in range(20):
        paid("30.00", currency="EUR")
    assert usual_total(currency="EUR") == D("30.00")  # kept by currency


def test_replaying_works_the_usual_order_out_once_a_day_as_of_its_start(
    django_assert_num_queries
):
    """Scoring a made set or the demo's history: one median a day, not one an order."""
    day = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    for _ in range(20):
        paid("30.00", at=day - timedelta(hours=2))
    for _ in range(21):
        paid("90.00", at=day + timedelta(hours=2))  # in the day: not yet as of its start
    with replaying():
        assert usual_total(currency="USD", as_of=day + timedelta(hours=5)) == D("30.00")
        with django_assert_num_queries(0):
            assert usual_total(currency="USD", as_of=day + timedelta(hours=9)) == D("30.00")
        assert usual_total(currency="USD", as_of=day + timedelta(days=1)) == D("90.00")
    assert usual_total(currency="USD", as_of=day + timedelta(hours=5)) == D("90.00")


def test_gather_reads_the_usual_order_of_the_orders_currency(risk):
    for _ in range(20):
        paid("15.00")
    assert facts_of(risk).usual_total == D("15.00")


# --- placing an order -------------------------------------------------------------------------


def test_placing_an_order_keeps_where_it_came_from():
    order = OrderFactory(email="Ada+Shop@Example.com", line1="1 Risk Road", line2="Flat 3")
    risk = record_placement(order, client_ip=IP)
    risk.refresh_from_db()
    assert risk.order == order and risk.placed_at == order.created_at
    assert (risk.email_key, risk.client_ip) == ("ada@example.com", IP)
    assert risk.address_key == address_key(order.address_values()) == "1riskroad|62701|us"
    assert (risk.score, risk.reasons, risk.stage) == (0, [], OrderRisk.Stage.PLACED)
    assert risk.assessed_at is not None


def test_placing_an_order_without_a_client_address():
    assert record_placement(OrderFactory(), client_ip="").client_ip is None


def test_the_fourth_order_from_one_mailbox_in_a_day_is_scored():
    emails = ["bo@example.com", "Bo+1@example.com", "BO+two@Example.com", "bo@example.com"]
    risks = [record_placement(OrderFactory(email=email, line1=f"{n} Main Street"),
                              client_ip=f"198.51.100.{n}")
             for n, email in enumerate(emails)]
    assert [r.score for r in risks] == [0, 0, 0, 25]
    assert risks[-1].reasons == [{"rule": "many_orders", "points": 25,
                                  "why": "3 other orders from this email in the last 24 hours."}]
    assert OrderRisk.objects.get(pk=risks[-1].pk).score == 25
