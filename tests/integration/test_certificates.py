"""Graduation certificates: issued with graduation, frozen, verified, revoked, printed.

Every test that touches the database runs on a real SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from lifecycle.clock import FakeClock
from lifecycle.errors import (
    Conflict,
    GuardFailed,
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from lifecycle.persistence.tables import Certificate, Division
from lifecycle.services import Services, alumni, certificates, setup
from lifecycle.services import officers as act
from tests.conftest import BACKENDS, seeded_or_fresh
from tests.support import (
    COORDINATOR,
    DIVISION,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    TRAVEL,
    VIEWER,
    dump,
    seed_programme,
    to_placement,
)

# 09:00 on 24 January 2024 in Jakarta is still the 23rd in UTC's reckoning at 20:00Z.
GRADUATION = datetime(2024, 1, 23, 20, 0, tzinfo=UTC)
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")
KHMER = "ឈី រដ្ឋា"
BURMESE = "ထက်ထက်ထူး"
VIETNAMESE = "Hoàng Quốc Trung"


def nominate(services: Services, name: str, email: str) -> str:
    return setup.nominate(
        services,
        batch="JD17",
        name=name,
        country="KH",
        ministry="Ministry of Foreign Affairs",
        email=email,
        actor=COORDINATOR,
    ).ref


def to_study_visit(services: Services, ref: str) -> None:
    """From nominated to the study visit, with every guard of the way satisfied."""
    to_placement(services, ref)
    act.sign_off(services, ref, "placement.midterm", actor=SUPERVISOR, approve=True)
    act.sign_off(services, ref, "placement.final", actor=SUPERVISOR, approve=True)
    for item in TRAVEL:
        act.tick(services, ref, item, actor=COORDINATOR)
    act.advance(services, ref, "start_study_visit", actor=COORDINATOR)


def graduate(services: Services, ref: str) -> None:
    """Walk a nominated officer to graduation."""
    to_study_visit(services, ref)
    act.tick(services, ref, "visit_report", actor=COORDINATOR)
    act.advance(services, ref, "graduate", actor=COORDINATOR)


GRADUATED = "JD17-01"


def seed_graduated(services: Services) -> None:
    seed_programme(services, training=False)
    assert GRADUATED == nominate(services, KHMER, "ratha@mfa.example")
    to_study_visit(services, GRADUATED)
    act.tick(services, GRADUATED, "visit_report", actor=COORDINATOR)
    assert isinstance(services.clock, FakeClock)
    services.clock.set(GRADUATION)
    act.advance(services, GRADUATED, "graduate", actor=COORDINATOR)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: ``graduated``'s world is copied, seeded once per
    session."""
    yield from seeded_or_fresh(request, tmp_path, {"graduated": seed_graduated})


@pytest.fixture
def graduated(services: Services, clock: FakeClock) -> str:
    """JD17-01, Chhy Ratha in Khmer script, graduated at GRADUATION (``seed_graduated``),
    the clock where the seed left it."""
    clock.set(GRADUATION)
    return GRADUATED


def rows(services: Services) -> list[Certificate]:
    with services.db.reading() as session:
        found = list(session.scalars(select(Certificate).order_by(Certificate.id)))
        session.expunge_all()
        return found


def test_graduating_issues_exactly_one_certificate_with_frozen_details(
    services: Services, graduated: str
) -> None:
    """The graduate transition issues one certificate saying who, what, when and where."""
    [row] = rows(services)
    assert CODE.match(row.code), row.code
    assert (date(2024, 1, 24), GRADUATION) == (row.graduated_on, row.issued_at)
    assert {
        "ref": graduated,
        "name": KHMER,
        "country": "KH",
        "country_name": "Cambodia",
        "ministry": "Ministry of Foreign Affairs",
        "programme": "IAI Attachment Programme for Junior Diplomats",
        "track": "junior-diplomats",
        "batch": "JD17",
        "batch_number": "17",
        "batch_start": "2023-02-01",
        "batch_end": "2024-01-31",
        "funder": row.details["funder"],
        "graduated_on": "2024-01-24",
        "division": DIVISION,
        "department": "APSC",
        "department_name": "ASEAN Political-Security Community Department",
        "divisions": DIVISION,
    } == row.details
    act.advance(services, graduated, "join_alumni", actor=COORDINATOR)
    view, new = certificates.issue_for(services, graduated, actor=COORDINATOR)
    assert (row.code, False) == (view.code, new)
    assert 1 == len(rows(services))


