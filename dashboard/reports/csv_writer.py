"""Reports as CSV: UTF-8 behind a byte order mark (so Excel reads accents right), a header
line and one line per row, produced as the rows are read so a response can stream it.

Text a spreadsheet would run as a formula (a cell starting with = + - @, a tab or a carriage
return) gets a leading apostrophe; numbers are written as numbers, so -5.00 stays a number.
There is no totals line: a CSV file is read by programs as much as by people.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from dashboard.kpis import Period
from dashboard.reports.definitions import DATE, DATETIME, MONEY, TEXT, Column, Report

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CENT = Decimal("0.01")


def csv_lines(report: Report, period: Period) -> Iterator[bytes]:
    """The report as CSV, one encoded line at a time, the byte order mark first."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([column.label for column in report.columns])
    yield (BOM + line.take()).encode()
    for row in report.rows(period):
        writer.writerow(csv_cells(report.columns, row))
        yield line.take().encode()


def csv_cells(columns: Iterable[Column], row: Iterable) -> list:
    return [_cell(column.kind, value) for column, value in zip(columns, row, strict=True)]


def neutralise(text: str) -> str:
    """Text a spreadsheet would take for a formula, made plain text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


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
        return Decimal(value).quantize(CENT, ROUND_HALF_UP)  # 50.00, not 50
    return value  # numbers: csv writes them as they are


class _Line:
    """Where csv.writer writes one line, taken out right after: only a line is ever held."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text
