"""A real read replica: a PostgreSQL primary and a streaming replica of it, started for these
tests (tests.core.replicated_postgres), and the shop on both in a process of its own
(tests.core.replica_scenario). The replica's replay is paused, then an order is paid on the
primary: the staff dashboard, the sales report and the recommendations' rebuild (read from
the replica) leave it out, while the shopper's order page (read from the primary) shows it
at once. Replay resumes and the figures catch up; the replica is stopped and the dashboard
is served from the primary.

They run where PostgreSQL does (CI's PostgreSQL stage, DATABASE_URL set), which must then
have the server binaries; the test database is never touched: the servers are our own, on
free ports, stopped and removed at the end."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import need
from tests.core.replica_scenario import CONTROL
from tests.core.replicated_postgres import ReplicatedPostgres

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "shop_replica_test"
SCENARIO_TIMEOUT = 300


@pytest.fixture(scope="module")
def seen(tmp_path_factory) -> dict:
    """What the scenario saw, run once for the module's tests."""
    if connection.vendor != "postgresql":
        need("needs PostgreSQL: set DATABASE_URL (CI's PostgreSQL stage runs these)")
    cluster = ReplicatedPostgres.find_binaries()
    if isinstance(cluster, str):
        need(cluster)
    log = tmp_path_factory.mktemp("replica") / "scenario.log"
    with cluster:
        cluster.start_primary(DATABASE)
        environment = {
            **{name: value for name, value in os.environ.items()
               if not name.startswith(("DATABASE_", "REDIS_", "PYTEST_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": cluster.primary_url(DATABASE),
        }
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
            env=environment, capture_output=True, text=True, timeout=300, check=False,
        )
        assert migrated.returncode == 0, migrated.stderr
        cluster.start_replica()
        return run_scenario(
            cluster, environment | {"DATABASE_REPLICA_URL": cluster.replica_url(DATABASE)}, log
        )


def run_scenario(cluster: ReplicatedPostgres, environment: dict, log: Path) -> dict:
    """Run tests.core.replica_scenario, doing to the servers what it asks for."""
    actions = {
        "caught up": cluster.wait_for_replay,
        "pause": cluster.pause_replay,
        "resume": lambda: (cluster.resume_replay(), cluster.wait_for_replay()),
        "stop": cluster.stop_replica,
    }
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.core.replica_scenario"], cwd=ROOT, env=environment,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True,
        )
        watchdog = threading.Timer(SCENARIO_TIMEOUT, process.kill)
        watchdog.start()
        last = ""
        try:
            for line in process.stdout:
                if line.startswith(CONTROL):
                    actions[line.removeprefix(CONTROL).strip()]()
                    process.stdin.write("done\n")
                    process.stdin.flush()
                elif line.strip():
                    last = line
            process.wait()
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 0, log.read_text()[-5000:]
    return json.loads(last)


def test_before_the_pause_the_dashboard_shows_what_was_paid(seen):
    before = seen["before"]
    assert (before["status"], before["report_status"]) == (200, 200)
    assert before["report_orders"] == [seen["first"]]
    assert "$40.00" in before["figures"]
    assert before["replica_used"] is True


def test_an_order_paid_while_the_replica_is_behind_is_not_yet_in_the_figures(seen):
    paused = seen["paused"]
    assert (paused["status"], paused["report_status"]) == (200, 200)
    assert paused["report_orders"] == [seen["first"]]
    assert "$40.00" in paused["figures"]
    assert "$65.00" not in paused["figures"]


def test_the_shoppers_order_page_reads_the_primary_at_once(seen):
    assert seen["paused_order_page"] == {"status": 200, "shows_number": True}


def test_the_figures_catch_up_once_the_replica_replays(seen):
    resumed = seen["resumed"]
    assert resumed["report_orders"] == sorted([seen["first"], seen["second"]])
    assert "$65.00" in resumed["figures"]


def test_the_recommendations_are_rebuilt_from_the_replica_and_written_to_the_primary(seen):
    # The rebuild counts the paid orders it read, and replaces the tables on the primary.
    assert (seen["paused_rebuild_baskets"], seen["resumed_rebuild_baskets"]) == (1, 2)


def test_with_the_replica_stopped_the_dashboard_is_read_from_the_primary(seen):
    for down in (seen["replica_down"], seen["replica_down_again"]):
        assert (down["status"], down["report_status"]) == (200, 200)
        assert down["report_orders"] == sorted([seen["first"], seen["second"]])
        assert "$65.00" in down["figures"]
        assert down["replica_used"] is False
        assert down["seconds"] < 10
