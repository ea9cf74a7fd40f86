"""`/health/`: the detail for staff (a page in a browser, JSON otherwise), and for anyone
else the statuses without software versions or failure reasons."""

from datetime import timedelta
from unittest.mock import ANY

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY

from monitoring import metrics
from shop.services.expiry import expire_order
from shop.tasks import expire_unpaid_orders
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CACHE_BACKEND = "redis" if settings.REDIS_URL else "local"


def test_monitors_get_statuses_latencies_and_the_version(client, settings):
    settings.APP_VERSION = "2026.11.3"
    response = client.get("/health/", HTTP_ACCEPT="*/*")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["version"] == "2026.11.3"
    assert set(body["checks"]) == {"database", "cache", "migrations", "tasks"}
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert body["checks"]["cache"]["latency_ms"] >= 0


def test_the_version_defaults_to_the_packages(client, settings):
    settings.APP_VERSION = ""
    assert client.get("/health/").json()["version"] == "0.1.0"


def test_monitors_see_neither_software_versions_nor_reasons(client, unapplied_migration):
    response = client.get("/health/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    assert body["checks"]["migrations"] == {"status": "failing"}
    assert "python" not in body
    assert "django" not in body


def test_staff_without_the_second_factor_count_as_monitors(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/health/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response["Content-Type"] == "application/json"
    assert "django" not in response.json()


def test_customers_count_as_monitors(client):
    client.force_login(UserFactory())
    response = client.get("/health/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert "django" not in response.json()


def test_staff_get_every_detail_as_json(staff_client, unapplied_migration):
    response = staff_client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    body = response.json()
    assert body["python"]
    assert body["django"].startswith("6.")
    assert body["checks"]["cache"]["detail"] == {"backend": CACHE_BACKEND}
    assert body["checks"]["migrations"] == {
        "status": "failing",
        "reason": "1 not applied",
        "detail": {"pending": 1},
    }


def test_staff_get_a_page_in_a_browser(staff_client):
    response = staff_client.get("/health/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response.templates[0].name == "monitoring/health.html"
    assert "<h1>Health</h1>" in response.text
    assert '<th scope="row">Database</th>' in response.text
    assert f"backend: {CACHE_BACKEND}" in response.text
    assert "Accept" in response["Vary"]


def test_the_page_needs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    # session, user, verifying device, cart badge; SELECT 1 in a savepoint (+ its timeout
    # on PostgreSQL); the migration records
    with django_assert_max_num_queries(10):
        response = staff_client.get("/health/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200 and "<h1>Health</h1>" in response.text


def fail(result) -> None:
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now(),
        exception_class_path="django.db.utils.OperationalError",
    )


def test_a_task_failing_now_shows_as_a_degraded_queue(staff_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    fail(expire_unpaid_orders.enqueue())
    body = staff_client.get("/health/", HTTP_ACCEPT="application/json").json()
    assert body["checks"]["tasks"]["status"] == "degraded"
    assert body["checks"]["tasks"]["detail"] == {
        "ready": 0, "failed": 1, "failing": 1, "stale_running": 0,
    }
    assert body["status"] == "ok"  # the shop still serves
    [failure] = body["task_failures"]
    assert (failure["task"], failure["failed"], failure["recovered"]) == (
        "shop.tasks.expire_unpaid_orders", 1, False,
    )


def test_a_failure_a_retry_made_good_is_history(staff_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    fail(expire_order.enqueue(order_id=7))
    retried = expire_order.enqueue(order_id=7, attempt=2)
    DBTaskResult.objects.filter(pk=retried.id).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now() + timedelta(seconds=1)
    )
    body = staff_client.get("/health/", HTTP_ACCEPT="application/json").json()
    assert body["checks"]["tasks"]["status"] == "ok"
    assert body["checks"]["tasks"]["detail"]["failed"] == 1
    assert body["checks"]["tasks"]["detail"]["failing"] == 0
    [failure] = body["task_failures"]
    assert (failure["task"], failure["recovered"]) == ("shop.services.expiry.expire_order", True)


def test_staff_read_the_days_task_failures_on_the_page(staff_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    fail(expire_order.enqueue(order_id=7))
    fail(expire_order.enqueue(order_id=7, attempt=2))
    page = staff_client.get("/health/", HTTP_ACCEPT=BROWSER_ACCEPT).text
    assert "<h2>Task failures in the last 24 hours</h2>" in page
    assert '<th scope="row">shop.services.expiry.expire_order</th>' in page
    assert '<td class="num">2</td>' in page
    assert "django.db.utils.OperationalError" in page
    assert "Still failing (2 not made good)" in page


def test_monitors_do_not_see_the_task_failures(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    fail(expire_unpaid_orders.enqueue())
    body = client.get("/health/", HTTP_ACCEPT="application/json").json()
    assert body["checks"]["tasks"] == {"status": "degraded", "latency_ms": ANY}
    assert "task_failures" not in body


def test_a_task_stuck_running_shows_as_a_degraded_queue(staff_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    expire_unpaid_orders.enqueue()
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING,
                                started_at=timezone.now() - timedelta(hours=1))
    body = staff_client.get("/health/", HTTP_ACCEPT="application/json").json()
    assert body["checks"]["tasks"]["status"] == "degraded"
    assert body["checks"]["tasks"]["detail"] == {
        "ready": 0, "failed": 0, "failing": 0, "stale_running": 1,
    }


def test_an_empty_queue_is_ok(client):
    assert client.get("/health/").json()["checks"]["tasks"]["status"] == "ok"


def test_staff_read_that_no_task_failed(staff_client):
    page = staff_client.get("/health/", HTTP_ACCEPT=BROWSER_ACCEPT).text
    assert "No task failed in the last 24 hours." in page


def cache_reads() -> tuple[float, float]:
    return tuple(
        REGISTRY.get_sample_value("shop_cache_requests_total", {"result": result}) or 0
        for result in ("hit", "miss")
    )


def test_staff_see_the_cache_hit_ratio(staff_client):
    hits_before, _ = cache_reads()
    for _ in range(3):
        staff_client.get("/")  # the first visit's reads miss, the next two hit
    hits, misses = cache_reads()
    assert hits - hits_before >= 2
    body = staff_client.get("/health/", HTTP_ACCEPT="application/json").json()
    assert body["cache_hit_ratio"] == round(hits / (hits + misses), 3)


def test_a_monitors_look_reads_no_metric_files(client, monkeypatch):
    reads = []
    monkeypatch.setattr(metrics, "cache_hit_ratio", lambda **kwargs: reads.append(kwargs))
    body = client.get("/health/", HTTP_ACCEPT="application/json").json()
    assert body["status"] == "ok"
    assert "cache_hit_ratio" not in body
    assert reads == []  # every worker's files are read for staff alone


def test_a_scrape_reads_the_task_backlog(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.METRICS_TOKEN = "scrape-me"
    expire_unpaid_orders.enqueue()
    client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me")
    assert REGISTRY.get_sample_value("shop_task_backlog") == 1
