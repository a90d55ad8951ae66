"""The report's documents: the PDF's text holds the figures (read back with pdftotext),
the XLSX and the CSV re-read to the same numbers, typed text cannot run as a formula
or as markup, and the same report always gives the same bytes.

Every test runs on the demo, on a real SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from lifecycle.errors import InvalidData
from lifecycle.reporting import charts, documents, spreadsheets
from lifecycle.reporting.figures import build_report
from lifecycle.reporting.html import render_document
from lifecycle.reporting.layout import Table, country_name, tables
from lifecycle.services import Services
from lifecycle.services import officers as act
from tests.integration.report_rows import COORDINATOR, VIEWER

pytest_plugins = ["tests.integration.report_fixtures"]

YEAR_END = date(2024, 6, 1)
# A withdrawal reason in Khmer and Lao: the PDF's fonts must carry both scripts.
KHMER_LAO = "ត្រូវបានក្រសួងហៅត្រឡប់ ວຽກດ່ວນ"
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+1+2", "-3+4", "@SUM(A1:A2)")


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext lays it out; fails loudly without pdftotext."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: install poppler-utils (make browser does)")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        [tool, "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    return done.stdout


def withdraw(services: Services, ref: str, reason: str) -> None:
    act.advance(services, ref, "withdraw", actor=COORDINATOR, reason=reason)


def test_the_pdf_opens_and_its_text_holds_the_figures(demo: Services, tmp_path: Path) -> None:
    """Every stage row's counts, per country and in total, read back from the PDF; the
    headings, the as-of date and the page numbers are there too."""
    figures = build_report(demo, as_of=YEAR_END, actor=VIEWER)
    document = documents.render(figures, "pdf")
    assert document.data.startswith(b"%PDF-") and "application/pdf" == document.media_type
    text = pdf_text(document.data, tmp_path)
    for table in tables(figures):
        assert table.title in text
    assert "As of 2024-06-01" in text and "1 June 2024" in text
    pages = re.findall(r"Page (\d+) of (\d+)", text)
    assert pages and [str(n) for n in range(1, len(pages) + 1)] == [p for p, _ in pages]
    for row in figures.by_stage:
        numbers = r"\s+".join(str(n) for n in (*row.by_country, row.total))
        assert re.search(rf"^\s*{re.escape(row.label)}\s+{numbers}\s*$", text, re.M), row
    total = r"\s+".join(
        str(sum(r.by_country[i] for r in figures.by_stage)) for i in range(len(figures.countries))
    )
    assert re.search(rf"^\s*Total\s+{total}\s+{figures.officers}\s*$", text, re.M)
    for t in figures.stage_times:
        assert re.search(
            rf"^\s*{re.escape(t.label)}\s+{t.officers}\s+{t.mean_days:.1f}\s+{t.median_days:.1f}",
            text,
            re.M,
        ), t


def test_a_withdrawal_reason_in_khmer_and_lao_reaches_the_pdf(
    demo: Services, tmp_path: Path
) -> None:
    """The reason's text comes back out of the PDF (pdftotext may space the words)."""
    withdraw(demo, "JD17-04", KHMER_LAO)
    figures = build_report(demo, as_of=demo.today(), actor=VIEWER)
    text = pdf_text(documents.render(figures, "pdf").data, tmp_path)
    assert KHMER_LAO.replace(" ", "") in re.sub(r"\s+", "", text)


def test_the_same_report_gives_the_same_pdf_bytes(demo: Services) -> None:
    """No creation date or random id in the file: a re-sent report can be compared."""
    figures = build_report(demo, as_of=YEAR_END, actor=VIEWER)
    assert documents.render(figures, "pdf").data == documents.render(figures, "pdf").data


def read_xlsx(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def laid_out(table: Table) -> list[tuple[Any, ...]]:
    return [table.header, *table.rows]


def test_the_xlsx_re_reads_to_the_same_numbers(demo: Services) -> None:
    """One sheet per table, numbers as numbers: each sheet is its table, and the stage
    sheet's counts are the report's."""
    figures = build_report(demo, as_of=YEAR_END, actor=VIEWER)
    document = documents.render(figures, "xlsx")
    sheets = read_xlsx(document.data)
    assert [t.key for t in tables(figures)] == list(sheets)
    for table in tables(figures):
        assert laid_out(table) == sheets[table.key], table.key
    stages = {row[0]: row[1:] for row in sheets["Stages"][1:]}
    for row in figures.by_stage:
        assert (*row.by_country, row.total) == stages[row.label]
    assert figures.officers == stages["Total"][-1]
    quotas = {(r[0], r[1]): (r[2], r[3]) for r in sheets["Quotas"][1:]}
    assert {(q.batch, country_name(q.country)): (q.seats, q.accepted) for q in figures.quotas} == (
        quotas
    )


def read_csv_sections(data: bytes) -> dict[str, list[list[str]]]:
    text = data.decode("utf-8-sig")
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text, newline="")):
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections


