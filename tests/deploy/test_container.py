"""The Dockerfile, the compose file and gunicorn's settings."""

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_the_image_is_built_in_stages():
    stages = re.findall(r"^FROM python:\S+-slim AS (\w+)", dockerfile(), flags=re.MULTILINE)
    assert len(stages) == 2
    assert re.search(r"^COPY --from=build ", dockerfile(), flags=re.MULTILINE)


def test_the_image_runs_as_a_user_other_than_root():
    users = re.findall(r"^USER (\S+)", dockerfile(), flags=re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_the_image_collects_static_files_with_a_throwaway_key():
    [run] = [line for line in dockerfile().split("RUN ") if "collectstatic" in line]
    assert "SECRET_KEY=" in run and "ALLOWED_HOSTS=" in run
    assert not re.search(r"^ENV .*SECRET_KEY", dockerfile(), flags=re.MULTILINE)


def test_the_image_checks_its_health_on_liveness():
    [check] = re.findall(r"^HEALTHCHECK (?:.*\\\n)*.*", dockerfile(), flags=re.MULTILINE)
    assert "/liveness/" in check and "urllib" in check
    assert "EXPOSE 8000" in dockerfile()


def compose() -> dict:
    return yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())


def test_compose_runs_every_part():
    assert {"web", "worker", "db", "redis", "migrate"} <= compose()["services"].keys()


def test_the_web_and_the_worker_wait_for_the_migrations():
    services = compose()["services"]
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["db"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "run_worker" in services["worker"]["command"]


def test_compose_reads_the_env_file_and_checks_health():
    services = compose()["services"]
    for name in ("web", "worker", "migrate"):
        assert services[name]["env_file"] == "../.env"
    for name in ("web", "db", "redis"):
        assert services[name]["healthcheck"]["test"]


def test_gunicorn_reads_its_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "3")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    config = importlib.reload(importlib.import_module("config.gunicorn"))
    assert (config.workers, config.threads, config.timeout) == (5, 3, 45)
    assert config.graceful_timeout < 30  # inside Kubernetes' termination grace period
    assert config.wsgi_app == "config.wsgi:application"


def test_gunicorn_leaves_metrics_alone_without_a_multiprocess_dir(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    config = importlib.import_module("config.gunicorn")
    config.child_exit(server=None, worker=None)  # would fail reading worker.pid otherwise


def test_compose_caps_the_cache_and_evicts_the_least_recently_used_keys():
    command = compose()["services"]["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert command[command.index("--maxmemory") + 1].endswith("mb")
