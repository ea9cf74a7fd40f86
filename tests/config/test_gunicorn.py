"""gunicorn run for real with config/gunicorn.py and production settings: its own lines are
JSON like the app's (text on request), and the metric files of a worker killed outright are
folded by the master, its counts kept."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
TOKEN = "scrape-me-4b2e"

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    stderr: Path

    def get(self, path: str, **headers) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
        opener = urllib.request.build_opener(NoRedirects)
        try:
            with opener.open(request, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    def lines(self) -> list[str]:
        return [line for line in self.stderr.read_text().splitlines() if line.strip()]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(tmp_path: Path, **environment: str) -> Iterator[Server]:
    """gunicorn under production settings until the block ends, then stopped with SIGTERM
    (SIGKILL if it lingers)."""
    port = free_port()
    stderr = tmp_path / "stderr.log"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORT": str(port),
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_GRACEFUL_TIMEOUT": "2",
        **environment,
    }
    with open(stderr, "wb") as errors:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}",
             "--no-control-socket"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors,
        )
    server = Server(process, port, stderr)
    try:
        wait_for(lambda: answers(server), what="gunicorn to answer")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def answers(server: Server) -> bool:
    if server.process.poll() is not None:
        raise AssertionError("gunicorn exited:\n" + server.stderr.read_text())
    try:
        return server.get("/liveness/")[0] == 200
    except OSError:
        return False


def wait_for(condition, *, what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {seconds} s for {what}.")
        time.sleep(0.05)


def test_gunicorn_writes_json_lines_in_production(tmp_path):
    with gunicorn(tmp_path) as server:
        assert server.get("/somewhere/")[0] == 301  # the app logs it, as JSON too
    entries = [json.loads(line) for line in server.lines()]  # fails on any plain line
    assert all(entry["level"] and entry["message"] for entry in entries)
    messages = [entry["message"] for entry in entries if entry["logger"] == "gunicorn.error"]
    assert any(message.startswith("Booting worker") for message in messages)
    assert "Shutting down: Master" in messages
    assert any(entry["logger"] == "shop.request" for entry in entries)


def test_gunicorn_writes_text_lines_when_asked(tmp_path):
    with gunicorn(tmp_path, LOG_FORMAT="text"):
        pass
    lines = (tmp_path / "stderr.log").read_text().splitlines()
    assert any(" INFO gunicorn.error [-] Booting worker" in line for line in lines)
    assert not any(line.startswith("{") for line in lines)


def test_a_killed_workers_metrics_are_folded_and_kept(tmp_path):
    metrics = tmp_path / "metrics"
    with gunicorn(tmp_path, GUNICORN_WORKERS="2", PROMETHEUS_MULTIPROC_DIR=str(metrics),
                  METRICS_TOKEN=TOKEN) as server:
        for _ in range(6):
            assert server.get("/somewhere/")[0] == 301
        counted_by = [int(path.stem.split("_")[1]) for path in metrics.glob("counter_*.db")]
        killed = counted_by[0]
        os.kill(killed, signal.SIGKILL)  # as the OOM killer would
        wait_for(lambda: not list(metrics.glob(f"*_{killed}.db")), what="the fold")
        assert (metrics / "counter_archive.db").exists()

        status, text = server.get("/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 200
        counted = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line.startswith("shop_http_requests_total{")
        )
        assert counted == 6
        wait_for(lambda: len(booted(server)) == 3, what="gunicorn to replace the worker")
    for line in server.lines():
        json.loads(line)


def booted(server: Server) -> list[str]:
    return [line for line in server.lines() if "Booting worker" in line]
