"""Reports as XLSX workbooks. The report's rows go to disk as they are read, as SpreadsheetML
written by xlsx_sheet, so memory stays the same however many rows a report has; openpyxl's
write-only mode writes the rest of the file (styles, the Summary and Charts sheets), and the
two are put together into one zip.

A workbook holds three sheets: the report's rows (a styled, frozen header with a filter,
real dates and numbers in the store's currency format, a totals row), "Summary" (the
period's key figures with their definitions) and "Charts" (native Excel charts of net sales
per day, and of the top products and the categories by revenue as the dashboard ranks them,
over the small tables beside them; first, for a report that has one, the chart of its own
rows, as `Report.bars` says).
"""

import io
import tempfile
from itertools import zip_longest
from typing import BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile

from django.conf import settings
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from core.money import SYMBOLS, to_cents
from dashboard import kpis, selectors
from dashboard.kpis import Period
from dashboard.reports import copy_out
from dashboard.reports.definitions import (
    COUNT,
    DATE,
    DATETIME,
    MONEY,
    PERCENT,
    TEXT,
    Bars,
    Column,
    Figures,
    Report,
    kpi_kind,
)
from dashboard.reports.xlsx_sheet import SheetStyles, SheetWriter

FORMATS = {DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm", PERCENT: "0.00%", COUNT: "#,##0"}
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TOTAL_FONT = Font(bold=True)
TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))
TITLE_FONT = Font(bold=True, size=14)
CHART_ROWS = 18  # rows of the Charts sheet from one chart's top to the next's
# zlib's fastest: the rows' sheet of a year compresses about five times faster than at the
# default level, for a file about a third larger.
COMPRESS_LEVEL = 1


def money_format(currency: str) -> str:
    """An Excel number format for amounts in `currency`, with the symbol the shop's pages
    show: "$"#,##0.00, or #,##0.00 "CHF" for a currency without one."""
    symbol = SYMBOLS.get(currency)
    return f'"{symbol}"#,##0.00' if symbol else f'#,##0.00 "{currency}"'


def write_workbook(report: Report, period: Period, target: BinaryIO) -> int:
    """Write `report` for `period` as an XLSX file into `target`; return its number of rows
    (the totals row aside)."""
    workbook = Workbook(write_only=True)
    formats = {**FORMATS, MONEY: money_format(settings.STORE_CURRENCY)}
    figures = Figures(period)  # each figure read once for all three sheets
    # openpyxl writes the file but for the rows' sheet: this one holds its place, name and
    # filter, and the styles its cells use; SheetWriter writes its cells.
    own = workbook.create_sheet(report.title)
    with tempfile.NamedTemporaryFile(suffix=".xml") as rows_file:
        sheet = SheetWriter(rows_file, report.columns, _sheet_styles(own, report.columns,
                                                                     formats))
        count, bars = _write_rows(sheet, report, figures)
        own.auto_filter.ref = sheet.filter_ref
        if report.store_figures:
            _write_summary(workbook, report, figures, formats)
            _write_charts(workbook, figures, formats, report.bars, bars)
        parts = io.BytesIO()
        workbook.save(parts)
        rows_file.flush()
        _assemble(parts, {own.path.lstrip("/"): rows_file.name}, target)
    return count


def _write_rows(sheet: SheetWriter, report: Report, figures: Figures) -> tuple[int, list]:
    """The report's rows and totals; return their number and the (name, value) of each bar
    of its own chart (none without one). Rows come through PostgreSQL's COPY where the
    report's rows are one query there (copy_out)."""
    columns = report.columns
    summed = [index for index, column in enumerate(columns) if column.summed]
    sums: dict[int, object] = {index: 0 for index in summed}
    bars = []
    charted = [column.label for column in columns].index(report.bars.column) if report.bars \
        else None
    queryset = copy_out.copyable(report, figures.period)
    rows = report.rows(figures) if queryset is None else copy_out.rows(queryset, report)
    for row in sheet.write_rows(rows):
        for index in summed:
            if row[index] is not None:
                sums[index] += row[index]
        if charted is not None:
            bars.append((report.bars.label(row), row[charted]))
    sheet.close(report.totals_row(figures, sums))
    return sheet.count, bars


