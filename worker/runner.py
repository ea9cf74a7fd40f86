"""The task worker behind `manage.py run_worker`: django-tasks-db's worker with a heartbeat.

A thread beside the worker writes its heartbeat row every TASK_WORKER_HEARTBEAT_SECONDS,
whatever the task in hand is doing, runs the reaper that queues again the tasks of workers
that stopped beating (`worker.reaper`), and touches the liveness file the container's probe
reads. Each task's log lines carry the id of the request that enqueued it. A database that is
away stops the worker from taking tasks, not the process: it waits and goes on, so it is back
the moment the database is, instead of after a crashed container's restart backoff.
"""

import contextlib
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from monitoring.logs import current_request_id
from worker import metrics, reaper
from worker.backend import REQUEST_ID

logger = logging.getLogger(__name__)

DATABASE_AWAY = (OperationalError, InterfaceError)
# How long to wait for the database before trying again.
DATABASE_RETRY_SECONDS = 5


class Worker(db_worker.Worker):
    def __init__(self, *, heartbeat_file: Path | None, **options: Any) -> None:
        super().__init__(**options)
        self.heartbeat_file = heartbeat_file
        self.stopped = threading.Event()

    def run(self) -> None:
        pulse = threading.Thread(target=self.pulse, name="worker-heartbeat", daemon=True)
        pulse.start()
        try:
            while self.running:
                try:
                    return super().run()
                except DATABASE_AWAY as error:
                    logger.warning("The database is away (%s); trying again shortly.", error)
                    connection.close()
                    # A task this worker had claimed may be left running in its row: under a
                    # new id, the old one stops beating and the reaper queues that task again.
                    self.worker_id = get_random_string(32)
                    time.sleep(DATABASE_RETRY_SECONDS)
        finally:
            self.stopped.set()
            pulse.join(timeout=DATABASE_RETRY_SECONDS)
            # With the database away the row ages out instead: the reaper judges by its age.
            with contextlib.suppress(*DATABASE_AWAY):
                reaper.stop_beating(worker_id=self.worker_id)

    def pulse(self) -> None:
        while not self.stopped.is_set():
            self.beat()
            self.stopped.wait(settings.TASK_WORKER_HEARTBEAT_SECONDS)
        connection.close()

    def beat(self) -> None:
        try:
            reaper.beat(worker_id=self.worker_id, host=socket.gethostname(), pid=os.getpid())
            metrics.tasks_reclaimed.inc(reaper.reclaim_abandoned_tasks())
        except DATABASE_AWAY as error:
            logger.warning("No heartbeat written: the database is away (%s).", error)
            connection.close()
        if self.heartbeat_file:
            self.heartbeat_file.touch()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        token = current_request_id.set(db_task_result.args_kwargs.get(REQUEST_ID))
        try:
            logger.info("Task %s (%s) started", db_task_result.pk, db_task_result.task_path)
            super().run_task(db_task_result)
            outcome = db_task_result.status.lower()
            metrics.tasks_run.labels(outcome=outcome).inc()
            logger.info(
                "Task %s (%s) finished: %s", db_task_result.pk, db_task_result.task_path, outcome
            )
        finally:
            current_request_id.reset(token)
