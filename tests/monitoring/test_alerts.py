"""Alerts: spikes over their threshold and low stock reach the log, Sentry, staff's inbox and
the dashboard, once per kind every 15 minutes."""

import logging
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from prometheus_client import REGISTRY

from monitoring import alerts, counters
from payments.providers.base import PaymentEvent
from payments.services import apply_event
from tests.conftest import DEAD_REDIS
from tests.factories import UserFactory, VariantFactory
from tests.second_factor import sign_in_with_second_factor
from tests.shop.buying import pay, place


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The counters' clock, held still so that no minute ends mid-test, and moved by hand."""
    now = SimpleNamespace(value=1_700_000_010.0)
    monkeypatch.setattr(counters, "time", SimpleNamespace(time=lambda: now.value))
    return now


@pytest.fixture(autouse=True)
def _alerting(settings, monkeypatch):
    settings.STAFF_ALERT_EMAIL = ["ops@example.com"]
    settings.ALERT_PAYMENT_FAILURES_PER_MINUTE = 3
    settings.ALERT_5XX_PER_MINUTE = 2
    settings.LOW_STOCK_THRESHOLD = 3


@pytest.fixture
def reports(monkeypatch):
    sent = []
    monkeypatch.setattr(alerts.sentry_sdk, "capture_message",
                        lambda message, level: sent.append((message, level)))
    return sent


def alert_lines(caplog):
    return [r for r in caplog.records if r.name == "shop.alerts" and r.levelno == logging.ERROR]


def test_no_alert_up_to_the_threshold(caplog):
    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        for _ in range(3):
            alerts.count_event(alerts.PAYMENT_FAILURES)
    assert not alert_lines(caplog)
    assert not mail.outbox


def test_going_over_the_threshold_alerts_everywhere_once(caplog, reports):
    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        for _ in range(10):
            alerts.count_event(alerts.PAYMENT_FAILURES)
    [line] = alert_lines(caplog)
    assert "4 failed payments in the last minute" in line.getMessage()
    assert line.alert == alerts.PAYMENT_FAILURES
    assert reports == [(line.getMessage().removeprefix("Alert: "), "error")]
    [email] = mail.outbox
    assert email.to == ["ops@example.com"]
    assert "failed payments" in email.subject


def test_each_kind_alerts_on_its_own(caplog):
    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        for _ in range(4):
            alerts.count_event(alerts.PAYMENT_FAILURES)
        for _ in range(6):
            alerts.count_event(alerts.WEBHOOK_SIGNATURE_FAILURES)
    assert [line.alert for line in alert_lines(caplog)] == [
        alerts.PAYMENT_FAILURES, alerts.WEBHOOK_SIGNATURE_FAILURES
    ]
    assert len(mail.outbox) == 2


def test_events_in_different_minutes_do_not_add_up(caplog):
    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        for minute in range(6):
            alerts.count_event(alerts.PAYMENT_FAILURES, now=minute * 60.0)
    assert not alert_lines(caplog)


def test_no_email_without_an_address(settings, caplog):
    settings.STAFF_ALERT_EMAIL = []
    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        for _ in range(4):
            alerts.count_event(alerts.PAYMENT_FAILURES)
    assert len(alert_lines(caplog)) == 1
    assert not mail.outbox


@pytest.mark.django_db
def test_a_spike_of_server_errors_alerts(settings, caplog):
    settings.ROOT_URLCONF = "tests.monitoring.urls"
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        for _ in range(3):
            assert client.post("/boom/").status_code == 500
    [line] = alert_lines(caplog)
    assert line.alert == alerts.SERVER_ERRORS


@pytest.mark.django_db
def test_active_alerts_show_on_the_dashboard(client):
    sign_in_with_second_factor(client, UserFactory(is_staff=True))
    assert "Needs attention" not in client.get("/dashboard/").text
    alerts.alert_low_stock("SKU-LOW-1", 1)
    response = client.get("/dashboard/")
    assert "Needs attention" in response.text
    assert "Low stock: SKU-LOW-1 has 1 unit left to sell." in response.text


