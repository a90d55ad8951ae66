"""The report as XLSX (one sheet per table) or CSV (one file, a section per table).

One CSV file rather than a zip of CSVs: the funder opens one file in any spreadsheet
and sees every table, and ``--output report.csv`` writes what it says. Sections are
separated by an empty line and start with the table's title, then its header row.

Numbers stay numbers (a re-read gives the same figures); text a spreadsheet would run
as a formula (a withdrawal reason typed as ``=HYPERLINK(...)``) gets a leading quote in
both formats, by the same rule as every other export (``lifecycle.sheets``).
"""

from __future__ import annotations

import csv
import io

from lifecycle.reporting.layout import Cell, Table
from lifecycle.sheets import formula_safe

SHEET_TITLE_MAX = 31  # Excel's limit


def _safe(value: Cell) -> Cell:
    return formula_safe(value) if isinstance(value, str) else value


def write_xlsx(tables: tuple[Table, ...]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.key[:SHEET_TITLE_MAX])
        header = []
        for name in table.header:
            cell = WriteOnlyCell(sheet, value=_safe(name))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=_safe(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # stored as a string, so it can never run
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(tables: tuple[Table, ...]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows every script correctly."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([_safe(table.title)])
        writer.writerow([_safe(name) for name in table.header])
        writer.writerows([_safe(value) for value in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")
