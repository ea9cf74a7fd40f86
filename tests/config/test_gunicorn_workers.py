"""gunicorn's worker defaults, chosen by `make bench-workers`: one process per core with 4
threads each (gunicorn's gthread worker), at most 8 processes; the environment overrides
them."""

import importlib
import multiprocessing

import pytest

from config import gunicorn


@pytest.fixture
def load(monkeypatch):
    def load(*, cpus: int, **environment: str):
        monkeypatch.setattr(multiprocessing, "cpu_count", lambda: cpus)
        for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(gunicorn)

    yield load
    monkeypatch.undo()
    importlib.reload(gunicorn)


def test_one_worker_per_core_with_four_threads(load):
    settings = load(cpus=2)

    assert (settings.workers, settings.threads) == (2, 4)


def test_at_most_eight_workers(load):
    assert load(cpus=32).workers == 8


def test_the_environment_chooses_sync_workers(load):
    settings = load(cpus=2, GUNICORN_WORKERS="3", GUNICORN_THREADS="1")

    assert (settings.workers, settings.threads) == (3, 1)
