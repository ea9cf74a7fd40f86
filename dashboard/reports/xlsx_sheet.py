"""A report's own sheet of a workbook, written as SpreadsheetML a row at a time.

openpyxl's write-only mode makes an object for every cell and writes it through an XML
serialiser: for a year of orders that was most of the report's time. Here a row is one
string, built from pieces made once per column. The sheet reads back as openpyxl wrote it:
the same cells (text inline, dates and numbers as numbers, amounts in cents), the workbook's
own style ids (`SheetStyles`, registered in the openpyxl workbook that writes the rest of the
file), widths, a frozen header and a filter over the rows.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from core.money import CENT, to_cents
from dashboard.reports.definitions import MONEY, TEXT, Column

ROWS_PER_WRITE = 1000  # rows joined into one write
NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Text that needs more than a copy: markup, a carriage return (an XML reader would make it a
# line feed) or characters XML cannot hold (dropped, as openpyxl drops them).
_SPECIAL = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))


@dataclass(frozen=True)
class SheetStyles:
    """Style ids of the workbook's cell formats: the header's, each column's for its values
    (None: unstyled, text) and for the totals row, and the totals row's for text or blanks."""

    header: int
    values: tuple[int | None, ...]
    totals: tuple[int, ...]
    total_text: int


class SheetWriter:
    """Writes the sheet into `file`: the header when made, each row as `write_rows` passes
    it on, and the totals row and the filter at `close`."""

    def __init__(self, file: BinaryIO, columns: tuple[Column, ...], styles: SheetStyles):
        self.file = file
        self.columns = columns
        self.styles = styles
        self.letters = [get_column_letter(n) for n in range(1, len(columns) + 1)]
        self.count = 0
        widths = "".join(
            f'<col width="{column.width}" customWidth="1" min="{n}" max="{n}"/>'
            for n, column in enumerate(columns, start=1)
        )
        header = "".join(_text_cell(f"{letter}1", column.label, styles.header)
                         for letter, column in zip(self.letters, columns, strict=True))
        self._write(
            f'<worksheet xmlns="{NAMESPACE}"><sheetPr><outlinePr summaryBelow="1" '
            'summaryRight="1"/><pageSetUpPr/></sheetPr><sheetViews><sheetView '
            'workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
            '</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
            f'<cols>{widths}</cols><sheetData><row r="1">{header}</row>'
        )

    def write_rows(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        """Write each of `rows` below the last, passing it on once written."""
        cells = [_cell_writer(letter, column.kind, style) for letter, column, style
                 in zip(self.letters, self.columns, self.styles.values, strict=True)]
        pending: list[str] = []
        number = self.count + 1
        for row in rows:
            number += 1
            at = str(number)
            pending.append(f'<row r="{at}">')
            pending.extend([cell(value, at) for cell, value in zip(cells, row, strict=True)
                            if value is not None])
            pending.append("</row>")
            if number % ROWS_PER_WRITE == 0:
                self._write("".join(pending))
                pending.clear()
            yield row
        self._write("".join(pending))
        self.count = number - 1

    def close(self, totals: list) -> None:
        """Write the totals row under the rows, then the filter over the header and rows."""
        at = str(self.count + 2)
        cells = []
        for letter, column, style, value in zip(self.letters, self.columns, self.styles.totals,
                                                totals, strict=True):
            reference = f"{letter}{at}"
            if value is None:
                cells.append(f'<c r="{reference}" s="{self.styles.total_text}"/>')
            elif column.kind == TEXT or isinstance(value, str):
                cells.append(_text_cell(reference, str(value), self.styles.total_text))
            else:
                cells.append(_number_cell(reference, column.kind, value, style))
        self._write(
            f'<row r="{at}">{"".join(cells)}</row></sheetData>'
            f'<autoFilter ref="{self.filter_ref}"/><pageMargins left="0.75" right="0.75" '
            'top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>'
        )

    @property
    def filter_ref(self) -> str:
        """The filter's range: the header and the rows, not the totals."""
        return f"A1:{self.letters[-1]}{self.count + 1}"

    def _write(self, text: str) -> None:
        self.file.write(text.encode())


def _cell_writer(letter: str, kind: str, style: int | None):
    """A function from a value (not None) and its row number to the cell, as `_cell` in
    xlsx_writer would make it: text as text, a number or date with its column's format.
    Dates and numbers are written as openpyxl writes them, 16 significant digits of their
    float; amounts in cents."""
    if style is None:
        text_start = f'<c r="{letter}'

        def text(value, at):
            if type(value) is not str:
                value = str(value)
            if value and value == value.strip() and not _SPECIAL.search(value):
                return f'{text_start}{at}" t="inlineStr"><is><t>{value}</t></is></c>'
            return _text_cell(f"{letter}{at}", value)
        return text
    start, middle = f'<c r="{letter}', f'" s="{style}" t="n"><v>'
    if kind == MONEY:
        def money(value, at):
            # In cents as they are ("105.00"): the number openpyxl writes as 16 digits of
            # its float ("105"), in a third of the time.
            if type(value) is Decimal:  # to_cents without its conversion, for speed
                value = value.quantize(CENT, ROUND_HALF_UP)
            elif isinstance(value, str):
                return _text_cell(f"{letter}{at}", value)
            else:
                value = to_cents(value)
            return f"{start}{at}{middle}{value}</v></c>"
        return money

    def number(value, at):
        if isinstance(value, str):
            return _text_cell(f"{letter}{at}", value)
        if isinstance(value, date):
            value = to_excel(value)
        return f"{start}{at}{middle}{float(value):.16g}</v></c>"
    return number


def _number_cell(reference: str, kind: str, value, style: int) -> str:
    if kind == MONEY:
        number = to_cents(value)  # SQLite's sums carry float noise
    else:
        number = f"{float(to_excel(value) if isinstance(value, date) else value):.16g}"
    return f'<c r="{reference}" s="{style}" t="n"><v>{number}</v></c>'


def _text_cell(reference: str, text: str, style: int | None = None) -> str:
    """Text as an inline string: never a formula, whatever it starts with. Empty text is an
    empty cell, as openpyxl writes it."""
    styled = f' s="{style}"' if style else ""
    if not text:
        return f'<c r="{reference}"{styled} t="inlineStr"/>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    if _SPECIAL.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
        for character, entity in _ESCAPES:
            text = text.replace(character, entity)
    return f'<c r="{reference}"{styled} t="inlineStr"><is><t{space}>{text}</t></is></c>'
