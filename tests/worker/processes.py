"""Task workers as processes of their own, on the test database, for the tests that kill
them. Emails go to files in a folder, so that what every worker sent can be counted."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(
    worker_id: str, *, mail_dir: Path, log: Path, mail_delay: float = 0, **env: str
) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker.settings",
        "DATABASE_URL": database_url(),
        "MAIL_DIR": str(mail_dir),
        "MAIL_DELAY_SECONDS": str(mail_delay),
        "LOG_FORMAT": "json",
        # Quick by default; the production defaults are measured by setting these.
        "WORKER_HEARTBEAT_SECONDS": os.environ.get("WORKER_HEARTBEAT_SECONDS", "1"),
        "WORKER_LOST_AFTER_SECONDS": os.environ.get("WORKER_LOST_AFTER_SECONDS", "3"),
        **env,
    }
    environment.pop("REDIS_URL", None)
    command = [
        sys.executable, "manage.py", "run_worker", "--worker-id", worker_id, "--interval", "0.2",
        "--no-startup-delay", "--metrics-port", "0", "--heartbeat-file", str(log) + ".beat",
    ]
    with log.open("ab") as output:
        return subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(check, *, timeout: float, every: float = 0.2):
    """Poll `check()` until it returns something true; that value, or None after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    return None