@pytest.mark.django_db
def test_a_paid_order_leaving_little_stock_alerts(caplog, django_capture_on_commit_callbacks):
    low, plenty = VariantFactory(on_hand=4, sku="LOW-4"), VariantFactory(on_hand=20)
    order = place((low, 2), (plenty, 2))
    with (caplog.at_level(logging.ERROR, logger="shop.alerts"),
          django_capture_on_commit_callbacks(execute=True)):
        pay(order)
    [line] = alert_lines(caplog)
    assert line.getMessage() == "Alert: Low stock: LOW-4 has 2 units left to sell. Restock it."
    [email] = [email for email in mail.outbox if email.to == ["ops@example.com"]]
    assert "LOW-4" in email.body


@pytest.mark.django_db
def test_low_stock_alerts_once_per_variant(caplog, django_capture_on_commit_callbacks):
    low, other = VariantFactory(on_hand=4, sku="LOW-A"), VariantFactory(on_hand=4, sku="LOW-B")
    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        for line in ((low, 2), (low, 1), (other, 2)):
            order = place(line)
            with django_capture_on_commit_callbacks(execute=True):
                pay(order)
    assert ["LOW-A" in line.getMessage() for line in alert_lines(caplog)] == [True, False]


@pytest.mark.django_db
def test_a_paid_order_leaving_enough_stock_does_not_alert(
    caplog, django_capture_on_commit_callbacks
):
    order = place((VariantFactory(on_hand=10), 2))
    with (caplog.at_level(logging.ERROR, logger="shop.alerts"),
          django_capture_on_commit_callbacks(execute=True)):
        pay(order)
    assert not alert_lines(caplog)


def test_with_the_cache_down_events_are_counted_as_nothing(settings):
    settings.CACHES = DEAD_REDIS
    assert alerts.count_event(alerts.SERVER_ERRORS) == 0


@pytest.mark.django_db
def test_with_the_cache_down_a_server_error_is_still_answered_and_traced(settings):
    settings.CACHES = DEAD_REDIS
    settings.ROOT_URLCONF = "tests.monitoring.urls"
    response = Client(raise_request_exception=False).post("/boom/")
    assert response.status_code == 500
    assert response["X-Request-ID"] and "app;dur=" in response["Server-Timing"]


def test_a_kind_stays_quiet_for_15_minutes_after_its_alert(settings, monkeypatch, clock, caplog):
    # The local cache, whose expiry follows the same held clock (a real Redis keeps its own).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(alerts, "time", counters.time)
    monkeypatch.setattr("django.core.cache.backends.locmem.time", counters.time)
    monkeypatch.setattr("django.core.cache.backends.base.time", counters.time)

    def spike():
        for _ in range(4):
            alerts.count_event(alerts.PAYMENT_FAILURES)

    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        spike()
        clock.value += 14 * 60
        spike()
        assert len(alert_lines(caplog)) == 1
        clock.value += 2 * 60
        spike()
    assert len(alert_lines(caplog)) == 2


@pytest.mark.django_db
def test_failed_payments_count_towards_their_alert_and_metric(
    caplog, django_capture_on_commit_callbacks
):
    failed = REGISTRY.get_sample_value(
        "shop_payments_total", {"provider": "test", "outcome": "failed"}
    ) or 0
    variant = VariantFactory(on_hand=10)
    with caplog.at_level(logging.ERROR, logger="shop.alerts"):
        for n in range(4):
            order = place((variant, 1))
            with django_capture_on_commit_callbacks(execute=True):
                apply_event(PaymentEvent(provider="test", kind="failed", order_number=order.number,
                                         amount=order.total, currency="USD", reference=f"f{n}"))
    [line] = alert_lines(caplog)
    assert line.alert == alerts.PAYMENT_FAILURES
    assert REGISTRY.get_sample_value(
        "shop_payments_total", {"provider": "test", "outcome": "failed"}
    ) == failed + 4
