"""The worker's own /metrics (on WORKER_METRICS_PORT): what it ran, what it took back from
dead workers, and the queue it works on, read from the task table at each scrape."""

import logging
import threading
from collections.abc import Iterator

from django.db import DatabaseError, connection
from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_client.core import GaugeMetricFamily

from monitoring.task_backlog import task_backlog

logger = logging.getLogger(__name__)

registry = CollectorRegistry()
tasks_run = Counter(
    "shop_worker_tasks", "Tasks this worker ran, by outcome (successful, failed).", ["outcome"],
    registry=registry,
)
tasks_reclaimed = Counter(
    "shop_worker_tasks_reclaimed",
    "Running tasks of dead workers that this worker put back in the queue.",
    registry=registry,
)


class QueueCollector:
    """The queue's depth and recent failures, counted when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            backlog = task_backlog()
        except DatabaseError:  # the database is away: say nothing rather than fail the scrape
            logger.warning("Task queue not counted: the database did not answer.")
            return
        finally:
            # The metrics server answers each scrape in a thread of its own, whose connection
            # nothing else would ever close.
            if threading.current_thread() is not threading.main_thread():
                connection.close()
        for name, description in [
            ("ready", "Tasks due and waiting for a worker."),
            ("failed", "Tasks that failed in the last 24 hours."),
            ("stale_running", "Tasks running for longer than 15 minutes."),
        ]:
            yield GaugeMetricFamily(f"shop_task_queue_{name}", description, value=backlog[name])


registry.register(QueueCollector())


def serve(port: int, *, addr: str = "0.0.0.0") -> None:  # noqa: S104 (a pod's own port)
    start_http_server(port, addr=addr, registry=registry)
