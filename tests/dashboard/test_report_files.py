"""The report files cell by cell: the rows' sheet of a workbook as openpyxl reads it back
(types, number formats, styles, text kept as written) and as a well-formed package, and the
CSV PostgreSQL writes against the one the csv module writes."""

import csv
import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import psycopg
import pytest
from django import db
from lxml import etree
from openpyxl import load_workbook

from dashboard.reports import copy_out
from dashboard.reports.csv_writer import csv_chunks
from dashboard.reports.definitions import (
    COUNT,
    DATE,
    DATETIME,
    MONEY,
    PERCENT,
    SALES,
    TEXT,
    Column,
    Figures,
    Report,
)
from dashboard.reports.xlsx_writer import write_workbook
from shop.models import Order
from tests.dashboard import test_reports
from tests.dashboard.test_reports import (
    MARCH,
    QUERY,
    paid,
    report_url,
    utc,
    workbook,
)
from tests.factories import OrderFactory

original_csv_lines = copy_out.csv_lines

pytestmark = pytest.mark.django_db
catalogue, march = test_reports.catalogue, test_reports.march  # the fixtures, shared
MONEY_FORMAT = '"$"#,##0.00'


@pytest.fixture(autouse=True)
def _utc_store(settings):
    settings.TIME_ZONE = "UTC"
    settings.STORE_CURRENCY = "USD"


def written(report: Report):
    """`report` for March as an XLSX file, the file's bytes and its first sheet read back."""
    file = io.BytesIO()
    write_workbook(report, MARCH, file)
    return file.getvalue(), load_workbook(io.BytesIO(file.getvalue())).worksheets[0]


def kinds_report(rows: list[tuple]) -> Report:
    return Report(
        name="kinds", title="Kinds", store_figures=False, rows=lambda figures: iter(rows),
        columns=(Column("Day", DATE, 12), Column("At", DATETIME, 17),
                 Column("Amount", MONEY, 12, summed=True), Column("Count", COUNT, 8, summed=True),
                 Column("Share", PERCENT, 8), Column("Note", TEXT, 20)),
    )


def test_each_sales_cell_keeps_its_type_and_number_format(staff_client, march):
    sheet = workbook(staff_client.get(report_url("sales", "xlsx"), QUERY))["Sales"]

    header, first, *_, totals = sheet.iter_rows()
    assert [(cell.data_type, cell.number_format) for cell in first] == [
        ("d", "yyyy-mm-dd hh:mm"), *[("s", "General")] * 4, *[("n", MONEY_FORMAT)] * 8,
        ("s", "General"), ("s", "General"),
    ]
    assert first[0].is_date and first[0].value == datetime(2025, 3, 1, 0, 0)
    assert [cell.value for cell in first[5:13]] == [105, 10.5, 5, 3, 102.5, 0, 0, 94.5]
    assert all(cell.font.b and cell.fill.fgColor.rgb == "001F4E79" for cell in header)
    assert all(cell.font.b and cell.border.bottom.style == "double" for cell in totals)
    assert [cell.number_format for cell in totals[5:13]] == [MONEY_FORMAT] * 8
    assert sheet.column_dimensions["O"].width == 30


def test_a_sales_row_without_a_capture_has_an_empty_reference_cell(staff_client, march):
    order = paid("MAR-00005", utc(2025, 3, 6), [])
    order.payments.all().delete()
    sheet = workbook(staff_client.get(report_url("sales", "xlsx"), QUERY))["Sales"]

    row = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "MAR-00005")
    assert row[14].value is None and row[13].value == "test"


def test_workbook_cells_of_every_kind_read_back_as_numbers_dates_and_text():
    _, sheet = written(kinds_report([
        (date(2025, 3, 2), datetime(2025, 3, 2, 9, 30, 15), Decimal("12.345"), 3, 0.125, 7),
        (None, None, None, None, None, None),
        ("soon", "later", Decimal("-5.00"), 10**9, Decimal("0.5"), "=SUM(A1)"),
    ]))

    filled, empty, mixed, totals = (list(row) for row in sheet.iter_rows(min_row=2))
    assert [cell.value for cell in filled] == [
        datetime(2025, 3, 2), datetime(2025, 3, 2, 9, 30, 15), 12.35, 3, 0.125, "7",
    ]
    assert [cell.number_format for cell in filled] == [
        "yyyy-mm-dd", "yyyy-mm-dd hh:mm", MONEY_FORMAT, "#,##0", "0.00%", "General",
    ]
    assert [cell.data_type for cell in filled] == ["d", "d", "n", "n", "n", "s"]
    assert all(cell.value is None for cell in empty)
    assert [(cell.value, cell.data_type) for cell in mixed] == [
        ("soon", "s"), ("later", "s"), (-5, "n"), (10**9, "n"), (0.5, "n"), ("=SUM(A1)", "s"),
    ]
    assert [cell.value for cell in totals] == ["Total", None, 7.35, 1_000_000_003, None, None]
    assert totals[2].number_format == MONEY_FORMAT and totals[3].number_format == "#,##0"
    assert sheet.auto_filter.ref == "A1:F4" and sheet.freeze_panes == "A2"


