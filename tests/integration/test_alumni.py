"""Career records and testimonials of alumni, on SQLite and PostgreSQL, through the
services and the CLI: who may record them, what is accepted, and that every refusal
leaves the database exactly as it was."""

from __future__ import annotations

import pytest

from lifecycle.errors import (
    AttacheError,
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from lifecycle.persistence import repository as repo
from lifecycle.services import Services, alumni, career_fields
from tests.alumni_support import graduated
from tests.integration import attache
from tests.support import COORDINATOR, SUPERVISOR, VIEWER, dump, nominate, seed_programme

# The demo database fixtures (``demo``: Services on a fresh copy, on either backend).
pytest_plugins = ["tests.integration.report_fixtures"]
NOW = "2023-03-01T09:00+07:00"
# Positions and organisations in the four home scripts, as alumni write them.
IN_SCRIPT = [
    ("promotion", "ប្រធាននាយកដ្ឋានអាស៊ាន", "ក្រសួងការបរទេស និងសហប្រតិបត្តិការអន្តរជាតិ", "KH"),
    ("posting", "ກົງສຸນ", "ສະຖານກົງສຸນໃຫຍ່ ສປປ ລາວ ປະຈຳ ໂອຊາກາ", "JP"),
    ("promotion", "ညွှန်ကြားရေးမှူး", "နိုင်ငံခြားရေးဝန်ကြီးဌာန", "MM"),
    ("posting", "Đại sứ, Trưởng Phái đoàn Thường trực tại ASEAN", "Bộ Ngoại giao", "ID"),
]


def refused(services: Services, error: type[AttacheError], call: object, **kw: object) -> str:
    """``call(services, **kw)`` fails with ``error`` and writes nothing; its message."""
    before = dump(services)
    with pytest.raises(error) as caught:
        call(services, **kw)  # type: ignore[operator]
    assert before == dump(services)
    return caught.value.message


def add(services: Services, ref: str, **changes: str) -> alumni.CareerEntry:
    actor = changes.pop("actor", COORDINATOR)
    fields = {
        "kind": "promotion",
        "position": "Director",
        "organisation": "MFA",
        "country": "KH",
        "from_date": "2023-01-02",
        **changes,
    }
    return alumni.add_career_record(services, ref, actor=actor, **fields)


def test_names_in_every_script_round_trip_in_career_records(services: Services) -> None:
    """What the coordinator types is what every reader gets back, in order of date."""
    [ref] = graduated(services)
    for day, (kind, position, organisation, country) in zip(
        ("2022-12-01", "2022-12-15", "2023-01-01", "2023-01-02"), IN_SCRIPT, strict=True
    ):
        add(
            services,
            ref,
            kind=kind,
            position=position,
            organisation=organisation,
            country=country,
            from_date=day,
        )
    entries = alumni.career_records(services, ref, actor=COORDINATOR)
    assert IN_SCRIPT == [(e.kind, e.position, e.organisation, e.country) for e in entries]
    assert {COORDINATOR} == {e.recorded_by for e in entries}
    assert {"coordinator"} == {e.source for e in entries}
    assert ["Cambodia", "Japan", "Myanmar", "Indonesia"] == [e.country_name for e in entries]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("jp", "JP"),
        ("Japan", "JP"),
        ("JPN", "JP"),
        ("Lao PDR", "LA"),
        ("viet nam", "VN"),
        ("  Indonesia ", "ID"),
    ],
)
def test_any_country_by_code_or_english_name(typed: str, code: str) -> None:
    assert code == career_fields.any_country(typed)


def test_roles_only_coordinators_and_admins_record(services: Services) -> None:
    """Supervisors, officers and viewers are refused, nothing written."""
    [ref] = graduated(services)
    for who, role in ((SUPERVISOR, "supervisor"), (VIEWER, "viewer")):
        message = refused(services, PermissionDenied, add, ref=ref, actor=who)
        assert f"{who} is a {role}; recording a career step needs a coordinator" == message
        message = refused(
            services,
            PermissionDenied,
            alumni.add_testimonial,
            ref=ref,
            text="Good",
            may_publish=True,
            actor=who,
        )
        assert f"{who} is a {role}; recording a testimonial needs a coordinator" == message


