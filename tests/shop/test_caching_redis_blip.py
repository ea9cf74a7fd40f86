"""A catalogue change made while Redis does not answer still reaches the cached pages once it
does: the missed bump of the catalogue version is retried by a task (shop.caching).

Each test runs a Redis of its own, configured as production configures one (errors ignored,
half-second timeouts), takes it away around a price change (stopped and started with its data,
cut off by a network that drops what is sent, or paused), and runs the task worker's own
loop. Tasks here commit, as the change and its task must, so the file keeps to itself
(tests/conftest.py).
"""

import shutil
import signal
import socket
import subprocess
import threading
import time
from decimal import Decimal

import pytest
import redis
from django.db import transaction
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from shop import caching
from tests.conftest import need

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PAGE = "/products/cotton-tee/"
# What an issue asks of a cache outage: once Redis is back, nothing served is older than the
# last catalogue change by more than this.
STALENESS_BOUND = 60


class RedisServer:
    """A redis-server of the test's own on a free port, its data in a directory of its own
    (appended to a file on every write, as a Redis that survives a restart keeps it)."""

    def __init__(self, directory):
        self.directory = directory
        self.port = _free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "yes", "--appendfsync", "always",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


class Partition:
    """A TCP relay to Redis that can be cut: while cut, what either side sends is dropped, as
    a network between the shop and Redis that loses packets drops it (a paused Redis still
    runs what was sent to it once it resumes). A connection open during the cut stays cut:
    the client gives it up after its timeout and connects again."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_cut = False
        self.connections: list[dict] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def cut(self) -> None:
        self.is_cut = True
        for connection in self.connections:
            connection["cut"] = True

    def mend(self) -> None:
        self.is_cut = False

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:  # Redis is stopped: refused, as it would be without the relay
                client.close()
                continue
            connection = {"cut": self.is_cut}
            self.connections.append(connection)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, connection),
                                 daemon=True).start()

    @staticmethod
    def _pump(source, sink, connection) -> None:
        try:
            while data := source.recv(65536):
                if not connection["cut"]:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        need("needs redis-server on PATH")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.resume()  # a paused server would not hear the signal to stop
    server.stop()


@pytest.fixture
def partition(redis_server):
    relay = Partition(redis_server.port)
    yield relay
    relay.close()


@pytest.fixture
def production_like(settings, redis_server, partition, monkeypatch):
    """The cache on the test's Redis, as base.py configures it, and tasks in the database,
    run by the worker; a missed bump is retried every second rather than ten."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": partition.url,
            "KEY_PREFIX": "shop",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5,
                        "SOCKET_TIMEOUT": 0.5},
        }
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(caching, "RETRY_EVERY", caching.RETRY_EVERY / 10)
    return redis_server, partition


def run_due_tasks() -> None:
    """What `manage.py db_worker --batch` runs: every task due, then out."""
    Worker(queue_names=["default"], excluded_queue_names=[], interval=0, batch=True,
           backend_name="default", startup_delay=False, max_tasks=None,
           worker_id="test-worker").run()


def price_shown() -> str:
    page = Client().get(PAGE).content.decode()  # a visitor without a session
    return "$17.50" if "$17.50" in page else "$20.00" if "$20.00" in page else "neither"


def change_the_price(tee) -> None:
    """As the admin saves a variant: in a transaction, its signal bumping the version."""
    with transaction.atomic():
        variant = tee.variants.get()
        variant.price = Decimal("17.50")
        variant.save()


def bump_tasks() -> int:
    return DBTaskResult.objects.filter(task_path=caching.bump_when_reachable.module_path).count()


OUTAGES = {
    "stopped and started": lambda redis, partition: (redis.stop, redis.start),
    "cut off": lambda redis, partition: (partition.cut, partition.mend),
    "paused": lambda redis, partition: (redis.pause, redis.resume),
}


@pytest.mark.parametrize("outage", OUTAGES)
def test_a_price_saved_during_an_outage_shows_soon_after_redis_is_back(
    production_like, tee, outage
):
    interrupt, restore = OUTAGES[outage](*production_like)
    run_due_tasks()  # what making the product asked for (its recommendations), done by now
    assert price_shown() == "$20.00"
    assert price_shown() == "$20.00"  # the shared page is in the cache now

    interrupt()
    change_the_price(tee)
    run_due_tasks()  # the worker cannot reach Redis either: the bump waits for it
    restore()
    back = time.monotonic()

    if outage != "paused":  # a paused Redis runs the bumps sent to it when it resumes
        # The page kept from before the change is back with Redis: the bumps missed it.
        assert price_shown() == "$20.00"
    # Enqueued with the change and after its commit, each tried once more by the worker.
    assert bump_tasks() == 4
    while price_shown() != "$17.50":
        assert time.monotonic() - back < STALENESS_BOUND, "the old price outlived the bound"
        time.sleep(0.1)
        run_due_tasks()
    stale_for = time.monotonic() - back
    assert stale_for <= caching.RETRY_EVERY.total_seconds() + 1


def test_a_bump_is_not_retried_once_it_is_taken(production_like, tee):
    _, partition = production_like
    partition.cut()
    change_the_price(tee)
    partition.mend()

    run_due_tasks()
    run_due_tasks()

    assert price_shown() == "$17.50"
    assert list(
        DBTaskResult.objects.filter(task_path=caching.bump_when_reachable.module_path)
        .values_list("status", "return_value")
    ) == [("SUCCESSFUL", True), ("SUCCESSFUL", True)]
