"""The report as HTML: one autoescaped Jinja2 body shared by the web page and the PDF,
and a standalone document (A4 page rules, header and footer) around it."""

from __future__ import annotations

import re
from datetime import UTC, date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from lifecycle.reporting.charts import Chart, charts
from lifecycle.reporting.layout import tables
from lifecycle.reporting.model import Report

TEMPLATES = Path(__file__).parent / "templates"


def long_date(day: date) -> str:
    """``2024-01-24`` as ``24 January 2024``: how the Secretariat writes dates."""
    return f"{day.day} {day:%B %Y}"


def figure(value: object) -> str:
    """Days keep one decimal; counts are whole numbers."""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
_env.filters.update(long_date=long_date, figure=figure, slug=slug)


def render_body(report: Report, *, drawn: dict[str, Chart] | None = None) -> Markup:
    """The figures and charts as an HTML fragment, safe to place in a page as it is."""
    chart_map = charts(report) if drawn is None else drawn
    html = _env.get_template("report_body.html.j2").render(
        report=report, tables=tables(report), charts=chart_map
    )
    # Safe as it is: rendered by the autoescaping environment above.
    return Markup(html)


def render_document(report: Report) -> str:
    """A standalone HTML document (what ``--format html`` writes and the PDF is made of)."""
    generated = report.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _env.get_template("report.html.j2").render(
        report=report, body=render_body(report), generated=generated
    )
