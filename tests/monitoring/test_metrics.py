"""/metrics: who may read it, what the counters count, and every worker's values added up
in multiprocess mode."""

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from monitoring import metrics
from payments.providers.base import PaymentEvent
from payments.services import apply_event
from tests.factories import VariantFactory
from tests.shop.buying import place

TOKEN = "scrape-me-7c1d"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _scraping(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = [ipaddress.ip_network("10.8.0.0/16")]
    settings.PROMETHEUS_MULTIPROC_DIR = ""
    # A scrape reaches the pod by its IP, over plain HTTP.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["shop.example.com"]


def scrape(client, **extra):
    return client.get("/metrics", HTTP_HOST="10.8.3.4:8000", **extra)


def value(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db  # a scrape reads the task queue's backlog
def test_metrics_answer_the_token(client):
    response = scrape(client, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "# TYPE shop_orders_placed_total counter" in response.text
    assert "shop_http_request_duration_seconds" in response.text
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


@pytest.mark.parametrize("authorization", ["", f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer "])
def test_metrics_refuse_a_missing_or_wrong_token(client, authorization):
    response = scrape(client, headers={"Authorization": authorization})
    assert response.status_code == 403
    assert "shop_" not in response.text


@pytest.mark.django_db  # a scrape reads the task queue's backlog
def test_metrics_answer_an_allowed_address_without_a_token(client):
    assert scrape(client, REMOTE_ADDR="10.8.200.1").status_code == 200


def test_metrics_refuse_other_addresses_whatever_they_forward(client):
    response = scrape(client, REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="10.8.0.1")
    assert response.status_code == 403


def test_metrics_refuse_everyone_when_nothing_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert scrape(client, headers={"Authorization": "Bearer "}).status_code == 403
    assert scrape(client, REMOTE_ADDR="127.0.0.1").status_code == 403


def test_metrics_refuse_other_methods(client):
    response = client.post("/metrics", HTTP_HOST="10.8.3.4:8000",
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 405


@pytest.mark.django_db
def test_a_request_is_counted_by_its_url_name(client, settings):
    settings.ALLOWED_HOSTS, settings.SECURE_SSL_REDIRECT = ["testserver"], False
    labels = {"route": "shop:home", "method": "GET"}
    before = value("shop_http_requests_total", **labels, status="200")
    timed_before = value("shop_http_request_duration_seconds_count", **labels)
    assert client.get("/").status_code == 200
    assert value("shop_http_requests_total", **labels, status="200") == before + 1
    assert value("shop_http_request_duration_seconds_count", **labels) == timed_before + 1


@pytest.mark.django_db
def test_an_unknown_path_is_counted_as_unmatched_not_by_its_path(client, settings):
    settings.ALLOWED_HOSTS, settings.SECURE_SSL_REDIRECT = ["testserver"], False
    labels = {"route": "unmatched", "method": "GET", "status": "404"}
    before = value("shop_http_requests_total", **labels)
    assert client.get("/no-such-page-4711/").status_code == 404
    assert value("shop_http_requests_total", **labels) == before + 1
    assert b"no-such-page-4711" not in metrics.exposition()


def test_an_invented_method_is_counted_as_other():
    before = value("shop_http_requests_total", route="unmatched", method="other", status="405")
    metrics.record_request(route=None, method="BREW", status=405, seconds=0.01)
    assert value("shop_http_requests_total", route="unmatched", method="other",
                 status="405") == before + 1


@pytest.mark.django_db
def test_a_placed_order_is_counted_once_committed(django_capture_on_commit_callbacks):
    before = value("shop_orders_placed_total")
    with django_capture_on_commit_callbacks(execute=True):
        place((VariantFactory(on_hand=5), 1))
    assert value("shop_orders_placed_total") == before + 1


@pytest.mark.django_db
def test_a_payment_is_counted_by_provider_and_outcome(django_capture_on_commit_callbacks):
    order = place((VariantFactory(on_hand=5), 1))
    event = PaymentEvent(provider="test", kind="captured", order_number=order.number,
                         amount=order.total, currency="USD", reference="ch_metrics")
    before = value("shop_payments_total", provider="test", outcome="captured")
    with django_capture_on_commit_callbacks(execute=True):
        apply_event(event)
        apply_event(event)  # the same event again is not a second payment
    assert value("shop_payments_total", provider="test", outcome="captured") == before + 1


def test_an_unverified_webhook_keeps_no_type_of_the_senders_choosing():
    metrics.record_webhook_event("stripe", "made.up.type", "bad_signature")
    assert value("shop_webhook_events_total", provider="stripe", type="made.up.type",
                 outcome="bad_signature") == 0
    assert value("shop_webhook_events_total", provider="stripe", type="unverified",
                 outcome="bad_signature") >= 1


def test_cache_reads_are_counted_as_hits_and_misses():
    before = value("shop_cache_requests_total", result="miss")
    metrics.record_cache_request(hit=False)
    assert value("shop_cache_requests_total", result="miss") == before + 1


WORKER = """
import sys
from monitoring import metrics
for _ in range(int(sys.argv[1])):
    metrics.record_order_placed()
metrics.record_payment("test", "refunded")
"""


@pytest.mark.django_db  # a scrape reads the task queue's backlog
def test_a_scrape_adds_up_every_workers_values(client, settings, tmp_path):
    """Two worker processes write their counts to the directory; a scrape from this one
    reads them all (and not its own registry)."""
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for count in ("2", "3"):
        subprocess.run([sys.executable, "-c", WORKER, count], cwd=ROOT, env=environment,
                       check=True, timeout=60)
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    response = scrape(client, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "shop_orders_placed_total 5.0" in response.text
    assert 'shop_payments_total{outcome="refunded",provider="test"} 2.0' in response.text
