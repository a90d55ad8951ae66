"""The report as a PDF to send to the funder: WeasyPrint from the report's HTML.

WeasyPrint (and with it Pango) takes most of a second to import, so it is imported only
when a PDF is made. Nothing is fetched while rendering: the document is self-contained
(the charts are inline SVG), and the URL fetcher refuses anything but data: URLs.
"""

from __future__ import annotations

import importlib
import io
from typing import Any

from lifecycle.reporting.html import render_document
from lifecycle.reporting.model import Report


def render_pdf(report: Report) -> bytes:
    # By name, as WeasyPrint ships no type hints (the same way as certificate_pdf).
    weasyprint: Any = importlib.import_module("weasyprint")

    out = io.BytesIO()
    # data: URLs only: the document is self-contained and must stay so.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    html = weasyprint.HTML(string=render_document(report), base_url=None, url_fetcher=fetcher)
    document = html.render()
    document.metadata.title = f"{report.scope.title}: report as of {report.as_of.isoformat()}"
    document.metadata.authors = ["ASEAN Secretariat"]
    # The generation time is printed in the footer; the file's own dates stay out so the
    # same report twice gives the same bytes.
    document.metadata.created = None
    document.metadata.modified = None
    identifier = f"{report.scope.kind}:{report.scope.key}:{report.as_of.isoformat()}"
    document.write_pdf(out, pdf_identifier=identifier.encode())
    return out.getvalue()
