"""A certificate as a PDF: HTML from a Jinja2 template (sandboxed), then WeasyPrint.

The template is code a coordinator may write, so it runs in Jinja2's immutable sandbox
with undefined names as errors; a fault is one ``ConfigurationError`` naming the file
and line. WeasyPrint (and with it Pango) takes most of a second to import, so it is
imported only when a PDF is actually made.
"""

from __future__ import annotations

import importlib
import importlib.resources
import io
import traceback
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lifecycle.errors import ConfigurationError

TEMPLATE_NAME = "certificate.html.j2"
# Overrides live in a subfolder of the reminder templates' ATTACHE_TEMPLATE_DIR: a
# certificate.html.j2 beside the reminders would read to their checker as a reminder
# template missing its subject and text parts.
OVERRIDE_SUBFOLDER = "certificates"
SHIPPED_DISPLAY = f"lifecycle/templates/{TEMPLATE_NAME}"


# What `attache certificate check` renders a template with: every field a real
# certificate has, and a name in Khmer script to show the fonts shape it.
SAMPLE_DETAILS: dict[str, str] = {
    "ref": "JD17-01",
    "name": "ឈី រដ្ឋា (Chhy Ratha)",
    "country": "KH",
    "country_name": "Cambodia",
    "ministry": "Ministry of Foreign Affairs and International Cooperation",
    "programme": "IAI Attachment Programme for Junior Diplomats",
    "track": "junior-diplomats",
    "batch": "JD17",
    "batch_number": "17",
    "batch_start": "2023-02-01",
    "batch_end": "2024-01-31",
    "funder": "Japan-ASEAN Integration Fund (JAIF)",
    "graduated_on": "2024-01-24",
    "division": "Political Cooperation Division",
    "department": "APSC",
    "department_name": "ASEAN Political-Security Community Department",
    "divisions": "Political Cooperation Division",
}
SAMPLE_CODE = "K7QH-2M9X-4TRB-ZC0D"


def template_path(template_dir: Path | None) -> Path | None:
    """The coordinator's override in ``template_dir``, if they made one."""
    if template_dir is None:
        return None
    candidate = template_dir / OVERRIDE_SUBFOLDER / TEMPLATE_NAME
    return candidate if candidate.is_file() else None


def long_date(value: str | date) -> str:
    """``2024-01-24`` as ``24 January 2024``: the Secretariat's way of writing dates."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


def _source(template: Path | None) -> tuple[str, str]:
    if template is None:
        shipped = importlib.resources.files("lifecycle").joinpath("templates", TEMPLATE_NAME)
        return shipped.read_text(encoding="utf-8"), SHIPPED_DISPLAY
    try:
        return template.read_text(encoding="utf-8"), str(template)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"certificate template {template}: cannot read: {error}") from None


def render_html(
    details: Mapping[str, str], code: str, verify_url: str, *, template: Path | None = None
) -> str:
    """The certificate's HTML; ``ConfigurationError`` (file and line) if the template fails."""
    text, shown = _source(template)
    env = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    env.filters["long_date"] = long_date
    try:
        return env.from_string(text).render(
            certificate=dict(details), code=code, verify_url=verify_url
        )
    except TemplateSyntaxError as error:
        raise ConfigurationError(
            f"certificate template {shown}, line {error.lineno}: {error.message}"
        ) from None
    except Exception as error:
        # Template code is user code: anything it raises (a refused attribute, an
        # undefined name, a division by zero) is a fault of the template.
        line = _template_line(error)
        where = f", line {line}" if line is not None else ""
        raise ConfigurationError(f"certificate template {shown}{where}: {error}") from None


def _template_line(error: BaseException) -> int | None:
    """Jinja2 rewrites tracebacks so template frames carry the template's line numbers."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == "<template>"
    ]
    return lines[-1] if lines else None


def render_pdf(
    details: Mapping[str, str], code: str, verify_url: str, *, template: Path | None = None
) -> bytes:
    """The certificate as PDF bytes (A4 landscape, titled with the officer's name)."""
    markup = render_html(details, code, verify_url, template=template)
    # Slow to import (Pango, fonts): only when a PDF is made. By name, as it ships no
    # type hints: this stays clean whether or not mypy is told to ignore it.
    weasyprint: Any = importlib.import_module("weasyprint")

    out = io.BytesIO()
    # data: URLs only: a template cannot read the server's files or reach the network.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    document = weasyprint.HTML(string=markup, base_url=None, url_fetcher=fetcher).render()
    document.metadata.title = f"Certificate of Completion: {details.get('name', '')}"
    document.metadata.authors = ["ASEAN Secretariat"]
    document.metadata.created = None
    document.metadata.modified = None
    document.write_pdf(out, pdf_identifier=code.encode())
    return out.getvalue()
