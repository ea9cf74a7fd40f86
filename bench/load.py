"""Driving wrk against a running server: one run's figures."""

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk.lua")
# Each request to the next of a list of addresses (paths), for pages nothing is cached for.
PATHS_SCRIPT = Path(__file__).with_name("wrk_paths.lua")


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    bad: int  # responses with a status of 400 or more, and socket errors
    requests: int = 0
    # The CPU time the whole machine used a request meanwhile (the server, PostgreSQL, Redis
    # and wrk): what a request cost, whatever share of the cores the machine was given. The
    # requests still running when wrk stops are in the time and not in the count, up to one
    # a connection: a page served at 13 req/s for 10 s at 16 connections reads up to 12 %
    # high, about half that if they were half done.
    cpu_ms: float = 0.0


def run_wrk(
    url: str, *, connections: int, seconds: int, headers: dict[str, str],
    paths: Sequence[str] = (),
) -> Run:
    """wrk with `connections` connections on 2 threads (1 for a single connection); with
    `paths`, each request asks for the next of them on `url`'s server instead of `url`."""
    threads = min(2, connections)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(PATHS_SCRIPT if paths else SCRIPT),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listed:
        listed.write("".join(f"{path}\n" for path in paths))
        listed.flush()
        arguments = ["--", listed.name, str(threads)] if paths else []
        busy = machine_busy_ms()
        finished = subprocess.run(  # noqa: S603 - our own arguments
            [*command, url, *arguments], capture_output=True, text=True, check=True
        )
        busy = machine_busy_ms() - busy
    run = parse_summary(finished.stdout)
    return replace(run, cpu_ms=busy / run.requests if run.requests else 0.0)


def machine_busy_ms() -> float:
    """The CPU time every process on the machine has used since it started, in ms: Linux's
    user, nice, system, irq and softirq time (/proc/stat), not idle, waiting or stolen."""
    first_line = Path("/proc/stat").read_text().split("\n", 1)[0]
    user, nice, system, _idle, _iowait, irq, softirq = map(int, first_line.split()[1:8])
    return (user + nice + system + irq + softirq) * 1000 / os.sysconf("SC_CLK_TCK")


def parse_summary(output: str) -> Run:
    """The JSON line wrk.lua's done() writes, after wrk's own report."""
    line = next(line for line in reversed(output.splitlines()) if line.startswith("{"))
    summary = json.loads(line)
    return Run(
        requests_per_second=summary["requests"] / (summary["duration_us"] / 1e6),
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        bad=summary["bad_status"] + summary["socket_errors"],
        requests=summary["requests"],
    )