@pytest.mark.parametrize("text", [
    "a & b <c> d", "\rcarriage", " leading", "trailing ", "tab\tinside", "line\nbreak",
    "Chloé €, 😀", '"quoted"', "=1+1", "-5 off", "@home",
])
def test_workbook_text_reads_back_as_written(text):
    report = Report(name="notes", title="Notes & <more>", columns=(Column("Note", TEXT, 20),),
                    rows=lambda figures: iter([(text,)]), store_figures=False)

    _, sheet = written(report)

    assert sheet.title == "Notes & <more>"
    assert sheet["A2"].value == text and sheet["A2"].data_type == "s"


def test_workbook_text_loses_the_characters_xml_cannot_hold_and_blank_text_is_empty():
    report = Report(name="notes", title="Notes", columns=(Column("Note", TEXT, 20),) * 2,
                    rows=lambda figures: iter([("bell\x07 and null\x00", "")]),
                    store_figures=False)

    _, sheet = written(report)

    assert sheet["A2"].value == "bell and null" and sheet["B2"].value is None


def test_every_part_of_the_workbook_is_well_formed_xml_and_declared(march):
    data, _ = written(SALES)

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        parts = {name: etree.fromstring(package.read(name)) for name in package.namelist()
                 if name.endswith((".xml", ".rels"))}
    declared = {override.get("PartName") for override in parts["[Content_Types].xml"]}
    assert {"/xl/worksheets/sheet1.xml", "/xl/worksheets/sheet2.xml",
            "/xl/worksheets/sheet3.xml"} <= declared
    sheet = parts["xl/worksheets/sheet1.xml"]
    namespace = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    assert len(sheet.findall("x:sheetData/x:row", namespace)) == 1 + 4 + 1
    styles = parts["xl/styles.xml"].find("x:cellXfs", namespace)
    used = {int(cell.get("s", 0)) for cell in sheet.iter(f"{{{namespace['x']}}}c")}
    assert max(used) < len(styles)


def test_the_csv_postgresql_writes_is_the_one_the_csv_module_writes(
    postgres, march, monkeypatch
):
    copies = []
    monkeypatch.setattr(copy_out, "csv_lines", lambda *args: copies.append(args) or
                        original_csv_lines(*args))
    paid("MAR-00005", utc(2025, 3, 6), [], email="=cmd@example.com", status=Order.Status.PAID)
    paid("MAR-00006", utc(2025, 3, 7, 12, 0, 0, 999_999), [], email="-x@example.com",
         reference="\t" + "ref")
    OrderFactory(number="MAR-00007", paid_at=utc(2025, 3, 8), email="eve@example.com")

    def text(report):
        return b"".join(csv_chunks(report, MARCH))

    copied = text(SALES)
    assert len(copies) == 1  # written by the database
    assert copied == text(replace(SALES, query=None))
    assert len(copies) == 1  # the other by the csv module
    rows = list(csv.reader(io.StringIO(copied.decode("utf-8-sig"), newline="")))
    by_email = {row[2]: row for row in rows[1:]}
    assert {"'=cmd@example.com", "'-x@example.com", "eve@example.com"} <= set(by_email)
    assert by_email["'-x@example.com"][0] == "2025-03-07 12:00:00"
    assert by_email["'-x@example.com"][14] == "'\tref"
    assert by_email["eve@example.com"][14] == ""  # no capture


def test_the_rows_postgresql_copies_are_the_reports_rows(postgres, march, settings):
    settings.TIME_ZONE = "America/New_York"  # moments in store time, across summer time

    queryset = copy_out.copyable(SALES, MARCH)

    assert queryset is not None
    copied = list(copy_out.rows(queryset, SALES))
    assert copied == list(SALES.rows(Figures(MARCH)))
    assert [type(value) for value in copied[0]] == [
        datetime, *[str] * 4, *[Decimal] * 8, str, str,
    ]


def test_a_report_without_a_query_is_not_copied(march):
    assert copy_out.copyable(replace(SALES, query=None), MARCH) is None


@pytest.fixture
def database_gone_in_copy(monkeypatch):
    def gone(*args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(psycopg.Cursor, "copy", gone)


def test_a_database_gone_during_the_copy_answers_503(
    postgres, staff_client, march, database_gone_in_copy
):
    response = staff_client.get(report_url("sales", "xlsx"), QUERY)  # written before sent

    assert response.status_code == 503
    assert response["Retry-After"]


def test_a_database_gone_while_the_csv_streams_raises_djangos_error(
    postgres, staff_client, march, database_gone_in_copy
):
    response = staff_client.get(report_url("sales", "csv"), QUERY)  # sent as it is read

    with pytest.raises(db.OperationalError):
        b"".join(response.streaming_content)
