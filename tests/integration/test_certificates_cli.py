"""``attache certificate``, driven as a user drives it: one OS process per command."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select

from lifecycle.clock import FakeClock
from lifecycle.persistence.tables import Certificate
from lifecycle.services import Services
from tests.integration import attache
from tests.integration.test_certificates import GRADUATION, VIETNAMESE, graduate, nominate
from tests.support import COORDINATOR, SUPERVISOR, VIEWER, dump, seed_programme

REF = "JD17-01"


@pytest.fixture
def code(services: Services, clock: FakeClock) -> str:
    """JD17-01 (a Vietnamese name) graduated; their certificate's code."""
    seed_programme(services, training=False)
    graduate(services, nominate(services, VIETNAMESE, "trung@mfa.example"))
    clock.set(GRADUATION)
    with services.db.reading() as session:
        found = session.scalar(select(Certificate.code))
    assert found is not None
    return found


def test_verify_exits_0_valid_3_unknown_11_revoked(
    database_url: str, services: Services, code: str, tmp_path: Path
) -> None:
    """Scripts can tell a valid, an unknown and a revoked code apart by exit code; a
    revoked certificate is not printed again."""
    valid = attache(database_url, "certificate", "verify", code.lower(), "--json")
    assert (0, "") == (valid.code, valid.err)
    assert {"code": code, "name": VIETNAMESE, "status": "valid"}.items() <= valid.json().items()
    before = dump(services)
    unknown = attache(database_url, "certificate", "verify", "K7QH-2M9X-4TRB-ZC0D")
    assert (3, "", ["attache: no certificate with this code"]) == (
        unknown.code,
        unknown.out,
        unknown.err_lines,
    )
    assert before == dump(services)
    revoke = attache(
        database_url, "certificate", "revoke", REF, "--reason", "Misspelt name", "--as", COORDINATOR
    )
    assert (0, "") == (revoke.code, revoke.err)
    revoked = attache(database_url, "certificate", "verify", code, "--json")
    assert (11, "revoked") == (revoked.code, revoked.json()["status"])
    assert [f"attache: certificate {code} was revoked"] == revoked.err_lines
    output = tmp_path / "revoked.pdf"
    reprint = attache(
        database_url, "certificate", "pdf", REF, "-o", str(output), "--as", COORDINATOR
    )
    assert (4, False) == (reprint.code, output.exists())
    assert "a revoked certificate is not printed" in reprint.err


def test_pdf_writes_the_file_and_leaves_none_on_error(
    database_url: str, services: Services, code: str, tmp_path: Path
) -> None:
    """A refused or failed export leaves no file behind, not even a partial one."""
    output = tmp_path / "certificate.pdf"
    broken = tmp_path / "broken.html.j2"
    broken.write_text("<p>\n{{ certificate.__class__ }}\n</p>\n", encoding="utf-8")
    before = dump(services)
    for args, exit_code, message in [
        (("--as", VIEWER), 6, "may not see officer JD17-01"),
        (("--as", COORDINATOR, "--template", str(broken)), 7, f"{broken}, line 2: "),
        (("--as", COORDINATOR, "--template", str(tmp_path / "none.j2")), 7, "is not a file"),
        (("--as", COORDINATOR, "--output", str(tmp_path / "no" / "c.pdf")), 7, "cannot write"),
    ]:
        run = attache(database_url, "certificate", "pdf", REF, "--output", str(output), *args)
        assert exit_code == run.code, run.err
        assert message in run.err
        assert 1 == len(run.err_lines)
        assert [] == list(tmp_path.glob("*.pdf")) + list(tmp_path.glob(".certificate-*"))
    missing = attache(
        database_url, "certificate", "pdf", "JD17-09", "--output", str(output), "--as", COORDINATOR
    )
    assert 3 == missing.code
    assert before == dump(services)
    done = attache(database_url, "certificate", "pdf", REF, "-o", str(output), "--as", SUPERVISOR)
    assert (0, "") == (done.code, done.err)
    assert output.read_bytes().startswith(b"%PDF-")
    assert [output] == list(tmp_path.glob("*.pdf"))


