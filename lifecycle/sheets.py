"""Tables in and out of .csv (UTF-8) and .xlsx files: rows of text, numbered as shown.

Only the layout lives here; what the columns mean is the caller's business. Rows keep
the numbers a spreadsheet shows (the first is 1), so a problem can name the row a
coordinator sees on screen.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from lifecycle.errors import InvalidData

FORMATS = ("csv", "xlsx")
MAX_BYTES = 5_000_000  # a nomination sheet is a few kilobytes; this stops a runaway upload
MAX_UNPACKED = 100_000_000
MAX_ROWS = 5_000
MAX_COLUMNS = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the first row is 1
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


def format_of(filename: str) -> str:
    """``csv`` or ``xlsx``, from the file name's ending."""
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        hint = " (save it as .xlsx)" if suffix in ("xls", "ods", "numbers") else ""
        raise InvalidData(
            f"{filename or 'the file'}: only .csv and .xlsx files can be read{hint}",
            fields={"file": "not .csv or .xlsx"},
        )
    return suffix


def read_rows(data: bytes, filename: str) -> list[Row]:
    """Every row of the file's first sheet, blank rows included (they keep the numbering)."""
    fmt = format_of(filename)
    if len(data) > MAX_BYTES:
        raise InvalidData(
            f"{filename}: {len(data)} bytes is more than the {MAX_BYTES} a sheet may have",
            fields={"file": "too large"},
        )
    rows = list(_bounded(_csv_rows(data, filename) if fmt == "csv" else _xlsx_rows(data, filename),
                         filename))
    while rows and rows[-1].blank:
        rows.pop()
    return rows


def _bounded(rows: Iterator[list[str]], filename: str) -> Iterator[Row]:
    for number, cells in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise InvalidData(
                f"{filename}: more than {MAX_ROWS} rows; split the file",
                fields={"file": "too many rows"},
            )
        if len(cells) > MAX_COLUMNS and any(c.strip() for c in cells[MAX_COLUMNS:]):
            raise InvalidData(
                f"{filename}: row {number} has more than {MAX_COLUMNS} columns",
                fields={"file": "too many columns"},
            )
        yield Row(number, cells[:MAX_COLUMNS])


def _csv_rows(data: bytes, filename: str) -> Iterator[list[str]]:
    try:
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark; plain UTF-8 does not.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidData(
            f"{filename}: not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'",
            fields={"file": "not UTF-8"},
        ) from None
    first = text.split("\n", 1)[0]
    # Spreadsheets in some locales separate with ';' (the comma is their decimal point).
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    except csv.Error as exc:
        raise InvalidData(f"{filename}: not a readable CSV file: {exc}",
                          fields={"file": "not CSV"}) from None


def _xlsx_rows(data: bytes, filename: str) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    def unreadable(exc: Exception) -> InvalidData:
        return InvalidData(f"{filename}: not a readable .xlsx workbook ({exc})",
                           fields={"file": "not .xlsx"})

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise unreadable(exc) from None
    if unpacked > MAX_UNPACKED:  # a "zip bomb" must not fill the server's memory
        raise InvalidData(f"{filename}: unpacks to {unpacked} bytes, more than a sheet may",
                          fields={"file": "too large"})
    # The file is untrusted and openpyxl fails in many ways on a damaged one (bad zip,
    # missing part, broken XML, odd styles): any failure to parse means "unreadable".
    try:
        # read_only streams the sheet instead of building it all; data_only reads what
        # formulas last showed, never the formula's text.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise unreadable(exc) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(min_row=1, values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise unreadable(exc) from None
            yield [_text(value) for value in values]
    finally:
        book.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed in a text column: 12, not 12.0
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula
# (OWASP "CSV injection"): a name or reason typed as =HYPERLINK(...) must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet will evaluate: a leading quote marks it text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def write_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Khmer, Lao and Burmese correctly;
    text that a spreadsheet would run as a formula is escaped (see ``formula_safe``)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([formula_safe(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(sheets: Mapping[str, Sequence[Sequence[str]]]) -> bytes:
    """A workbook with one sheet per entry; every cell is text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for index, row in enumerate(rows):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                # A name starting with '=' is a name: stored as a string it cannot run.
                cell.data_type = "s"
                if index == 0:
                    cell.font = bold
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
