"""`manage.py run_worker`: run the queued tasks, with a heartbeat, the reaper of dead workers'
tasks, a liveness file and /metrics (`worker.runner`). Takes db_worker's options, and:

--heartbeat-file  touched every heartbeat, for the liveness probe (WORKER_HEARTBEAT_FILE)
--metrics-port    Prometheus metrics served there, 0 for none (WORKER_METRICS_PORT, 9100)
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django_tasks_db.management.commands import db_worker

from worker import metrics
from worker.runner import Worker


class Command(db_worker.Command):
    help = "Run queued tasks, taking back those of workers that died."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--heartbeat-file", default=settings.TASK_WORKER_HEARTBEAT_FILE)
        parser.add_argument("--metrics-port", type=int, default=settings.TASK_WORKER_METRICS_PORT)

    def handle(
        self, *, verbosity: int, queue_name: str, exclude_queues: str, heartbeat_file: str,
        metrics_port: int, **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if metrics_port:
            metrics.serve(metrics_port)
        worker = Worker(
            queue_names=queue_name.split(","),
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            heartbeat_file=Path(heartbeat_file) if heartbeat_file else None,
        )
        worker.configure_signals()
        worker.run()