def test_reading_follows_who_may_see_the_officer(services: Services) -> None:
    """A viewer sees reports, never a person; the supervisor they were placed with does."""
    [ref] = graduated(services)
    add(services, ref)
    assert 1 == len(alumni.career_records(services, ref, actor=SUPERVISOR))
    assert f"{VIEWER} (viewer) may not see officer {ref}" == refused(
        services, PermissionDenied, alumni.career_records, ref=ref, actor=VIEWER
    )


def test_only_graduates_have_career_records(services: Services) -> None:
    seed_programme(services)
    [placed] = nominate(services)
    assert (
        f"{placed} is nominated; alumni follow-up starts once an officer is graduated or "
        "alumni" == refused(services, TransitionNotAllowed, add, ref=placed)
    )


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"kind": "demotion"}, {"kind"}),
        ({"country": "Narnia"}, {"country"}),
        ({"from_date": "2023-02-30"}, {"from_date"}),
        ({"from_date": "1989-12-31"}, {"from_date"}),
        ({"from_date": "2023-01-03"}, {"from_date"}),  # tomorrow, at the Secretariat
        ({"position": "   "}, {"position"}),
        ({"organisation": "x" * 301}, {"organisation"}),
        ({"position": "Director\x00"}, {"position"}),  # PostgreSQL cannot store NUL
        ({"organisation": "MFA\nLao PDR"}, {"organisation"}),  # one line
        ({"kind": "", "country": "", "position": ""}, {"kind", "country", "position"}),
    ],
    ids=[
        "kind",
        "country",
        "no-such-day",
        "too-old",
        "future",
        "blank",
        "too-long",
        "nul",
        "newline",
        "all",
    ],
)
def test_what_cannot_be_recorded_is_refused_all_at_once(
    services: Services, changes: dict[str, str], fields: set[str]
) -> None:
    """Every faulty field is named in one InvalidData; nothing is written."""
    [ref] = graduated(services)
    before = dump(services)
    with pytest.raises(InvalidData) as caught:
        add(services, ref, **changes)
    assert before == dump(services)
    assert fields == set(caught.value.fields)


def test_a_record_can_be_corrected_and_deleted(services: Services) -> None:
    [ref] = graduated(services)
    entry = add(services, ref)
    fixed = alumni.correct_career_record(
        services, entry.id, actor=COORDINATOR, position="Director-General", country="Japan"
    )
    assert ("Director-General", "JP", "MFA") == (fixed.position, fixed.country, fixed.organisation)
    assert f"no career record {entry.id} of JD17-99" == refused(
        services,
        NotFound,
        alumni.delete_career_record,
        record_id=entry.id,
        actor=COORDINATOR,
        officer_ref="JD17-99",
    )
    said = alumni.delete_career_record(services, entry.id, actor=COORDINATOR, officer_ref=ref)
    assert (
        f"{ref}: career record {entry.id} deleted: Director-General, MFA (from 2023-01-02)" == said
    )
    assert [] == alumni.career_records(services, ref, actor=COORDINATOR)


def test_recording_bumps_the_officer_version(services: Services) -> None:
    """A career step is a fact about the officer: stale writers are refused after it."""
    [ref] = graduated(services)
    with services.db.reading() as session:
        before = repo.officer_by_ref(session, ref).version
    add(services, ref)
    with services.db.reading() as session:
        assert before + 1 == repo.officer_by_ref(session, ref).version


