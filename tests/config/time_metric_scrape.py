"""How long rendering /metrics takes after 1 and after 500 worker restarts, with the exited
workers' files folded into archives (as the gunicorn master now does) and kept (as before).

    .venv/bin/python -m tests.config.time_metric_scrape

Speed is measured here, outside the test suite, whose timings a busy machine would make
flaky; the suite asserts the part that does not depend on the machine: the file count.
"""

import statistics
import tempfile
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from config.metric_files import MergedFilesCollector
from tests.config.workers import run_and_exit, serve, worker

RESTARTS = (1, 500)
RENDERS = 20


def render_seconds(directory: Path) -> float:
    """The median time of a scrape: read every file, add them up, write the text."""
    timings = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        registry = CollectorRegistry()
        MergedFilesCollector(registry, path=str(directory))
        generate_latest(registry)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def restarted(directory: Path, restarts: int, *, fold: bool) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        with worker(1, directory, monkeypatch) as alive:
            serve(alive, 1)
        for pid in range(2, 2 + restarts):
            run_and_exit(pid, directory, monkeypatch, fold=fold)


def main() -> None:
    print(f"{'restarts':>8}  {'files':>5}  {'render':>9}  how")
    for fold in (True, False):
        for restarts in RESTARTS:
            with tempfile.TemporaryDirectory() as name:
                directory = Path(name)
                restarted(directory, restarts, fold=fold)
                files = len(list(directory.glob("*.db")))
                seconds = render_seconds(directory)
                how = "folded into archives" if fold else "kept (before)"
                print(f"{restarts:>8}  {files:>5}  {seconds * 1000:>6.1f} ms  {how}")


if __name__ == "__main__":
    main()