def test_the_csv_is_one_file_with_a_section_per_table(demo: Services) -> None:
    """Each section: the table's title, its header, its rows; numbers parse back."""
    figures = build_report(demo, as_of=YEAR_END, actor=VIEWER)
    document = documents.render(figures, "csv")
    assert document.media_type.startswith("text/csv")
    sections = read_csv_sections(document.data)
    assert [t.title for t in tables(figures)] == list(sections)
    for table in tables(figures):
        assert [[str(cell) for cell in row] for row in laid_out(table)] == sections[table.title]
    graduates = {row[0]: int(row[1]) for row in sections["Graduates by country"][1:]}
    assert figures.graduates.total == graduates["Total"]


def test_typed_text_never_runs_as_a_formula_in_the_csv_or_the_xlsx(demo: Services) -> None:
    """Withdrawal reasons beginning with = + - @ come out with a leading quote, and the
    XLSX holds them as strings."""
    for ref, reason in zip(("JD17-02", "JD17-04", "JD17-07", "JD17-09"), FORMULAS, strict=True):
        withdraw(demo, ref, reason)
    figures = build_report(demo, as_of=demo.today(), actor=VIEWER)
    sections = read_csv_sections(documents.render(figures, "csv").data)
    csv_reasons = {row[1] for row in sections["Withdrawal reasons and the stage left"][1:]}
    assert {f"'{r}" for r in FORMULAS} <= csv_reasons
    book = load_workbook(io.BytesIO(documents.render(figures, "xlsx").data))
    cells = [row[1] for row in book["Withdrawal reasons"].iter_rows(min_row=2)]
    assert {f"'{r}" for r in FORMULAS} <= {c.value for c in cells}
    assert {"s"} == {c.data_type for c in cells}


def test_typed_text_is_escaped_in_the_html(demo: Services) -> None:
    """A reason written as markup is shown as text: no script reaches the page."""
    withdraw(demo, "JD17-04", "<script>alert('x')</script> & more")
    html = render_document(build_report(demo, as_of=demo.today(), actor=VIEWER))
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html
    assert "<script" not in html


def test_charts_are_inline_svg_and_the_same_every_time(demo: Services) -> None:
    """Deterministic SVG (fixed ids, no date): two reports of the same rows draw the
    same bytes; no script inside."""
    first = charts.charts(build_report(demo, as_of=YEAR_END, actor=VIEWER))
    second = charts.charts(build_report(demo, as_of=YEAR_END, actor=COORDINATOR))
    assert first == second
    expected = {"Stages", "Sign-offs", "Graduates by country", "Alumni outcomes", "Quotas"}
    assert expected == set(first)
    for chart in first.values():
        assert chart.svg.startswith("<svg") and "<script" not in chart.svg


def test_the_charts_inline_in_one_page_share_no_id(demo: Services) -> None:
    """Several SVGs in one HTML document: every id once, every reference to one of them
    (a glyph's href, a clip path's url) resolves within the page."""
    html = render_document(build_report(demo, as_of=YEAR_END, actor=VIEWER))
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted(set(ids)) == sorted(ids)
    references = set(re.findall(r'href="#([^"]+)"', html)) | set(
        re.findall(r"url\(#([^)]+)\)", html)
    )
    assert references and set() == references - set(ids)


def test_an_empty_scope_still_makes_every_document(demo: Services, tmp_path: Path) -> None:
    """A batch with nobody nominated yet (JD18, the day before its nominations)."""
    before = date(2026, 6, 30)
    figures = build_report(demo, as_of=before, actor=VIEWER, batch="JD18")
    assert 0 == figures.officers
    for fmt in documents.FORMATS:
        assert documents.render(figures, fmt).data
    assert "None as of this date." in pdf_text(documents.render(figures, "pdf").data, tmp_path)


def test_an_unknown_format_is_refused_with_the_formats_allowed() -> None:
    """The one place that names the formats says which ones there are."""
    with pytest.raises(InvalidData) as raised:
        documents.check_format("docx")
    assert "pdf, xlsx, csv, html" in raised.value.message


def test_numbers_and_text_keep_their_types_in_the_xlsx() -> None:
    """No database needed: ints stay ints, floats floats, text text (quoted if risky)."""
    table = Table("T", "A table", ("name", "count", "days"), (("=x", 3, 2.5), ("plain", 0, 0.0)))
    sheets = read_xlsx(spreadsheets.write_xlsx((table,)))
    assert [("name", "count", "days"), ("'=x", 3, 2.5), ("plain", 0, 0)] == sheets["T"]
