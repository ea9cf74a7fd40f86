"""gunicorn's settings and hooks for the shop: `gunicorn -c config/gunicorn.py` (the image's
command). Settings come from the environment:

GUNICORN_WORKERS (default: 1 per CPU, at most 8), GUNICORN_THREADS (4; 1 runs gunicorn's sync
worker, more its gthread worker),
GUNICORN_TIMEOUT (30 s a request), GUNICORN_GRACEFUL_TIMEOUT (25 s to finish the requests
in flight after SIGTERM: inside Kubernetes' 30 s termination grace period), PORT (8000).
GUNICORN_CMD_ARGS and the command line still override them.

gunicorn's own lines (starting, booting and exiting workers, timeouts) are written like the
app's: JSON lines by monitoring.logs.JsonFormatter, or text with LOG_FORMAT=text.

Each worker freezes its long-lived objects out of the garbage collector's way: what it has
imported once it has loaded the app, and again after WARM_AFTER requests (see below).

With PROMETHEUS_MULTIPROC_DIR set, each worker keeps its metrics in files there and a
scrape adds them up (monitoring.metrics). The master empties the directory when it starts,
so a restart does not count the last run's values again, and folds the files of each worker
that exits into one archive per kind (config.metric_files), so the directory, and the time a
scrape takes, stay the same however often workers restart. Without it the metric files' hooks
do nothing.
"""

import gc
import itertools
import logging
import multiprocessing
import os
from pathlib import Path

from config import env
from config.log_format import FORMATTERS, log_format
from config.metric_files import fold_exited_worker

# --- settings ----------------------------------------------------------------------------------

bind = f"0.0.0.0:{env.integer('PORT', 8000)}"
wsgi_app = "config.wsgi:application"
# Chosen by measurement (`make bench-workers`, README "Performance"): on 2 cores, 2 gthread
# workers of 4 threads served a cached listing at 2.4 times the req/s of 2 sync workers and every
# page measured with a lower median p99; more processes than cores (3 or 5, sync or gthread)
# only added contention with PostgreSQL and Redis on the same cores, up to ten times the p99.
workers = env.integer("GUNICORN_WORKERS", min(multiprocessing.cpu_count(), 8))
threads = env.integer("GUNICORN_THREADS", 4)
timeout = env.integer("GUNICORN_TIMEOUT", 30)
graceful_timeout = env.integer("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = env.integer("GUNICORN_KEEPALIVE", 5)
# A worker restarts after about this many requests, spread out so they do not all at once.
max_requests = env.integer("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on a (possibly read-only, possibly slow) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The app logs each request itself, as JSON with its request id.
accesslog = None
errorlog = "-"
loglevel = env.text("GUNICORN_LOG_LEVEL", "info")
LOG_FORMAT = log_format()
# The formatters of the app's LOGGING (config.log_format). gunicorn's loggers do not
# propagate: in a worker the root logger is Django's, and a line would be written twice.
# gunicorn.error's level stays gunicorn's (loglevel, --log-level).
logconfig_dict = {
    "formatters": FORMATTERS,
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler", "formatter": LOG_FORMAT, "stream": "ext://sys.stderr",
        },
        "console": {
            "class": "logging.StreamHandler", "formatter": LOG_FORMAT, "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "propagate": False},
        # A logging dict turns gunicorn's access log on; it stays quiet unless accesslog is set,
        # and then goes to stdout, as accesslog = "-" does.
        "gunicorn.access": {
            "handlers": ["console"], "propagate": False,
            "level": "INFO" if accesslog else "WARNING",
        },
    },
}


# --- hooks: long-lived objects out of the garbage collector's way --------------------------------

# Python's collector looks at every object of a generation it collects, however long the
# object has lived. A worker holds about 230,000 that live as long as it does (Django, the apps,
# their compiled templates and resolved URLs); under `make bench`'s load each full collection
# took 130-190 ms, 4 a worker in two minutes, every thread of the worker waiting meanwhile.
# Frozen, they are out of its sight: full collections came five times as often and took 68-87
# ms in all against 490-620 (README, "The garbage collector"). Young objects, the requests'
# own, are collected as before.
# The first requests compile the templates, resolve the URLs and open the connections. Probes
# count too: a worker that has served only them freezes what they made, and what later
# requests keep is collected as before. A restarted worker (GUNICORN_MAX_REQUESTS) starts again.
WARM_AFTER = 500
_requests_served = itertools.count(1)


def post_worker_init(worker) -> None:
    gc.freeze()  # what loading the app imported


def post_request(worker, req, environ, resp) -> None:
    # Once: count's next() is one step under the GIL, whichever thread takes it. What the
    # requests in flight in other threads hold is frozen with the rest, that once.
    if next(_requests_served) == WARM_AFTER:
        gc.freeze()


# --- hooks: warnings as log lines, Prometheus' multiprocess mode ---------------------------------


def on_starting(server) -> None:
    # Python's warnings (a deprecation, a missing static directory) as log records too, in
    # the master and the workers it forks, rather than plain text among the JSON lines.
    logging.captureWarnings(True)
    empty_metrics_dir(env.text("PROMETHEUS_MULTIPROC_DIR"))


def child_exit(server, worker) -> None:
    # Runs in the master, after the worker is reaped, one exit at a time.
    path = env.text("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return
    try:
        fold_exited_worker(worker.pid, path)
    except Exception:
        # An error here would stop the master, and every worker with it. A fold that did not
        # happen leaves the worker's files, still counted, for the next start to empty.
        server.log.exception("Metric files of worker %s not folded.", worker.pid)


def empty_metrics_dir(path: str) -> None:
    if not path:
        return
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
