"""Certificates as PDFs: names in every script come back out, the template is sandboxed.

The tests that print a graduate's certificate run on SQLite and PostgreSQL; the template
tests need no database.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lifecycle import certificate_pdf
from lifecycle.errors import ConfigurationError
from lifecycle.services import Services, certificates
from tests.integration.test_certificates import (
    BURMESE,
    KHMER,
    VIETNAMESE,
    graduate,
    nominate,
)
from tests.support import COORDINATOR, DIVISION, seed_programme

SAMPLE = {k: v for k, v in certificate_pdf.SAMPLE_DETAILS.items() if k != "name"}


def pdf_text(document: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(document)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def squeezed(text: str) -> str:
    # pdftotext may break Khmer and Burmese clusters with stray spaces.
    return "".join(text.split())


def test_the_pdf_carries_names_in_any_script_batch_division_and_code(
    services: Services, tmp_path: Path
) -> None:
    """Khmer, Burmese and Vietnamese names come back out of the PDF's text."""
    seed_programme(services, training=False)
    refs = [
        nominate(services, name, f"officer{i}@mfa.example")
        for i, name in enumerate((KHMER, BURMESE, VIETNAMESE))
    ]
    for ref in refs:
        graduate(services, ref)
    for view in (certificates.certificate_for(services, ref, viewer=COORDINATOR) for ref in refs):
        document = certificate_pdf.render_pdf(
            view.details, view.code, f"https://attache.example/verify/{view.code}"
        )
        assert document.startswith(b"%PDF-")
        text = pdf_text(document, tmp_path)
        graduated_on = certificate_pdf.long_date(view.graduated_on)
        for expected in (view.details["name"], "JD17", DIVISION, view.code, graduated_on):
            assert squeezed(expected) in squeezed(text), (view.ref, expected)


def test_the_pdf_is_the_same_bytes_each_time() -> None:
    """No creation date or random id: a reprint is byte-for-byte the same document."""
    details = {"name": VIETNAMESE, **SAMPLE}
    first = certificate_pdf.render_pdf(details, "K7QH-2M9X-4TRB-ZC0D", "https://x/verify")
    assert first == certificate_pdf.render_pdf(details, "K7QH-2M9X-4TRB-ZC0D", "https://x/verify")


def override(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "certificates"
    folder.mkdir(exist_ok=True)
    path = folder / certificate_pdf.TEMPLATE_NAME
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "source",
    [
        "<p>ok</p>\n<p>{{ certificate.__class__.__mro__ }}</p>\n",
        "<p>ok</p>\n<p>{{ ''.__class__.__mro__[1].__subclasses__() }}</p>\n",
        "<p>ok</p>\n<p>{{ certificate.update(name='x') }}</p>\n",
        "<p>ok</p>\n<p>{{ cycler.__init__.__globals__ }}</p>\n",
    ],
    ids=["dunder", "subclasses", "mutation", "globals"],
)
def test_a_sandbox_escape_in_an_override_is_refused_naming_file_and_line(
    tmp_path: Path, source: str
) -> None:
    """Template code cannot reach Python internals or change the data it is given."""
    path = override(tmp_path, source)
    assert path == certificate_pdf.template_path(tmp_path)
    with pytest.raises(ConfigurationError) as refused:
        certificate_pdf.render_html({"name": KHMER, **SAMPLE}, "CODE", "url", template=path)
    assert refused.value.message.startswith(f"certificate template {path}, line 2: ")


def test_a_broken_override_names_file_and_line(tmp_path: Path) -> None:
    """Syntax errors and undefined names are one clear message each."""
    path = override(tmp_path, "<p>\n{{ certificate.name }\n</p>\n")
    with pytest.raises(ConfigurationError) as broken:
        certificate_pdf.render_html({"name": KHMER, **SAMPLE}, "CODE", "url", template=path)
    assert broken.value.message.startswith(f"certificate template {path}, line 2: ")
    path.write_text("<p>{{ certificate.nmae }}</p>\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as undefined:
        certificate_pdf.render_html({"name": KHMER, **SAMPLE}, "CODE", "url", template=path)
    assert f"{path}, line 1: " in undefined.value.message
    assert "nmae" in undefined.value.message


def test_an_override_replaces_the_shipped_template_and_escapes_names(tmp_path: Path) -> None:
    """The coordinator's file is used, and a name is text, never markup."""
    path = override(tmp_path, "<h1>{{ certificate.name }} {{ code }}</h1>\n")
    html = certificate_pdf.render_html(
        {"name": "Tom & <Jerry>", **SAMPLE}, "CODE", "url", template=path
    )
    assert "<h1>Tom &amp; &lt;Jerry&gt; CODE</h1>" == html
    assert None is certificate_pdf.template_path(tmp_path / "elsewhere")


def test_a_template_cannot_read_files_or_reach_the_network(tmp_path: Path) -> None:
    """Stylesheets and images by file: or http: URL are not loaded; data: URLs are."""
    secret = tmp_path / "secret.css"
    secret.write_text('p::after { content: "LEAKED" }', encoding="utf-8")
    path = override(
        tmp_path,
        f'<link rel="stylesheet" href="{secret.as_uri()}">\n'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">\n'
        '<link rel="stylesheet" href="data:text/css,h1::after%7Bcontent:%22INLINE%22%7D">\n'
        "<h1>{{ certificate.name }}</h1><p>{{ code }}</p>\n",
    )
    document = certificate_pdf.render_pdf(
        {"name": VIETNAMESE, **SAMPLE}, "K7QH", "url", template=path
    )
    text = pdf_text(document, tmp_path)
    assert (True, True, False) == (VIETNAMESE in text, "INLINE" in text, "LEAKED" in text)


def test_the_pdf_is_one_a4_landscape_page_titled_with_the_name(tmp_path: Path) -> None:
    """Even the longest sample fits one A4 landscape page; the title names the graduate."""
    details = {
        **certificate_pdf.SAMPLE_DETAILS,
        "name": f"{KHMER} {BURMESE} {VIETNAMESE}",
        "divisions": "Political Cooperation Division; Social Welfare, Women, Labour and "
        "Migrant Workers Division; Trade Facilitation Division",
    }
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate_pdf.render_pdf(details, "K7QH-2M9X-4TRB-ZC0D", "https://x/v"))
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True)
    info = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in done.stdout.decode().splitlines())
    )
    assert {
        "Pages": "1",
        "Page size": "841.89 x 595.276 pts (A4)",
        "Title": f"Certificate of Completion: {details['name']}",
    } == {key: info[key] for key in ("Pages", "Page size", "Title")}
