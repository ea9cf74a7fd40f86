"""Reports as CSV: UTF-8 behind a byte order mark (so Excel reads accents right), a header
line and one line per row, produced a chunk of rows at a time as they are read so a response
can stream it.

Text a spreadsheet would run as a formula (a cell starting with = + - @, a tab or a carriage
return) gets a leading apostrophe; numbers are written as numbers, so -5.00 stays a number.
There is no totals line: a CSV file is read by programs as much as by people.

On PostgreSQL a report whose rows are one query (`Report.query`, the sales report's) has the
database write its lines (copy_out, COPY ... TO STDOUT) with the same cells, neutralised text
included, in a fraction of the time making each row in Python takes.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from core.money import to_cents
from core.spreadsheets import BOM, neutralise
from dashboard.kpis import Period
from dashboard.reports import copy_out
from dashboard.reports.definitions import (
    DATE,
    DATETIME,
    MONEY,
    TEXT,
    Column,
    Figures,
    Report,
)

ROWS_PER_CHUNK = 100  # lines sent at once: fewer, larger writes than one per line


def csv_chunks(report: Report, period: Period) -> Iterator[bytes]:
    """The report as CSV, encoded, ROWS_PER_CHUNK lines at a time: the byte order mark and
    the header go with the first rows."""
    header = _Lines()
    csv.writer(header).writerow([column.label for column in report.columns])
    chunk = [(BOM + header.take()).encode()]
    for n, line in enumerate(_lines(report, period), start=1):
        chunk.append(line)
        if n % ROWS_PER_CHUNK == 0:
            yield b"".join(chunk)
            chunk.clear()
    if chunk:
        yield b"".join(chunk)


def _lines(report: Report, period: Period) -> Iterator[bytes]:
    """The rows' lines, each encoded: written by PostgreSQL when the report's rows are one
    query there (copy_out), else by the csv module."""
    queryset = copy_out.copyable(report, period)
    if queryset is not None:
        return copy_out.csv_lines(queryset, report)
    return _written_lines(report, period)


def _written_lines(report: Report, period: Period) -> Iterator[bytes]:
    lines = _Lines()
    writer = csv.writer(lines)
    for row in report.rows(Figures(period)):
        writer.writerow(csv_cells(report.columns, row))
        yield lines.take().encode()


def csv_cells(columns: Iterable[Column], row: Iterable) -> list:
    return [_cell(column.kind, value) for column, value in zip(columns, row, strict=True)]


def _cell(kind: str, value):
    if value is None:
        return ""
    if kind == TEXT:
        return neutralise(str(value))
    if kind == DATETIME and isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if kind == DATE and isinstance(value, date):
        return value.isoformat()
    if kind == MONEY:
        return to_cents(value)  # 50.00, not 50
    return value  # numbers: csv writes them as they are


class _Lines:
    """Where csv.writer writes, taken out a chunk at a time: only a chunk is ever held."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text
