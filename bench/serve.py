"""Serving the shop for a benchmark: its environment, fresh databases, gunicorn on a port,
and a page checked before load is put on it. bench.run, bench.scale and bench.workers share
these; each names its own databases, Redis database and ports, so runs do not collide."""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
# What a browser asking for a page sends (the shop counts such visitors); the shop sits behind
# a proxy that terminates TLS, as in production.
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) shop-bench",
}
SHOP_HEADERS = {**BROWSER_HEADERS, "X-Forwarded-Proto": "https"}


def database_url(name: str) -> str:
    return f"postgres://{os.environ.get('DATABASE_USER', 'postgres')}@127.0.0.1:5432/{name}"


def common_environment(secret: str) -> dict:
    return {
        **os.environ, "SECRET_KEY": secret, "PYTHONPATH": str(ROOT), "GUNICORN_WORKERS": "2",
        # No worker recycling during the runs: a restart (Django imported again, about a
        # second of a core) would land in some run's p99 and not in another's.
        "GUNICORN_MAX_REQUESTS": "0",
    }


def shop_environment(work: Path, *, database: str, redis_url: str, secret: str = "") -> dict:
    """The shop under its production settings, on PostgreSQL `database` and Redis."""
    shop = {
        **common_environment(secret or secrets.token_urlsafe(50)),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(database),
        "REDIS_URL": redis_url,
        "BEHIND_TLS_PROXY": "true",
        # One machine sends every request: per-address limits would answer 429.
        "RATELIMIT_ENABLE": "false",
        "STORE_TAX_RATE": "0.08",
        "EMAIL_URL": "console://",
        "MEDIA_ROOT": str(work / "media"),
        # Card payments on, so checkout offers them (no call leaves the machine here).
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
    }
    shop.pop("DEBUG", None)
    return shop


def _admin_connection() -> psycopg.Connection:
    user = os.environ.get("DATABASE_USER", "postgres")
    name, _, password = user.partition(":")
    return psycopg.connect(host="127.0.0.1", user=name, password=password or None,
                           dbname="postgres", autocommit=True)


def fresh_databases(*names: str, template: str = "") -> None:
    """Drop and create each database, empty or as a copy of `template`."""
    copy = f' TEMPLATE "{template}"' if template else ""
    with _admin_connection() as connection:
        for database in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{database}"{copy}')


def drop_databases(*names: str) -> None:
    with _admin_connection() as connection:
        for database in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def empty_redis(url: str) -> None:
    redis.Redis.from_url(url).flushdb()


def manage(arguments: list[str], env: dict) -> None:
    subprocess.run([PYTHON, "-m", "django", *arguments], env=env, cwd=ROOT, check=True)  # noqa: S603


def run_json(arguments: list[str], env: dict) -> dict:
    """The last line of a benchmark step's output, which is JSON."""
    finished = subprocess.run(  # noqa: S603 - our own arguments
        [PYTHON, *arguments], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def gunicorn(env: dict, port: int, app: str, log: Path) -> subprocess.Popen:
    command = [GUNICORN, "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", app]
    with log.open("w") as output:
        return subprocess.Popen(  # noqa: S603 - our own arguments
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )


@contextmanager
def served(env: dict, port: int, work: Path, *, name: str = "shop"):
    """The shop under gunicorn on 127.0.0.1:`port` until the block ends; yields the master's
    process."""
    log = work / f"{name}.log"
    # Metrics files are the web process's alone, as in production.
    server = gunicorn({**env, "PROMETHEUS_MULTIPROC_DIR": str(work / f"{name}-metrics")}, port,
                      "config.wsgi:application", log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/readiness/", log)
        yield server
    finally:
        stop(server)


def workers_of(server: subprocess.Popen) -> list[int]:
    """The process ids of a gunicorn master's workers."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def cpu_ms(pids: list[int]) -> float:
    """The CPU time these processes (every thread of each) have used so far, in ms: user and
    system time from /proc/<pid>/stat."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def wait_until_up(url: str, log: Path) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer; the server said:\n{log.read_text()[-3000:]}")


def get_page(url: str, headers: dict) -> None:
    """GET `url`, read to the end; stop the run unless it answered 200 (redirects included)."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our server
    try:
        with urllib.request.build_opener(_NoRedirects).open(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{url} answered {status}, not 200.")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
