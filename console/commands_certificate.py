"""``attache certificate``: graduation certificates: show, PDF, verify, issue, revoke."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, ok, stderr, stdout, table

AS_USER = click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The user acting (their e-mail)."
)
# `certificate verify` exits 0 for a valid code, 3 (not found) for an unknown one, and
# this for a genuine certificate that was revoked: a script must not take it as valid.
EXIT_REVOKED = 11


@click.group("certificate")
def certificate() -> None:
    """Graduation certificates: issued when an officer graduates."""


@certificate.command("show")
@click.argument("ref")
@AS_USER
@json_option
@pass_state
def certificate_show(state: CliState, ref: str, actor: str, as_json: bool) -> None:
    """The certificate of officer REF (reference or e-mail)."""
    from lifecycle.services import certificates

    view = certificates.certificate_for(state.services(), ref, viewer=actor)
    if as_json:
        emit_json(view.to_dict())
        return
    rows: list[tuple[str, str | None]] = [
        ("code", view.code),
        ("status", view.status),
        ("issued", view.issued_at.isoformat()),
    ]
    if view.revoked_at is not None:
        rows += [("revoked", view.revoked_at.isoformat()), ("reason", view.revoked_reason)]
    rows += list(view.details.items())
    table(f"Certificate of {view.ref}", ("field", "value"), rows)


@certificate.command("pdf")
@click.argument("ref")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Try a template instead of the installed one (default: "
    "$ATTACHE_TEMPLATE_DIR/certificates/certificate.html.j2, else the shipped).",
)
@AS_USER
@pass_state
def certificate_pdf(
    state: CliState, ref: str, output: Path, template: Path | None, actor: str
) -> None:
    """Write officer REF's certificate as a PDF to --output."""
    from lifecycle import certificate_pdf as pdf
    from lifecycle.errors import ConfigurationError
    from lifecycle.services import certificates

    view = certificates.for_printing(state.services(), ref, viewer=actor)
    if template is not None and not template.is_file():
        raise ConfigurationError(f"--template {template} is not a file")
    chosen = template or pdf.template_path(state.settings().template_dir())
    document = pdf.render_pdf(
        view.details, view.code, verify_url(state, view.code), template=chosen
    )
    _write_whole(output, document)
    ok(f"{view.ref}'s certificate written to {output}")


def verify_url(state: CliState, code: str) -> str:
    return f"{state.settings().base_url()}/verify/{code}"


def _write_whole(output: Path, data: bytes) -> None:
    """Write to a temporary file beside ``output``, then rename: never a partial file."""
    from lifecycle.errors import InvalidData

    folder = output.parent if str(output.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".certificate-", suffix=".pdf")
    except OSError as error:
        raise InvalidData(f"cannot write {output}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, output)
    except OSError as error:
        os.unlink(temporary)
        raise InvalidData(f"cannot write {output}: {error.strerror}") from None


@certificate.command("check")
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The template to check (default: the installed one).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the sample PDF here, to look at.",
)
@pass_state
def certificate_check(state: CliState, template: Path | None, output: Path | None) -> None:
    """Render the certificate template with sample data: exit 7 naming file and line."""
    from lifecycle import certificate_pdf as pdf
    from lifecycle.errors import ConfigurationError

    if template is not None and not template.is_file():
        raise ConfigurationError(f"--template {template} is not a file")
    chosen = template or pdf.template_path(state.settings().template_dir())
    document = pdf.render_pdf(
        pdf.SAMPLE_DETAILS, pdf.SAMPLE_CODE, verify_url(state, pdf.SAMPLE_CODE), template=chosen
    )
    if output is not None:
        _write_whole(output, document)
    ok(f"{chosen or pdf.SHIPPED_DISPLAY}: renders")


@certificate.command("verify")
@click.argument("code")
@json_option
@pass_state
def certificate_verify(state: CliState, code: str, as_json: bool) -> int:
    """Check a verification code: exit 0 valid, 3 unknown, 11 revoked."""
    from lifecycle.services import certificates

    found = certificates.verify(state.services(), code)
    if as_json:
        emit_json(found.to_dict())
    else:
        table(
            f"Certificate {found.code}",
            ("field", "value"),
            [
                ("status", found.status),
                ("name", found.name),
                ("programme", found.programme),
                ("batch", found.batch),
                ("graduated", found.graduated_on.isoformat()),
            ],
        )
    if found.status == "revoked":
        stderr.print(f"attache: certificate {found.code} was revoked", markup=False)
        return EXIT_REVOKED
    return 0


@certificate.command("issue")
@click.argument("ref", required=False)
@click.option(
    "--all-graduated",
    is_flag=True,
    help="Every graduate who has no certificate yet (graduated before they existed).",
)
@AS_USER
@pass_state
def certificate_issue(state: CliState, ref: str | None, all_graduated: bool, actor: str) -> None:
    """Issue the certificate of graduate REF, or of --all-graduated missing one."""
    from lifecycle.services import certificates

    if (ref is None) == (not all_graduated):
        raise click.UsageError("name one officer (REF) or --all-graduated, not both or neither")
    if ref is not None:
        view, new = certificates.issue_for(state.services(), ref, actor=actor)
        ok(f"{view.ref}: certificate {view.code} " + ("issued" if new else "already issued"))
        return
    issued = certificates.issue_missing(state.services(), actor=actor)
    for view in issued:
        stdout.print(f"{view.ref} {view.code}", markup=False)
    ok(f"{len(issued)} certificate(s) issued")


@certificate.command("revoke")
@click.argument("ref")
@click.option(
    "--reason", required=True, help="Why, for the record: the public page says only 'revoked'."
)
@AS_USER
@pass_state
def certificate_revoke(state: CliState, ref: str, reason: str, actor: str) -> None:
    """Revoke officer REF's certificate: its code then verifies as revoked."""
    from lifecycle.services import certificates

    view = certificates.revoke(state.services(), ref, reason=reason, actor=actor)
    ok(f"{view.ref}: certificate {view.code} revoked")
