"""`python -m bench.recommendations`: one rebuild of the recommendation tables from the
seeded shop, as the periodic task runs it, in a process of its own so that its peak memory is
the rebuild's. Prints one line of JSON: what was scored, wall time, resident memory before
and at its peak."""

import json
import resource
import time

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from recommendations import services


def rebuild() -> dict:
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.perf_counter()
    rebuilt = services.rebuild()
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "products": rebuilt.products, "orders": rebuilt.baskets,
        "links": rebuilt.bought_links + rebuilt.similar_links, "seconds": round(seconds, 2),
        "before_mb": round(before_kib / 1024, 1), "peak_mb": round(peak_kib / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(rebuild()))
