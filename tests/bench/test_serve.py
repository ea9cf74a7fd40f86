"""What the benchmark reads of the processes it serves and starts: a gunicorn master's
workers, and the CPU time processes have used."""

import os
import signal
import subprocess
import sys
import time

from bench import serve

MASTER = (
    "import subprocess, sys\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
    "print(child.pid, flush=True)\n"
    "child.wait()\n"
)


def test_a_masters_workers_are_its_children():
    master = subprocess.Popen([sys.executable, "-c", MASTER], stdout=subprocess.PIPE, text=True)
    child = int(master.stdout.readline())
    try:
        assert serve.workers_of(master) == [child]
    finally:
        os.kill(child, signal.SIGTERM)
        master.wait(timeout=10)
        master.stdout.close()


def test_cpu_time_counts_what_a_process_has_used():
    before = serve.cpu_ms([os.getpid()])
    busy_until = time.process_time() + 0.3
    while time.process_time() < busy_until:
        pass

    used = serve.cpu_ms([os.getpid()]) - before

    assert 250 <= used <= 1000
