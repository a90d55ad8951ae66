"""A report in the format asked for: the bytes, their media type and file suffix.

The CLI and the web console both come here, so ``--format pdf`` and the page's PDF
link are the same document.
"""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.errors import InvalidData
from lifecycle.reporting.layout import tables
from lifecycle.reporting.model import Report
from lifecycle.sheets import CSV_TYPE, XLSX_TYPE

FORMATS = ("pdf", "xlsx", "csv", "html")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": XLSX_TYPE,
    "csv": CSV_TYPE,
    "html": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class Document:
    data: bytes
    media_type: str
    suffix: str  # ".pdf", ".xlsx", ...

    def filename(self, report: Report) -> str:
        scope = report.scope.key or "programme"
        return f"attache-report-{scope}-{report.as_of.isoformat()}{self.suffix}"


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidData(
            f"format {fmt!r} is not one of {', '.join(FORMATS)}", fields={"format": "unknown"}
        )
    return fmt


def render(report: Report, fmt: str) -> Document:
    check_format(fmt)
    if fmt == "pdf":
        from lifecycle.reporting.pdf import render_pdf

        data = render_pdf(report)
    elif fmt == "html":
        from lifecycle.reporting.html import render_document

        data = render_document(report).encode("utf-8")
    else:
        from lifecycle.reporting import spreadsheets

        writer = spreadsheets.write_xlsx if fmt == "xlsx" else spreadsheets.write_csv
        data = writer(tables(report))
    return Document(data, MEDIA_TYPES[fmt], f".{fmt}")
