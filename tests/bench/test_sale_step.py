"""The sale step of `make bench`: each page read alone and then during the sale, the CPU a
read cost the shop's workers kept apart for the two, and the cores the shoppers took. The
served shop, wrk and the shoppers' process are stood in for: what is checked is how their
figures are put together."""

import json

import pytest

from bench import report, run
from bench.load import Run

SHOPPERS_PID = 4242
WORKERS = [11, 12]


class Shoppers:
    """bench.sale's process as the step sees it: its pid, and the line it prints at the end."""

    pid = SHOPPERS_PID

    def __init__(self, command, returncode):
        self.command, self.returncode = command, returncode

    def communicate(self, timeout):
        return json.dumps({"clients": 16, "orders": 90, "seconds": 34.0,
                           "orders_per_second": 2.6}) + "\n", None


@pytest.fixture
def sale(monkeypatch):
    """The step with its parts stood in for; `sale.reads` lists the pages read in turn."""
    targets = {name: (f"http://shop/{n}", {}) for n, name in enumerate(report.DURING_SALE)}
    # The pages alone (CPU 2, 3, 4 ms a read), then in the sale (5, 6, 7 ms, at 100, 200, 300
    # req/s).
    answers = iter([(Run(900.0, 10.0, 40.0, 0, requests=9000), 2.0),
                    (Run(800.0, 10.0, 40.0, 0, requests=8000), 3.0),
                    (Run(700.0, 10.0, 40.0, 0, requests=7000), 4.0),
                    (Run(100.0, 20.0, 90.0, 0, requests=1000), 5.0),
                    (Run(200.0, 20.0, 95.0, 1, requests=2000), 6.0),
                    (Run(300.0, 20.0, 99.0, 0, requests=3000), 7.0)])
    read = []

    def a_read(target, seconds, workers):
        assert workers == WORKERS
        read.append(target[0])
        return next(answers)

    # The shoppers' process used 600 ms of CPU in the 2 s the pages were read during the sale.
    shoppers_cpu = iter([1000.0, 1600.0])
    clock = [100.0, 102.0]  # the first reading, then every one after it
    started = []

    def shoppers(returncode):
        def start(command, **kwargs):
            started.append(command)
            return Shoppers(command, returncode)
        return start

    monkeypatch.setattr(run, "_workers_cpu_a_read", a_read)
    monkeypatch.setattr(run.serve, "workers_of", lambda master: WORKERS)
    monkeypatch.setattr(run.serve, "cpu_ms", lambda pids: next(shoppers_cpu))
    monkeypatch.setattr(run.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(run.time, "monotonic", lambda: clock.pop(0) if len(clock) > 1 else clock[0])

    def step(returncode=0):
        monkeypatch.setattr(run.subprocess, "Popen", shoppers(returncode))
        return run._during_sale(targets, 10, {}, shop=None)

    step.targets, step.read, step.started = targets, read, started
    return step


def test_each_page_keeps_its_cpu_alone_and_in_the_sale_apart(sale):
    result = sale()

    urls = [url for url, _ in sale.targets.values()]
    assert sale.read == urls + urls  # each alone, then each in the sale, in the same order
    listing, search, product = (result["reads"][name] for name in report.DURING_SALE)
    assert (listing["alone_workers_cpu_ms"], listing["workers_cpu_ms"]) == (2.0, 5.0)
    assert (search["alone_workers_cpu_ms"], search["workers_cpu_ms"]) == (3.0, 6.0)
    assert (product["alone_workers_cpu_ms"], product["workers_cpu_ms"]) == (4.0, 7.0)
    assert (listing["rps"], search["p99_ms"], search["bad"]) == (100.0, 95.0, 1)


def test_the_shoppers_buy_through_every_read_and_their_cores_are_counted(sale):
    result = sale()

    [command] = sale.started
    assert command[-2:] == ["bench.sale", str(10 * len(report.DURING_SALE) + 4)]
    assert result["shoppers_cores"] == pytest.approx(0.3)  # 600 ms of CPU in 2,000 ms
    assert (result["orders"], result["orders_per_second"]) == (90, 2.6)


def test_shoppers_that_fail_stop_the_benchmark(sale):
    with pytest.raises(SystemExit, match="shoppers of the sale stopped with an error"):
        sale(returncode=1)