def test_testimonials_keep_their_text_and_consent(services: Services) -> None:
    [ref] = graduated(services)
    alumni.add_testimonial(
        services,
        ref,
        text="  ការងារនៅលេខាធិការដ្ឋានបានបង្រៀនខ្ញុំច្រើន ",
        may_publish=False,
        actor=COORDINATOR,
    )
    alumni.add_testimonial(
        services, ref, text="I learnt how ASEAN works.", may_publish=True, actor=COORDINATOR
    )
    assert [
        ("ការងារនៅលេខាធិការដ្ឋានបានបង្រៀនខ្ញុំច្រើន", False, COORDINATOR),
        ("I learnt how ASEAN works.", True, COORDINATOR),
    ] == [
        (t.text, t.may_publish, t.recorded_by)
        for t in alumni.testimonials(services, ref, actor=COORDINATOR)
    ]
    assert "testimonial must not be empty" == refused(
        services,
        InvalidData,
        alumni.add_testimonial,
        ref=ref,
        text=" ",
        may_publish=True,
        actor=COORDINATOR,
    )


@pytest.mark.slow
def test_the_cli_records_lists_and_refuses(services: Services, database_url: str) -> None:
    """attache alumni ...: Burmese round-trips through the pipe; a refusal exits with its
    code and one line, and changes nothing."""
    [ref] = graduated(services)
    run = attache(
        database_url,
        "alumni",
        "career",
        "add",
        ref,
        "--kind",
        "posting",
        "--position",
        "ညွှန်ကြားရေးမှူး",
        "--organisation",
        "Embassy in Tokyo",
        "--country",
        "Japan",
        "--from",
        "2023-02-01",
        "--as",
        COORDINATOR,
        now=NOW,
    )
    assert (0, "") == (run.code, run.err)
    listed = attache(database_url, "alumni", "career", "list", ref, "--json").json()
    assert [("posting", "ညွှန်ကြားရေးမှူး", "JP", "2023-02-01")] == [
        (e["kind"], e["position"], e["country"], e["from_date"]) for e in listed
    ]
    record = str(listed[0]["id"])
    run = attache(
        database_url,
        "alumni",
        "career",
        "correct",
        ref,
        record,
        "--country",
        "KR",
        "--as",
        COORDINATOR,
        now=NOW,
    )
    assert (0, "") == (run.code, run.err)
    assert ["KR"] == [e.country for e in alumni.career_records(services, ref, actor=None)]
    before = dump(services)
    run = attache(
        database_url,
        "alumni",
        "career",
        "correct",
        "JD17-99",
        record,
        "--country",
        "JP",
        "--as",
        COORDINATOR,
        now=NOW,
    )
    assert (3, [f"attache: no career record {record} of JD17-99"]) == (run.code, run.err_lines)
    run = attache(
        database_url,
        "alumni",
        "testimonial",
        "add",
        ref,
        "--text",
        "Good",
        "--as",
        SUPERVISOR,
        now=NOW,
    )
    assert (
        6,
        [f"attache: {SUPERVISOR} is a supervisor; recording a testimonial needs a coordinator"],
    ) == (run.code, run.err_lines)
    run = attache(
        database_url,
        "alumni",
        "career",
        "add",
        ref,
        "--kind",
        "posting",
        "--position",
        "x",
        "--organisation",
        "y",
        "--country",
        "Narnia",
        "--from",
        "2023-02-01",
        "--as",
        COORDINATOR,
        now=NOW,
    )
    assert 7 == run.code
    assert before == dump(services)
    run = attache(
        database_url, "alumni", "survey-link", ref, "--round", "12", "--as", COORDINATOR, now=NOW
    )
    assert 0 == run.code
    assert run.out.strip().startswith("http://127.0.0.1:8000/surveys/")


def test_the_demo_has_alumni_outcomes(demo: Services) -> None:
    """The demo's graduates have a survey answer (a promotion, with a testimonial that
    may be quoted) and coordinator-recorded postings, up to ambassador to ASEAN."""
    graduate, alumnus = "JD17-06", "JD17-10"
    [answered] = alumni.career_records(demo, graduate, actor=None)
    assert ("promotion", "survey", "LA") == (answered.kind, answered.source, answered.country)
    [said] = alumni.testimonials(demo, graduate, actor=None)
    assert (True, "survey") == (said.may_publish, said.source)
    assert [("posting", "JP"), ("promotion", "VN"), ("posting", "ID")] == [
        (e.kind, e.country) for e in alumni.career_records(demo, alumnus, actor=None)
    ]