def test_details_stay_as_issued_when_the_records_change(services: Services, graduated: str) -> None:
    """A renamed division does not rewrite a certificate already issued."""
    with services.transaction() as session:
        session.execute(update(Division).values(name="Renamed Division"))
    view = certificates.certificate_for(services, graduated, viewer=COORDINATOR)
    assert DIVISION == view.details["division"]


def test_a_refused_graduation_issues_no_certificate(services: Services) -> None:
    """Without the visit report the guard refuses, and nothing at all is written."""
    seed_programme(services, training=False)
    ref = nominate(services, VIETNAMESE, "trung@mfa.example")
    to_study_visit(services, ref)
    before = dump(services)
    with pytest.raises(GuardFailed):
        act.advance(services, ref, "graduate", actor=COORDINATOR)
    assert before == dump(services)
    assert [] == rows(services)


def test_the_certificate_is_written_in_the_graduating_transaction(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure later in the same transaction takes the certificate away with it."""
    seed_programme(services, training=False)
    ref = nominate(services, VIETNAMESE, "trung@mfa.example")
    to_study_visit(services, ref)
    act.tick(services, ref, "visit_report", actor=COORDINATOR)
    before = dump(services)

    def broken(*args: object) -> None:
        raise Conflict("simulated failure after the certificate was issued")

    monkeypatch.setattr(alumni, "open_survey_rounds", broken)
    with pytest.raises(Conflict):
        act.advance(services, ref, "graduate", actor=COORDINATOR)
    assert before == dump(services)


def test_a_certificates_code_verifies_however_it_is_typed(
    services: Services, graduated: str
) -> None:
    """Case, spaces, missing hyphens and O/0, I/L/1 confusions all find the certificate."""
    [row] = rows(services)
    code = row.code
    typed = [
        code,
        code.lower(),
        code.replace("-", ""),
        " ".join(code.replace("-", "")),
        f"  {code.lower().replace('-', ' - ')}  ",
        code.replace("0", "O").replace("1", "l"),
        code.replace("1", "I").lower(),
    ]
    expected = {
        "code": code,
        "name": KHMER,
        "programme": "IAI Attachment Programme for Junior Diplomats",
        "batch": "JD17",
        "graduated_on": "2024-01-24",
        "status": "valid",
    }
    for variant in typed:
        assert expected == certificates.verify(services, variant).to_dict(), variant


def test_a_forged_code_does_not_verify(services: Services, graduated: str) -> None:
    """Random, one character off, empty, overlong, SQL-ish: all 'no certificate', alike."""
    [row] = rows(services)
    position = 5  # a character of the second group
    swapped = "Z" if row.code[position] != "Z" else "Y"
    forged = [
        certificates.new_code(),
        row.code[:position] + swapped + row.code[position + 1 :],
        row.code[:-1],
        row.code + "7",
        "",
        "   ",
        row.code * 10,
        "' OR '1'='1",
        f"{row.code}' --",
        "%",
        "____-____-____-____",
        "ឈីរដ្ឋា",
    ]
    before = dump(services)
    for code in forged:
        with pytest.raises(NotFound) as refused:
            certificates.verify(services, code)
        assert "no certificate with this code" == refused.value.message, code
    assert before == dump(services)


def test_a_revoked_certificate_verifies_as_revoked(services: Services, graduated: str) -> None:
    """Revoking needs a coordinator and a reason; then the code says 'revoked', once."""
    [row] = rows(services)
    for actor, reason, error in [
        (SUPERVISOR, "wrong name", PermissionDenied),
        (COORDINATOR, "  ", InvalidData),
        (COORDINATOR, None, InvalidData),
    ]:
        before = dump(services)
        with pytest.raises(error):
            certificates.revoke(services, graduated, reason=reason, actor=actor)
        assert before == dump(services)
    with pytest.raises(NotFound):
        certificates.revoke(services, "JD17-99", reason="x", actor=COORDINATOR)
    view = certificates.revoke(
        services, graduated, reason="Issued with a misspelt name", actor=COORDINATOR
    )
    assert ("revoked", "Issued with a misspelt name") == (view.status, view.revoked_reason)
    assert "revoked" == certificates.verify(services, row.code.lower()).status
    before = dump(services)
    with pytest.raises(Conflict):
        certificates.revoke(services, graduated, reason="again", actor=COORDINATOR)
    assert before == dump(services)


def test_who_may_see_a_certificate(services: Services, graduated: str) -> None:
    """Staff, the officer themself and their supervisor; not another officer, another
    supervisor or a viewer."""
    setup.add_user(services, name=KHMER, email="ratha@mfa.example", role="officer")
    setup.add_user(services, name="Someone Else", email="else@mfa.example", role="officer")
    setup.add_user(services, name="Admin", email="admin@asean.example", role="admin")
    for viewer in (COORDINATOR, "admin@asean.example", "ratha@mfa.example", SUPERVISOR):
        assert graduated == certificates.certificate_for(services, graduated, viewer=viewer).ref
    for viewer in ("else@mfa.example", OTHER_SUPERVISOR, VIEWER):
        with pytest.raises(PermissionDenied):
            certificates.certificate_for(services, graduated, viewer=viewer)


def test_an_officer_who_has_not_graduated_has_no_certificate(services: Services) -> None:
    """Asking for one says so; issuing one by hand is refused before graduation."""
    seed_programme(services, training=False)
    ref = nominate(services, VIETNAMESE, "trung@mfa.example")
    with pytest.raises(NotFound) as missing:
        certificates.certificate_for(services, ref, viewer=COORDINATOR)
    assert f"{ref} has no graduation certificate" in missing.value.message
    before = dump(services)
    with pytest.raises(TransitionNotAllowed):
        certificates.issue_for(services, ref, actor=COORDINATOR)
    assert before == dump(services)


def test_backfill_issues_missing_certificates_once(
    services: Services, graduated: str, clock: FakeClock
) -> None:
    """Graduates from before certificates existed get one, dated by their graduation."""
    with services.transaction() as session:
        session.execute(delete(Certificate))
    clock.set(datetime(2025, 6, 1, 2, 0, tzinfo=UTC))
    before = dump(services)
    with pytest.raises(PermissionDenied):
        certificates.issue_missing(services, actor=SUPERVISOR)
    assert before == dump(services)
    [issued] = certificates.issue_missing(services, actor=COORDINATOR)
    assert (graduated, date(2024, 1, 24)) == (issued.ref, issued.graduated_on)
    assert clock.now() == issued.issued_at
    assert [] == certificates.issue_missing(services, actor=COORDINATOR)
    assert [issued.code] == [r.code for r in rows(services)]


def test_of_two_simultaneous_revocations_one_wins_and_the_other_is_told(
    services: Services, graduated: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loser gets a Conflict; the winner's reason stands, not overwritten."""
    original = certificates._of
    rival_done = False

    def rival_revokes_first(session: object, officer: object) -> Certificate:
        nonlocal rival_done
        found = original(session, officer)  # type: ignore[arg-type]
        if not rival_done:
            rival_done = True
            certificates.revoke(services, graduated, reason="Rival's reason", actor=COORDINATOR)
        return found

    monkeypatch.setattr(certificates, "_of", rival_revokes_first)
    with pytest.raises(Conflict):
        certificates.revoke(services, graduated, reason="Our reason", actor=COORDINATOR)
    [row] = rows(services)
    assert "Rival's reason" == row.revoked_reason


def test_issuing_by_hand_is_for_coordinators_and_known_officers(
    services: Services, graduated: str
) -> None:
    """Each refusal is one clear error and writes nothing."""
    setup.add_user(services, name="Admin", email="admin@asean.example", role="admin")
    cases: list[tuple[str, str, type[Exception], str]] = [
        (graduated, SUPERVISOR, PermissionDenied, "issuing a certificate needs a coordinator"),
        (graduated, VIEWER, PermissionDenied, "is a viewer"),
        ("JD17-99", COORDINATOR, NotFound, "no officer 'JD17-99'"),
        (graduated, "nobody@asean.example", NotFound, "no user with e-mail"),
    ]
    for ref, actor, error, message in cases:
        before = dump(services)
        with pytest.raises(error) as refused:
            certificates.issue_for(services, ref, actor=actor)
        assert message in str(refused.value), (ref, actor)
        assert before == dump(services)
    with pytest.raises(NotFound):
        certificates.certificate_for(services, "JD17-99", viewer=COORDINATOR)
    view, new = certificates.issue_for(services, graduated, actor="admin@asean.example")
    assert (graduated, False) == (view.ref, new)
