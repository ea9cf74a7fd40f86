"""The gunicorn master folds an exited worker's metric files into archive files: the directory
stays the same size however often workers restart, and a scrape still adds up everything
every worker ever counted."""

import fcntl
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from config import gunicorn
from config.metric_files import LOCK_FILE, MergedFilesCollector, _locked
from tests.config.workers import DURATIONS, ROUTES, run_and_exit, serve, worker

RESTARTS = 500
# Fewer label values than a real worker has, so 500 restarts take seconds, not a minute.
FEW_ROUTES = ROUTES[:2]


def metric_files(directory) -> list[str]:
    return sorted(path.name for path in directory.glob("*.db"))


def scrape(directory) -> dict[tuple, float]:
    registry = CollectorRegistry()
    MergedFilesCollector(registry, path=str(directory))
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for metric in registry.collect()
        for sample in metric.samples
    }


def sample(scraped, name, **labels) -> float | None:
    return scraped.get((name, tuple(sorted(labels.items()))))


class ExitedWorker:
    """What gunicorn passes to child_exit."""

    def __init__(self, pid):
        self.pid = pid


REQUESTS_PER_ROUTE = 3


@dataclass
class Restarted:
    directory: Path
    files_after_one_restart: list[str]


@pytest.fixture(scope="module")
def restarted(tmp_path_factory) -> Restarted:
    """A worker that stays up with 2 requests in flight, beside one that restarted 500 times,
    each time after serving the same requests and with 1 request in flight when it died."""
    directory = tmp_path_factory.mktemp("metrics")
    with pytest.MonkeyPatch.context() as monkeypatch:
        with worker(1, directory, monkeypatch) as alive:
            alive.in_flight.set(2)
            serve(alive, REQUESTS_PER_ROUTE, FEW_ROUTES)
        run_and_exit(2, directory, monkeypatch, requests_per_route=REQUESTS_PER_ROUTE,
                     routes=FEW_ROUTES)
        after_one = metric_files(directory)
        for pid in range(3, 2 + RESTARTS):
            run_and_exit(pid, directory, monkeypatch, requests_per_route=REQUESTS_PER_ROUTE,
                         routes=FEW_ROUTES)
    return Restarted(directory, after_one)


def test_the_files_stay_as_many_after_500_worker_restarts(restarted):
    assert metric_files(restarted.directory) == restarted.files_after_one_restart
    assert restarted.files_after_one_restart == [
        "counter_1.db", "counter_archive.db", "gauge_livesum_1.db", "gauge_mostrecent_1.db",
        "gauge_mostrecent_archive.db", "histogram_1.db", "histogram_archive.db",
    ]


def test_a_scrape_counts_what_every_worker_counted_dead_or_alive(restarted):
    scraped = scrape(restarted.directory)
    workers = RESTARTS + 1
    route = {"route": FEW_ROUTES[1], "method": "GET"}
    assert sample(scraped, "shop_http_requests_total", **route, status="200") == (
        workers * REQUESTS_PER_ROUTE
    )
    assert sample(scraped, "shop_http_request_duration_seconds_count", **route) == (
        workers * REQUESTS_PER_ROUTE
    )
    assert sample(scraped, "shop_http_request_duration_seconds_sum", **route) == (
        workers * sum(DURATIONS)
    )
    # Each worker timed one request at 0.125 s (le 0.25), one at 0.5 s and one at 2 s.
    assert sample(scraped, "shop_http_request_duration_seconds_bucket", **route,
                  le="0.25") == workers
    assert sample(scraped, "shop_http_request_duration_seconds_bucket", **route,
                  le="0.5") == workers * 2
    assert sample(scraped, "shop_http_request_duration_seconds_bucket", **route,
                  le="+Inf") == workers * 3


def test_a_live_workers_gauge_shows_and_a_dead_ones_does_not(restarted):
    assert sample(scrape(restarted.directory), "shop_requests_in_flight") == 2


def test_the_most_recent_gauge_keeps_the_last_value_set_after_its_worker_died(
    tmp_path, monkeypatch
):
    for pid in (7, 5, 9):
        run_and_exit(pid, tmp_path, monkeypatch)  # each sets the backlog to its pid
    assert sample(scrape(tmp_path), "shop_task_backlog") == 9


def test_the_scrape_is_the_same_folded_or_not(tmp_path, monkeypatch):
    folded, kept = tmp_path / "folded", tmp_path / "kept"
    folded.mkdir()
    kept.mkdir()
    for pid in range(2, 40):
        run_and_exit(pid, folded, monkeypatch, fold=True)
        run_and_exit(pid, kept, monkeypatch, fold=False)
    assert len(metric_files(kept)) > len(metric_files(folded))
    assert scrape(folded) == scrape(kept)


def test_the_child_exit_hook_folds_the_workers_files(tmp_path, monkeypatch):
    run_and_exit(41, tmp_path, monkeypatch, fold=False)
    run_and_exit(42, tmp_path, monkeypatch, fold=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gunicorn.child_exit(server=None, worker=ExitedWorker(41))
    gunicorn.child_exit(server=None, worker=ExitedWorker(42))
    assert not [name for name in metric_files(tmp_path) if "_41." in name or "_42." in name]
    assert sample(scrape(tmp_path), "shop_http_requests_total", route=ROUTES[0],
                  method="GET", status="200") == 4


def test_a_fold_that_fails_is_logged_and_the_master_goes_on(tmp_path, monkeypatch):
    logged = []

    class Log:
        def exception(self, message, *args):
            logged.append(message % args)

    class Server:
        log = Log()

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "gone"))
    gunicorn.child_exit(server=Server(), worker=ExitedWorker(43))
    assert logged == ["Metric files of worker 43 not folded."]


def test_a_scrape_waits_for_a_fold_in_progress(tmp_path, monkeypatch):
    """A fold replaces the archive and deletes the worker's files in two steps; a scrape
    between them would count the worker twice, or miss the file it listed."""
    run_and_exit(3, tmp_path, monkeypatch)
    scraped = []
    with _locked(tmp_path, fcntl.LOCK_EX):  # as a fold holds it
        reader = threading.Thread(target=lambda: scraped.append(scrape(tmp_path)))
        reader.start()
        reader.join(timeout=0.3)
        assert reader.is_alive()
        assert not scraped
    reader.join(timeout=5)
    assert scraped
    assert (tmp_path / LOCK_FILE).exists()
