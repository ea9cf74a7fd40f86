"""Made-up gunicorn workers writing metric files through prometheus_client's own multiprocess
values, as a real worker's metrics do, each under a pid of the test's choosing."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram, values
from prometheus_client.multiprocess import mark_process_dead

from config.metric_files import fold_exited_worker

ROUTES = [f"shop:page-{number}" for number in range(20)]
# Exact in binary, so sums over hundreds of workers compare with ==.
DURATIONS = (0.125, 0.5, 2.0)


@dataclass
class Worker:
    requests: Counter
    durations: Histogram
    in_flight: Gauge  # livesum: only live workers count
    backlog: Gauge  # mostrecent: the last value set wins, whichever worker set it


@contextmanager
def worker(pid: int, directory, monkeypatch) -> Iterator[Worker]:
    """A worker process `pid` writing to `directory` while the block runs; its files are
    closed after, as a process's are when it dies."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    value_class = values.MultiProcessValue(process_identifier=lambda: pid)
    monkeypatch.setattr(values, "ValueClass", value_class)
    try:
        yield Worker(
            requests=Counter("shop_http_requests", "Requests.", ["route", "method", "status"],
                             registry=None),
            durations=Histogram("shop_http_request_duration_seconds", "Durations.",
                                ["route", "method"], registry=None),
            in_flight=Gauge("shop_requests_in_flight", "In flight.", registry=None,
                            multiprocess_mode="livesum"),
            backlog=Gauge("shop_task_backlog", "Backlog.", registry=None,
                          multiprocess_mode="mostrecent"),
        )
    finally:
        value_class.close_all_files()


def serve(worker: Worker, requests_per_route: int, routes: list[str] = ROUTES) -> None:
    """Answers `requests_per_route` requests on each of `routes`, timed by turns at
    DURATIONS."""
    for route in routes:
        for turn in range(requests_per_route):
            worker.requests.labels(route=route, method="GET", status="200").inc()
            worker.durations.labels(route=route, method="GET").observe(
                DURATIONS[turn % len(DURATIONS)]
            )


def run_and_exit(pid: int, directory, monkeypatch, *, requests_per_route: int = 2,
                 routes: list[str] = ROUTES, fold: bool = True) -> None:
    """A worker that serves, then exits; the master's hook folds its files, or (as before)
    only marks it dead."""
    with worker(pid, directory, monkeypatch) as running:
        serve(running, requests_per_route, routes)
        running.in_flight.inc()
        running.backlog.set(pid)
    if fold:
        fold_exited_worker(pid, str(directory))
    else:
        mark_process_dead(pid, str(directory))
