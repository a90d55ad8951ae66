"""``attache alumni``: career records, testimonials and survey links of graduates."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from console.commands_setup import json_option, pass_state
from console.context import CliState
from console.output import emit_json, ok, stdout, table

AS_USER = click.option(
    "--as", "actor", required=True, metavar="EMAIL", help="The user acting (their e-mail)."
)
KINDS = ("promotion", "posting", "other")


@click.group("alumni")
def alumni() -> None:
    """Alumni follow-up: career records, testimonials, survey links."""


@alumni.group("career")
def career() -> None:
    """Career steps after the programme: promotions, postings, other moves."""


@career.command("add")
@click.argument("ref")
@click.option("--kind", required=True, type=click.Choice(KINDS), help="What kind of step.")
@click.option("--position", required=True, help="e.g. 'Director, ASEAN Department'.")
@click.option("--organisation", required=True, help="Ministry, embassy or organisation.")
@click.option("--country", required=True, help="ISO 3166 code or English name (JP, Japan).")
@click.option("--from", "from_date", required=True, metavar="DATE", help="Since (2024-07-01).")
@AS_USER
@pass_state
def career_add(
    state: CliState,
    ref: str,
    kind: str,
    position: str,
    organisation: str,
    country: str,
    from_date: str,
    actor: str,
) -> None:
    """Record a step in alumnus REF's career (ref or e-mail)."""
    from lifecycle.services import alumni as service

    entry = service.add_career_record(
        state.services(),
        ref,
        kind=kind,
        position=position,
        organisation=organisation,
        country=country,
        from_date=from_date,
        actor=actor,
    )
    ok(
        f"{entry.officer_ref}: career record {entry.id}: {entry.position}, "
        f"{entry.organisation} ({entry.country_name}) from {entry.from_date.isoformat()}"
    )


@career.command("list")
@click.argument("ref")
@json_option
@pass_state
def career_list(state: CliState, ref: str, as_json: bool) -> None:
    """Alumnus REF's career records, oldest first."""
    from lifecycle.services import alumni as service

    entries = service.career_records(state.services(), ref, actor=None)
    if as_json:
        emit_json([_plain(e) for e in entries])
        return
    table(
        f"Career of {ref.strip().upper()}",
        ("id", "from", "kind", "position", "organisation", "country", "source"),
        [
            (
                e.id,
                e.from_date.isoformat(),
                e.kind,
                e.position,
                e.organisation,
                e.country,
                e.source if e.recorded_by is None else e.recorded_by,
            )
            for e in entries
        ],
    )


@career.command("correct")
@click.argument("ref")
@click.argument("record_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--kind", type=click.Choice(KINDS))
@click.option("--position")
@click.option("--organisation")
@click.option("--country")
@click.option("--from", "from_date", metavar="DATE")
@AS_USER
@pass_state
def career_correct(
    state: CliState,
    ref: str,
    record_id: int,
    kind: str | None,
    position: str | None,
    organisation: str | None,
    country: str | None,
    from_date: str | None,
    actor: str,
) -> None:
    """Correct career record RECORD_ID of alumnus REF: only the options given change."""
    from lifecycle.services import alumni as service

    entry = service.correct_career_record(
        state.services(),
        record_id,
        actor=actor,
        officer_ref=ref,
        kind=kind,
        position=position,
        organisation=organisation,
        country=country,
        from_date=from_date,
    )
    ok(
        f"{entry.officer_ref}: career record {entry.id} is now {entry.kind}: {entry.position}, "
        f"{entry.organisation} ({entry.country_name}) from {entry.from_date.isoformat()}"
    )


@career.command("delete")
@click.argument("ref")
@click.argument("record_id", type=click.IntRange(1, 2**31 - 1))
@AS_USER
@pass_state
def career_delete(state: CliState, ref: str, record_id: int, actor: str) -> None:
    """Delete career record RECORD_ID of alumnus REF (see 'career list')."""
    from lifecycle.services import alumni as service

    ok(service.delete_career_record(state.services(), record_id, actor=actor, officer_ref=ref))


@alumni.group("testimonial")
def testimonial() -> None:
    """What alumni say about the programme."""


@testimonial.command("add")
@click.argument("ref")
@click.option("--text", required=True, help="What they said.")
@click.option("--may-publish", is_flag=True, help="They agreed to be quoted.")
@AS_USER
@pass_state
def testimonial_add(state: CliState, ref: str, text: str, may_publish: bool, actor: str) -> None:
    """Record a testimonial from alumnus REF."""
    from lifecycle.services import alumni as service

    entry = service.add_testimonial(
        state.services(), ref, text=text, may_publish=may_publish, actor=actor
    )
    consent = "may be quoted" if entry.may_publish else "not for publication"
    ok(f"{entry.officer_ref}: testimonial {entry.id} recorded ({consent})")


@testimonial.command("list")
@click.argument("ref")
@json_option
@pass_state
def testimonial_list(state: CliState, ref: str, as_json: bool) -> None:
    """Alumnus REF's testimonials."""
    from lifecycle.services import alumni as service

    entries = service.testimonials(state.services(), ref, actor=None)
    if as_json:
        emit_json([_plain(e) for e in entries])
        return
    table(
        f"Testimonials of {ref.strip().upper()}",
        ("id", "may publish", "text"),
        [(e.id, "yes" if e.may_publish else "no", e.text) for e in entries],
    )


@alumni.command("survey-link")
@click.argument("ref")
@click.option(
    "--round",
    "round_months",
    required=True,
    type=click.Choice(["6", "12", "24"]),
    help="Months after graduation.",
)
@click.option("--reissue", is_flag=True, help="A new link: every earlier one stops working.")
@AS_USER
@pass_state
def survey_link(state: CliState, ref: str, round_months: str, reissue: bool, actor: str) -> None:
    """Print alumnus REF's personal survey link for one round (ATTACHE_BASE_URL)."""
    from lifecycle.services import surveys

    base_url = state.settings().base_url()
    url = surveys.survey_link(
        state.services(),
        ref,
        int(round_months),
        actor=actor,
        base_url=base_url,
        reissue=reissue,
    )
    stdout.print(url, markup=False, soft_wrap=True)


def _plain(entry: Any) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in asdict(entry).items()}
