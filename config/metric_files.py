"""Keeping the Prometheus multiprocess directory flat: `fold_exited_worker` folds the files of
a gunicorn worker that has exited into one archive file per kind, and `MergedFilesCollector`
reads the directory without ever seeing a fold half done.

Each worker writes `counter_<pid>.db`, `histogram_<pid>.db`, `gauge_<mode>_<pid>.db`, …, and a
scrape reads every file in the directory. prometheus_client keeps a dead worker's files for
good (`mark_process_dead` drops only its live gauges), so every restart (gunicorn's
max_requests, a timeout, an OOM kill) left a set behind: a scrape took 14 ms with 10 sets and
1.2 s with 1,500, and the directory filled its volume. Folding a dead worker's values into
`counter_archive.db` and its kin (written with prometheus_client's own MmapedDict, so the
collector reads them like any worker's file) keeps the same totals in a constant number of
files.

It lives in config, next to the gunicorn hooks that call it, because config imports no app;
monitoring.metrics reads through the collector here.
"""

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import multiprocess
from prometheus_client.mmap_dict import MmapedDict

logger = logging.getLogger(__name__)

ARCHIVE = "archive"  # in the pid's place: the collector reads it as one more process
LOCK_FILE = ".fold.lock"  # not *.db, so no scrape takes it for a worker's file
# Longer than any scrape of a flat directory; a reader stuck longer than this (a stopped
# process) must not stall the master, which also restarts workers.
LOCK_WAIT_SECONDS = 5.0

type Entry = tuple[float, float]  # (value, timestamp), as MmapedDict keeps them


def _add(kept: Entry, new: Entry) -> Entry:
    return kept[0] + new[0], 0.0


def _least(kept: Entry, new: Entry) -> Entry:
    return min(kept, new)


def _greatest(kept: Entry, new: Entry) -> Entry:
    return max(kept, new)


def _latest(kept: Entry, new: Entry) -> Entry:
    return new if new[1] > kept[1] else kept


# Counters, histograms (each bucket and the sum) and summaries (count and sum) add up.
ADDED_KINDS = ("counter", "histogram", "summary")
# Gauges whose value outlives its process, folded by the rule the collector applies across
# processes. The live* modes are dropped by mark_process_dead; "all" reports one series per
# pid, dead ones included, which is the very growth this prevents, so a dead worker's "all"
# gauges are dropped too (the shop declares none).
KEPT_GAUGES: dict[str, Callable[[Entry, Entry], Entry]] = {
    "sum": _add,
    "min": _least,
    "max": _greatest,
    "mostrecent": _latest,
}


def fold_exited_worker(pid: int, directory: str) -> None:
    """Folds the metric files of the worker `pid`, which has exited, into the directory's
    archive files and deletes them. Holds the directory's lock exclusively meanwhile.

    Called in the gunicorn master, one exit at a time; the worker is reaped already, so
    nothing writes its files any more. Other workers write only their own files.
    """
    base = Path(directory)
    with _locked(base, fcntl.LOCK_EX):
        multiprocess.mark_process_dead(pid, directory)
        for kind in ADDED_KINDS:
            _fold(base / f"{kind}_{pid}.db", base / f"{kind}_{ARCHIVE}.db", _add)
        for mode, rule in KEPT_GAUGES.items():
            _fold(base / f"gauge_{mode}_{pid}.db", base / f"gauge_{mode}_{ARCHIVE}.db", rule)
        for dropped in base.glob(f"*_{pid}.db"):
            dropped.unlink()


class MergedFilesCollector(multiprocess.MultiProcessCollector):
    """prometheus_client's collector, reading under the directory's lock, shared: a fold
    replaces the archive and deletes a worker's file in two steps, and a scrape between them
    would count that worker twice (or, with the file gone after the listing, fail)."""

    def collect(self):
        with _locked(Path(self._path), fcntl.LOCK_SH):
            return super().collect()  # reads every file before it returns


def _fold(source: Path, archive: Path, rule: Callable[[Entry, Entry], Entry]) -> None:
    if not source.exists():
        return
    entries = _read(archive)
    for key, entry in _read(source).items():
        entries[key] = rule(entries[key], entry) if key in entries else entry
    # A new file renamed over the old: a master killed halfway leaves the old archive
    # whole, never one half folded (the next start empties the directory anyway).
    draft = archive.with_suffix(".draft")
    draft.unlink(missing_ok=True)
    written = MmapedDict(str(draft))
    try:
        for key, (value, timestamp) in entries.items():
            written.write_value(key, value, timestamp)
    finally:
        written.close()
    os.replace(draft, archive)
    source.unlink()


def _read(path: Path) -> dict[str, Entry]:
    if not path.exists():
        return {}
    return {
        key: (value, timestamp)
        for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(str(path))
    }


@contextmanager
def _locked(directory: Path, operation: int) -> Iterator[None]:
    """flock on a file in the directory: shared for scrapes (in any worker, any thread),
    exclusive for a fold. The kernel releases it when its holder dies."""
    with open(directory / LOCK_FILE, "a") as lock:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(lock, operation | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    # Going on unlocked risks one miscounted scrape; waiting longer risks
                    # the whole server.
                    logger.warning("Metric files: no lock after %ss, going on without it.",
                                   LOCK_WAIT_SECONDS)
                    break
                time.sleep(0.005)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
