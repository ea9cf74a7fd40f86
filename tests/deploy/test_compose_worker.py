"""The compose file's task worker: the queue runner, checked by its heartbeat file."""

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "compose.yaml"


def test_the_worker_runs_the_queue_and_is_checked_by_its_heartbeat():
    worker = yaml.safe_load(COMPOSE.read_text())["services"]["worker"]
    assert worker["command"][:3] == ["python", "manage.py", "run_worker"]
    kind, check = worker["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    # Compose turns $$ into $, leaving the expansions to the container's shell.
    assert check.replace("$$", "$") == (
        'test $(( $(date +%s) - $(stat -c %Y "${WORKER_HEARTBEAT_FILE:-/tmp/worker-heartbeat}") ))'
        " -lt 60"
    )
