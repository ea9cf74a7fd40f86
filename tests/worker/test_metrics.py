import socket
import urllib.request
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shop.tasks import expire_unpaid_orders
from worker import metrics

pytestmark = pytest.mark.django_db


def test_the_workers_metrics_count_the_queue_when_scraped(settings):
    settings.TASKS = {"default": {"BACKEND": "worker.backend.DatabaseBackend"}}
    for _ in range(3):
        expire_unpaid_orders.enqueue()
    failed = expire_unpaid_orders.enqueue()
    DBTaskResult.objects.filter(pk=failed.id).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now() - timedelta(minutes=1)
    )
    assert metrics.registry.get_sample_value("shop_task_queue_ready") == 3
    assert metrics.registry.get_sample_value("shop_task_queue_failed") == 1


def test_a_scrape_with_the_database_away_leaves_the_queue_out(monkeypatch):
    def away(**kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(metrics, "task_backlog", away)
    assert metrics.registry.get_sample_value("shop_task_queue_ready") is None


def test_the_metrics_are_served_over_http():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    metrics.serve(port, addr="127.0.0.1")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
        assert b"shop_worker_tasks_reclaimed_total" in response.read()
