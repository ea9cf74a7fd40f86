"""Reports as CSV: UTF-8 behind a byte order mark (so Excel reads accents right), a header
line and one line per row, produced a chunk of rows at a time as they are read so a response
can stream it.

Text a spreadsheet would run as a formula (a cell starting with = + - @, a tab or a carriage
return) gets a leading apostrophe; numbers are written as numbers, so -5.00 stays a number.
There is no totals line: a CSV file is read by programs as much as by people.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from core.money import to_cents
from core.spreadsheets import BOM, neutralise
from dashboard.kpis import Period
from dashboard.reports.definitions import DATE, DATETIME, MONEY, TEXT, Column, Figures, Report

ROWS_PER_CHUNK = 100  # lines sent at once: fewer, larger writes than one per line


def csv_chunks(report: Report, period: Period) -> Iterator[bytes]:
    """The report as CSV, encoded, ROWS_PER_CHUNK lines at a time: the byte order mark and
    the header go with the first rows."""
    lines = _Lines()
    writer = csv.writer(lines)
    lines.write(BOM)
    writer.writerow([column.label for column in report.columns])
    pending = 0
    for row in report.rows(Figures(period)):
        writer.writerow(csv_cells(report.columns, row))
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield lines.take().encode()
            pending = 0
    if lines.parts:
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
