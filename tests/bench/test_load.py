"""Driving wrk: its summary read right, the addresses and threads it is given, and the CPU
time a request cost the machine while it ran."""

import os
import time
from pathlib import Path

import pytest

from bench import load

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8802/items/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.01ms    1.20ms  20.00ms   80.00%
  32000 requests in 10.00s, 40.00MB read
Requests/sec:   3199.00
""" + (
    '{"requests": 32000, "duration_us": 10000000, "p50_us": 4850, "p99_us": 9100, '
    '"bad_status": 2, "socket_errors": 1}\n'
)


def finished(requests: int) -> object:
    """What subprocess.run returns for a wrk run of one second that served `requests`."""
    return type("Finished", (), {"stdout": f'{{"requests": {requests}, "duration_us": 1000000, '
                                           '"p50_us": 1000, "p99_us": 2000, "bad_status": 0, '
                                           '"socket_errors": 0}'})()


def test_wrk_summary_is_read_from_its_json_line():
    run = load.parse_summary(WRK_OUTPUT)

    assert run.requests_per_second == 3200
    assert run.p50_ms == pytest.approx(4.85)
    assert run.p99_ms == pytest.approx(9.1)
    assert run.bad == 3
    assert run.requests == 32000


def test_wrk_is_given_the_addresses_and_its_thread_count(monkeypatch):
    seen = {}

    def run(command, **kwargs):
        seen["command"] = command
        seen["paths"] = Path(command[command.index("--") + 1]).read_text().split()
        return finished(10)

    monkeypatch.setattr(load.subprocess, "run", run)

    result = load.run_wrk("http://127.0.0.1:1/", connections=16, seconds=1, headers={},
                          paths=["/a/", "/b/"])

    assert seen["paths"] == ["/a/", "/b/"]
    assert seen["command"][-1] == "2" and str(load.PATHS_SCRIPT) in seen["command"]
    assert result.requests_per_second == 10


def test_a_run_divides_the_machines_cpu_time_meanwhile_by_its_requests(monkeypatch):
    readings = iter([1_000.0, 1_250.0])  # ms, before and after wrk
    monkeypatch.setattr(load, "machine_busy_ms", lambda: next(readings))
    monkeypatch.setattr(load.subprocess, "run", lambda command, **kwargs: finished(50))

    result = load.run_wrk("http://127.0.0.1:1/", connections=16, seconds=1, headers={})

    assert result.requests == 50 and result.cpu_ms == 5.0


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc/stat")
def test_the_machines_cpu_time_counts_this_process_work_and_no_more_than_its_cores_give():
    before, own, wall = load.machine_busy_ms(), time.process_time(), time.perf_counter()
    while time.process_time() - own < 0.2:  # 200 ms of this process's CPU
        sum(range(10_000))
    busy = load.machine_busy_ms() - before
    elapsed_ms = (time.perf_counter() - wall) * 1000

    assert 150 <= busy <= os.cpu_count() * elapsed_ms + 20  # the clock ticks every 10 ms
