"""gunicorn's settings and hooks for the shop: `gunicorn -c config/gunicorn.py` (the image's
command). Settings come from the environment:

GUNICORN_WORKERS (default: 2 per CPU + 1, at most 8), GUNICORN_THREADS (4),
GUNICORN_TIMEOUT (30 s a request), GUNICORN_GRACEFUL_TIMEOUT (25 s to finish the requests
in flight after SIGTERM: inside Kubernetes' 30 s termination grace period), PORT (8000).
GUNICORN_CMD_ARGS and the command line still override them.

With PROMETHEUS_MULTIPROC_DIR set, each worker keeps its metrics in files there and a
scrape adds them up (monitoring.metrics). The master empties the directory when it starts,
so a restart does not count the last run's values again, and marks each worker that exits
as dead, so its live gauges stop being reported. Without it the hooks do nothing.
"""

import multiprocessing
import os
from pathlib import Path

from prometheus_client import multiprocess

from config import env

# --- settings ----------------------------------------------------------------------------------

bind = f"0.0.0.0:{env.integer('PORT', 8000)}"
wsgi_app = "config.wsgi:application"
workers = env.integer("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8))
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


# --- hooks: Prometheus' multiprocess mode --------------------------------------------------------


def on_starting(server) -> None:
    empty_metrics_dir(env.text("PROMETHEUS_MULTIPROC_DIR"))


def child_exit(server, worker) -> None:
    path = env.text("PROMETHEUS_MULTIPROC_DIR")
    if path:
        multiprocess.mark_process_dead(worker.pid, path)


def empty_metrics_dir(path: str) -> None:
    if not path:
        return
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
