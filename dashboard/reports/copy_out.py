"""Reading a report's rows with PostgreSQL's COPY ... TO STDOUT, for a report whose rows are
one query (`Report.query`): as the CSV lines the database writes (csv_writer) or as typed
rows (xlsx_writer). The rows stream as the query makes them, nothing kept: no cursor
holding a copy of the whole result on the server (as `iterator()` outside a transaction
does), no ORM converters or time zone conversion in Python for each row; for the CSV, no
Python object for a row at all.

COPY takes no parameters: they go into the statement, quoted by psycopg.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connections
from django.db.models import (
    DateField,
    DateTimeField,
    DecimalField,
    F,
    Func,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, NullIf, Round

from core.spreadsheets import FORMULA_STARTS
from dashboard.kpis import Period, store_zone
from dashboard.reports.definitions import DATE, DATETIME, MONEY, TEXT, Column, Report

LINE_END = b"\r\n"  # as the csv module ends lines
# A formula's first character, put behind an apostrophe by regexp_replace ("-" last: in a
# bracket it would otherwise make a range).
FORMULA_PATTERN = "^([" + "".join(sorted(FORMULA_STARTS, key=lambda start: start == "-")) + "])"
# The type each kind of column is read as: numbers all as numeric, so a count is never cut.
TYPES = {TEXT: "text", DATETIME: "timestamp", DATE: "date"}


def copyable(report: Report, period: Period) -> QuerySet | None:
    """The report's rows as one query, when it has one and it reads from PostgreSQL."""
    if report.query is None:
        return None
    queryset = report.query.rows(period)
    return queryset if connections[queryset.db].vendor == "postgresql" else None


def csv_lines(queryset: QuerySet, report: Report) -> Iterator[bytes]:
    """The rows as CSV lines written by PostgreSQL, each cell as csv_writer writes it
    (`_csv_cell`). The server sends one message per row: each is a line."""
    cells = [_csv_cell(column.kind, field) for column, field in _fields(report)]
    with _copy(queryset.values_list(*cells), "csv") as copy:
        for line in copy:
            yield bytes(line[:-1]) + LINE_END  # PostgreSQL ends a line with "\n" alone


def rows(queryset: QuerySet, report: Report) -> Iterator[tuple]:
    """The rows as `Report.rows` yields them: moments in store time (without a zone), text
    as text, numbers as Decimal."""
    fields = _fields(report)
    cells = [_typed_cell(column.kind, field) for column, field in fields]
    with _copy(queryset.values_list(*cells), "binary") as copy:
        copy.set_types([TYPES.get(column.kind, "numeric") for column, _ in fields])
        yield from copy.rows()


def _fields(report: Report) -> list[tuple[Column, str]]:
    return list(zip(report.columns, report.query.fields, strict=True))


@contextmanager
def _copy(queryset: QuerySet, file_format: str) -> Iterator[psycopg.Copy]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    connection = connections[queryset.db]
    # The copy is psycopg's own, which Django's cursor does not wrap: a database that went
    # away raises django.db's errors, as any other read does (a 503, not a 500).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        statement = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
        with cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT {file_format})") as copy:
            yield copy


def _csv_cell(kind: str, field: str):
    """`field` as csv_writer writes a value of `kind`, as a database expression: text
    neutralised (blank when empty, as the csv module writes it), a moment in store time to
    the second, a date, money to the cent; numbers as they are."""
    value = F(field)
    if kind == TEXT:
        # One reference to the value, so that a subquery behind it runs once.
        neutralised = Func(Cast(value, TextField()), Value(FORMULA_PATTERN), Value("'\\1"),
                           function="regexp_replace", output_field=TextField())
        return NullIf(neutralised, Value(""), output_field=TextField())
    if kind == DATETIME:
        return Func(_local(value), Value("YYYY-MM-DD HH24:MI:SS"), function="to_char",
                    output_field=TextField())
    if kind == DATE:
        return Func(value, Value("YYYY-MM-DD"), function="to_char", output_field=TextField())
    if kind == MONEY:
        return Round(value, 2)
    return value


def _typed_cell(kind: str, field: str):
    """`field` as the type `TYPES` reads it as."""
    value = F(field)
    if kind == TEXT:
        return Cast(value, TextField())
    if kind == DATETIME:
        return _local(value)
    if kind == DATE:
        return Cast(value, DateField())
    return Func(value, template="(%(expressions)s)::numeric", output_field=DecimalField())


def _local(moment):
    """A moment as the store's wall-clock time, without a zone."""
    return Func(Value(store_zone().key), moment, function="timezone",
                output_field=DateTimeField())