def _sheet_styles(sheet, columns: tuple[Column, ...], formats: dict) -> SheetStyles:
    """The rows' sheet's styles, registered in `sheet`'s workbook."""
    def style(**style) -> int:
        return _styled(sheet, None, **style).style_id

    totals = {"font": TOTAL_FONT, "border": TOTAL_BORDER}
    return SheetStyles(
        header=style(font=HEADER_FONT, fill=HEADER_FILL),
        values=tuple(style(number_format=formats[column.kind])
                     if column.kind != TEXT and column.kind in formats else None
                     for column in columns),
        totals=tuple(style(number_format=formats.get(column.kind), **totals)
                     for column in columns),
        total_text=style(**totals),
    )


def _assemble(parts: BinaryIO, replaced: dict[str, str], target: BinaryIO) -> None:
    """Copy the zip `parts` into `target`, each part named in `replaced` read from the file
    at that path instead. Its size known, zipfile marks a part ZIP64 only when it needs to
    be, as openpyxl does."""
    with ZipFile(parts) as source, ZipFile(target, "w", ZIP_DEFLATED,
                                           compresslevel=COMPRESS_LEVEL) as archive:
        for name in source.namelist():
            if name in replaced:
                archive.write(replaced[name], name)
            else:
                archive.writestr(name, source.read(name))


def _write_summary(workbook: Workbook, report: Report, figures: Figures,
                   formats: dict) -> None:
    period = figures.period
    sheet = workbook.create_sheet("Summary")
    for letter, width in (("A", 26), ("B", 16), ("C", 110)):
        sheet.column_dimensions[letter].width = width
    date_column = Column("", DATE, 0)
    sheet.append([_styled(sheet, f"{report.title} report", font=TITLE_FONT)])
    sheet.append(["From", _cell(sheet, date_column, period.start, formats)])
    sheet.append(["To", _cell(sheet, date_column, period.end, formats)])
    sheet.append(["Currency", settings.STORE_CURRENCY])
    sheet.append(["Time zone", settings.TIME_ZONE])
    sheet.append([])
    sheet.append([_styled(sheet, label, font=HEADER_FONT, fill=HEADER_FILL)
                  for label in ("Figure", "Value", "Definition")])
    for kpi in kpis.DEFINITIONS:
        column = Column(kpi.label, kpi_kind(kpi.kind), 0)
        sheet.append([kpi.label, _cell(sheet, column, figures.summary[kpi.key], formats),
                      _styled(sheet, kpi.definition, alignment=Alignment(wrap_text=True))])
    sheet.append([])
    sheet.append(["About this report", _styled(sheet, report.note)])


