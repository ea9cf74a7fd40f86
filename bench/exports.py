"""`python -m bench.exports REPORT FORMAT START END`: one report written as the download
view writes it (CSV streamed in chunks, XLSX through dashboard.reports.xlsx_writer), into a
temporary file. Run once per report in a process of its own, so its peak memory is the
report's. Prints one line of JSON: rows, wall time, peak resident memory, file size.
"""

import json
import resource
import sys
import tempfile
import time
from datetime import date

import django
from django.apps import apps

if not apps.ready:  # run as a script; imported by the tests, Django is set up already
    django.setup()

from dashboard.kpis import Period
from dashboard.reports.csv_writer import csv_chunks
from dashboard.reports.definitions import REPORTS
from dashboard.reports.xlsx_writer import write_workbook


def export(name: str, file_format: str, start: str, end: str) -> dict:
    """Write report `name` as `file_format` for the days `start` to `end` (ISO dates)."""
    report = REPORTS[name]
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    started = time.perf_counter()
    with tempfile.TemporaryFile() as file:
        if file_format == "csv":
            rows = -1  # the header line
            for chunk in csv_chunks(report, period):
                file.write(chunk)
                rows += chunk.count(b"\n")
        else:
            rows = write_workbook(report, period, file)
        size = file.tell()
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "report": f"{name}.{file_format}", "start": start, "end": end, "rows": rows,
        "seconds": round(seconds, 2), "peak_mb": round(peak_kib / 1024, 1),
        "bytes": size,
    }


if __name__ == "__main__":
    print(json.dumps(export(*sys.argv[1:])))