def test_show_issue_and_backfill(database_url: str, services: Services, code: str) -> None:
    """show prints the certificate; issue is idempotent; --all-graduated backfills."""
    shown = attache(database_url, "certificate", "show", REF, "--as", SUPERVISOR, "--json")
    assert (0, code, "valid") == (shown.code, shown.json()["code"], shown.json()["status"])
    again = attache(database_url, "certificate", "issue", REF, "--as", COORDINATOR)
    assert (0, f"✓ {REF}: certificate {code} already issued") == (again.code, again.out.strip())
    usage = attache(database_url, "certificate", "issue", "--as", COORDINATOR)
    assert 2 == usage.code
    with services.transaction() as session:
        session.execute(delete(Certificate))
    backfill = attache(database_url, "certificate", "issue", "--all-graduated", "--as", COORDINATOR)
    assert 0 == backfill.code, backfill.err
    assert "1 certificate(s) issued" in backfill.out
    none_left = attache(
        database_url, "certificate", "issue", "--all-graduated", "--as", COORDINATOR
    )
    assert "0 certificate(s) issued" in none_left.out


def test_check_renders_a_template_or_names_its_fault(tmp_path: Path) -> None:
    """A coordinator tries a template before installing it: file and line, exit 7."""
    database_url = f"sqlite:///{tmp_path / 'never-opened.db'}"  # check needs no database
    good = tmp_path / "good.html.j2"
    good.write_text("<h1>{{ certificate.name }}</h1><p>{{ code }}</p>\n", encoding="utf-8")
    sample = tmp_path / "sample.pdf"
    run = attache(database_url, "certificate", "check", "--template", str(good), "-o", str(sample))
    assert (0, f"✓ {good}: renders") == (run.code, run.out.strip())
    assert sample.read_bytes().startswith(b"%PDF-")
    shipped = attache(database_url, "certificate", "check")
    assert (0, "✓ lifecycle/templates/certificate.html.j2: renders") == (
        shipped.code,
        shipped.out.strip(),
    )
    bad = tmp_path / "bad.html.j2"
    bad.write_text("<h1>\n{{ certificate.nmae }}</h1>\n", encoding="utf-8")
    broken = attache(database_url, "certificate", "check", "--template", str(bad))
    assert 7 == broken.code
    assert not (tmp_path / "never-opened.db").exists()
    assert [
        f"attache: certificate template {bad}, line 2: 'dict object' has no attribute 'nmae'"
    ] == broken.err_lines


def test_refused_commands_print_one_line_and_change_nothing(
    database_url: str, services: Services, code: str
) -> None:
    """Usage, permission and state errors: their exit codes, one line, no change."""
    nominate(services, "Chhy Ratha", "ratha@mfa.example")  # JD17-02, not graduated
    before = dump(services)
    for args, exit_code, message in [
        (("revoke", REF, "--as", COORDINATOR), 2, "Missing option '--reason'"),
        (("revoke", REF, "--reason", "typo", "--as", SUPERVISOR), 6, "needs a coordinator"),
        (("revoke", REF, "--reason", " ", "--as", COORDINATOR), 7, "needs a reason"),
        (("issue", "JD17-02", "--as", COORDINATOR), 4, "JD17-02 is nominated"),
        (("issue", REF, "--all-graduated", "--as", COORDINATOR), 2, "not both"),
        (("show", "JD17-02", "--as", COORDINATOR), 3, "has no graduation certificate"),
        (("show", REF, "--as", VIEWER), 6, "may not see officer"),
    ]:
        run = attache(database_url, "certificate", *args)
        assert (exit_code, "") == (run.code, run.out), args
        assert 1 == len(run.err_lines), run.err
        assert message in run.err, args
    assert before == dump(services)
    assert 0 == attache(database_url, "certificate", "verify", code).code