def _write_charts(workbook: Workbook, figures: Figures, formats: dict, own: Bars | None,
                  bars: list[tuple]) -> None:
    """Three tables (net sales per day; revenue of the top products and of each category, as
    the dashboard's charts show them) and a chart of each; with `own`, the report's chart of
    its rows first, over a fourth table of `bars` (name, value)."""
    sheet = workbook.create_sheet("Charts")
    widths = [("A", 12), ("B", 13), ("D", 30), ("E", 13), ("G", 26), ("H", 13)]
    if own:
        widths += [("J", 30), ("K", 15)]
    for letter, width in widths:
        sheet.column_dimensions[letter].width = width
    period = figures.period
    days = [(row["day"], row["net_sales"]) for row in figures.daily]
    # Ranked and grouped as the dashboard's charts are: by line revenue, under the name sold,
    # by the product's own category.
    products = [(row.name, row.revenue) for row in selectors.top_products(period)]
    categories = [(row.name, row.revenue) for row in selectors.revenue_by_category(period)]
    header = ["Day", "Net sales", None, "Product", "Revenue", None, "Category", "Revenue"]
    if own:
        header += [None, own.labels, own.column]
    sheet.append([_styled(sheet, label, font=TOTAL_FONT) if label else None for label in header])
    day_column, money, text = Column("", DATE, 0), Column("", MONEY, 0), Column("", TEXT, 0)
    tables = (days, products, categories, bars) if own else (days, products, categories)
    for day, product, category, *mine in zip_longest(*tables, fillvalue=(None, None)):
        sheet.append([
            _cell(sheet, day_column, day[0], formats), _cell(sheet, money, day[1], formats), None,
            _cell(sheet, text, product[0], formats), _cell(sheet, money, product[1], formats),
            None, _cell(sheet, text, category[0], formats),
            _cell(sheet, money, category[1], formats),
            *(cell for bar in mine for cell in (None, _cell(sheet, text, bar[0], formats),
                                                _cell(sheet, money, bar[1], formats))),
        ])
    charts = [
        _line_chart(sheet, len(days), formats),
        _bar_chart(sheet, 4, len(products), f"Top {selectors.TOP} products by revenue",
                   formats),
        _pie_chart(sheet, len(categories)),
    ]
    if own:
        charts.insert(0, _bar_chart(sheet, 10, len(bars), own.title, formats))
    # Beside the tables: from column J, or M when the report's own table takes J and K.
    anchor = "M" if own else "J"
    for n, chart in enumerate(charts):
        sheet.add_chart(chart, f"{anchor}{2 + n * CHART_ROWS}")


def _line_chart(sheet, rows: int, formats: dict) -> LineChart:
    chart = LineChart()
    chart.title = "Net sales per day"
    chart.y_axis.title = "Net sales"
    chart.y_axis.number_format = formats[MONEY]
    chart.x_axis.number_format = formats[DATE]
    chart.legend = None
    _series(chart, sheet, 1, rows)
    return _sized(chart)


def _bar_chart(sheet, label_column: int, rows: int, title: str, formats: dict) -> BarChart:
    """Amounts by name, from the table whose names are in `label_column`."""
    chart = BarChart()
    chart.type = "bar"  # horizontal: names read across
    chart.title = title
    chart.y_axis.number_format = formats[MONEY]
    chart.x_axis.scaling.orientation = "maxMin"  # the first (the largest) at the top
    chart.legend = None
    _series(chart, sheet, label_column, rows)
    return _sized(chart)


def _pie_chart(sheet, rows: int) -> PieChart:
    chart = PieChart()
    chart.title = "Revenue by category"
    _series(chart, sheet, 7, rows)
    return _sized(chart)


def _series(chart, sheet, label_column: int, rows: int) -> None:
    """Values from the column right of `label_column` (title in row 1), labels from it."""
    last = max(rows, 1) + 1
    values = Reference(sheet, min_col=label_column + 1, min_row=1, max_row=last)
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=label_column, min_row=2, max_row=last))


def _sized(chart):
    chart.width, chart.height = 24, 8.5
    # openpyxl leaves out <c:delete>, which some Excel versions read as "hide the axis".
    for axis in ("x_axis", "y_axis"):
        if hasattr(chart, axis):
            getattr(chart, axis).delete = False
    return chart


def _cell(sheet, column: Column, value, formats: dict, **style):
    """A value as a cell of `column`'s kind: numbers and dates with their format, text kept
    as text (never a formula)."""
    if value is None:
        return _styled(sheet, None, **style) if style else None
    number_format = formats.get(column.kind)
    if column.kind == TEXT or isinstance(value, str):
        return _text(sheet, str(value), **style)
    if column.kind == MONEY:
        value = to_cents(value)  # SQLite's sums carry float noise
    if number_format is None and not style:
        return value
    return _styled(sheet, value, number_format=number_format, **style)


def _text(sheet, text: str, **style):
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if not text.startswith("=") and not style:
        return text
    cell = _styled(sheet, text, **style)
    cell.data_type = "s"  # openpyxl takes "=…" for a formula; this is data
    return cell


def _styled(sheet, value, *, number_format=None, font=None, fill=None, border=None,
            alignment=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if border:
        cell.border = border
    if alignment:
        cell.alignment = alignment
    return cell
