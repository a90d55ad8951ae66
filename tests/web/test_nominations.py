"""E-nomination through the ASGI app, on SQLite and PostgreSQL: a ministry's focal point
opens the invitation, nominates, hears back; every refusal changes nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lifecycle.errors import InvalidData, PermissionDenied
from lifecycle.persistence.tables import Officer, Reminder
from lifecycle.roles import Role
from lifecycle.services import nominations
from lifecycle.services import officers as act
from notifications.reminder_context import ContextBuilder
from notifications.rendering import TemplateRenderer
from notifications.workdays import WorkingCalendar
from tests.support import COORDINATOR, SUPERVISOR
from tests.web.conftest import World, unchanged
from tests.web.test_action_links import SAME_ORIGIN, run_attache

BASE = "http://testserver"
FOCAL = "focal.point@mfaic.gov.kh.example"
KHMER = "សុខ ចាន់ធា"


def invite(world: World, **overrides: Any) -> str:
    options: dict[str, Any] = {
        "batch": "JD17", "country": "KH", "email": FOCAL, "name": "Focal Point KH",
        "actor": COORDINATOR, "base_url": BASE,
    } | overrides
    return nominations.invite(world.services, **options).link.removeprefix(BASE)


def nominee(n: int, **fields: str) -> dict[str, str]:
    return {
        "name": f"{KHMER} {n}", "ministry": "Ministry of Foreign Affairs",
        "email": f"nominee{n}@mfaic.gov.kh.example", "position": "Attaché",
    } | fields


def rows(html: str) -> dict[str, str]:
    """Each nomination's row on the ministry page, as its visible text, by reference."""
    return {
        ref: " ".join(re.sub(r"<[^>]+>", " ", cells).split())
        for ref, cells in re.findall(r'<tr data-ref="([^"]+)">(.*?)</tr>', html, re.S)
    }


def notices(world: World) -> list[tuple[str, str, str | None]]:
    with world.services.db.reading() as session:
        return [
            (r.rule, r.recipient_email, r.about)
            for r in session.scalars(
                select(Reminder).where(Reminder.kind == "notice").order_by(Reminder.id)
            )
        ]


def test_a_focal_point_nominates_and_hears_back(world: World, client: TestClient) -> None:
    path = invite(world)
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "2 of 7 seats taken; 5 left." in page.text
    assert set(rows(page.text)) == {world.mine, world.theirs}  # the country's, nobody else

    sent = client.post(path, data=nominee(1), headers=SAME_ORIGIN)
    assert sent.status_code == 303, sent.text
    shown = client.get(sent.headers["location"])
    assert "nominated" in shown.text and "3 of 7 seats taken" in shown.text
    with world.services.db.reading() as session:
        officer = session.scalars(select(Officer).where(Officer.email.like("nominee1%"))).one()
        ref, source, name = officer.ref, officer.source, officer.name
    assert (source, name) == ("ministry", f"{KHMER} 1")
    assert "Waiting for a decision" in rows(shown.text)[ref]
    assert notices(world) == [("nomination.received", FOCAL, ref)]

    act.advance(world.services, ref, "decline", actor=COORDINATOR,
                reason="Two years of service are needed")
    assert notices(world)[-1] == ("nomination.decided", FOCAL, ref)
    after = client.get(path)
    assert "Declined Two years of service are needed" in rows(after.text)[ref]
    assert "2 of 7 seats taken" in after.text  # the declined seat is free again

    # The notice the dispatcher would send says so and links back to the page.
    builder = ContextBuilder(world.services.workflows, WorkingCalendar(), BASE)
    with world.services.db.reading() as session:
        row = session.scalars(select(Reminder).where(Reminder.rule == "nomination.decided")).one()
        context = builder.build(session, row, world.services.now())
    text = TemplateRenderer().render("nomination_decided", context).text
    assert "declined the nomination of " + f"{KHMER} 1" in text
    assert "Two years of service are needed" in text
    assert f"{BASE}{path}" in text


def test_an_accepted_nomination_is_told_once(world: World, client: TestClient) -> None:
    path = invite(world)
    client.post(path, data=nominee(1), headers=SAME_ORIGIN)
    ref = next(r for r, text in rows(client.get(path).text).items() if "Waiting" in text)
    act.advance(world.services, ref, "accept", actor=COORDINATOR)
    act.advance(world.services, ref, "start_induction", actor=COORDINATOR)
    assert [n[0] for n in notices(world)] == ["nomination.received", "nomination.decided"]
    assert "Accepted (Induction" in rows(client.get(path).text)[ref]


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        (nominee(1, country="LA"), 403, "from that country's own focal point"),
        (nominee(1, batch="JD18"), 403, "needs an invitation for that batch"),
        (nominee(1, email="o0.kh@mfa.example"), 409, "already exists: JD17-01"),
        (nominee(1, email="not an address"), 422, "e-mail"),
        (nominee(1, name=""), 422, "name"),
    ],
    ids=["other-country", "other-batch", "duplicate-email", "bad-email", "no-name"],
)
def test_a_refused_nomination_says_why_and_changes_nothing(
    world: World, client: TestClient, fields: dict[str, str], status: int, says: str
) -> None:
    path = invite(world)
    with unchanged(world.services):
        refused = client.post(path, data=fields, headers=SAME_ORIGIN)
    assert refused.status_code == status, refused.text
    assert says in html.unescape(refused.text)


def test_a_nominator_over_quota_is_refused(world: World, client: TestClient) -> None:
    path = invite(world)
    for n in range(5):
        assert client.post(path, data=nominee(n), headers=SAME_ORIGIN).status_code == 303
    full = client.get(path)
    assert "7 of 7 seats taken; 0 left." in full.text and 'name="name"' not in full.text
    with unchanged(world.services):
        refused = client.post(path, data=nominee(9), headers=SAME_ORIGIN)
    assert refused.status_code == 422
    assert "quota for KH (Cambodia) is full: 7 of 7 seats taken" in refused.text


def test_forged_expired_replaced_and_revoked_invitations(
    world: World, client: TestClient
) -> None:
    path = invite(world, days=30)
    token = path.removeprefix("/nominate/")
    with unchanged(world.services):
        for forged in (token[:-3] + "abc", "nonsense", token[: len(token) // 2]):
            assert client.get(f"/nominate/{forged}").status_code == 404
            assert client.post(f"/nominate/{forged}", data=nominee(1),
                               headers=SAME_ORIGIN).status_code == 404
    newer = invite(world)  # re-invited: the first link is dead
    with unchanged(world.services):
        replaced = client.post(path, data=nominee(1), headers=SAME_ORIGIN)
    assert replaced.status_code == 410 and "replaced by a newer one" in replaced.text
    assert client.get(newer).status_code == 200
    world.clock.advance(timedelta(days=61))
    with unchanged(world.services):
        expired = client.post(newer, data=nominee(1), headers=SAME_ORIGIN)
    assert expired.status_code == 410 and "ran out" in expired.text
    world.clock.advance(timedelta(days=-61))
    nominations.revoke(world.services, batch="JD17", country="KH", email=FOCAL,
                       actor=COORDINATOR)
    with unchanged(world.services):
        revoked = client.get(newer)
    assert revoked.status_code == 410 and "withdrawn" in revoked.text


def test_a_cross_site_nomination_is_refused(world: World, client: TestClient) -> None:
    path = invite(world)
    with unchanged(world.services):
        refused = client.post(path, data=nominee(1), headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403


def test_only_a_coordinator_invites_and_only_to_a_country_with_seats(world: World) -> None:
    with unchanged(world.services):
        with pytest.raises(PermissionDenied, match="needs a coordinator"):
            invite(world, actor=SUPERVISOR)
        with pytest.raises(InvalidData, match="has no seats for LA"):
            invite(world, country="LA")
        with pytest.raises(InvalidData, match="1 to 366 days"):
            invite(world, days=0)


def test_the_cli_prints_the_invitation_link_once(
    world: World, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = run_attache(
        capsys, "--database", world.services.db.url, "--now", world.clock.now().isoformat(),
        "nominator", "invite", "--batch", "JD17", "--country", "KH", "--email", FOCAL,
        "--as", COORDINATOR,
    )
    assert code == 0, said
    [link] = re.findall(r"\S+/nominate/\S+", said)
    assert client.get("/nominate/" + link.split("/nominate/")[1]).status_code == 200
    with unchanged(world.services):
        code, said = run_attache(
            capsys, "--database", world.services.db.url, "nominator", "invite", "--batch",
            "JD17", "--country", "KH", "--email", FOCAL, "--as", SUPERVISOR,
        )
    assert code == 6 and "needs a coordinator" in said


def test_reports_count_nominations_by_source_and_the_wait(
    world: World, client: TestClient
) -> None:
    from lifecycle.reporting.figures import build_report
    from lifecycle.reporting.layout import tables

    path = invite(world)
    for n in (1, 2):
        assert client.post(path, data=nominee(n), headers=SAME_ORIGIN).status_code == 303
    first = next(r for r, text in rows(client.get(path).text).items() if f"{KHMER} 1" in text)
    world.clock.advance(timedelta(days=3))
    act.advance(world.services, first, "accept", actor=COORDINATOR)
    report = build_report(
        world.services, as_of=world.services.today(), actor=COORDINATOR, batch="JD17"
    )
    by_source = {n.source: n for n in report.nominations}
    assert set(by_source) == {"console", "ministry"}
    assert (by_source["console"].nominations, by_source["console"].waiting) == (2, 0)
    ministry = by_source["ministry"]
    assert (ministry.nominations, ministry.decided, ministry.waiting) == (2, 1, 1)
    assert ministry.median_days_to_decision == 3.0
    [table] = [t for t in tables(report) if t.key == "Nominations by source"]
    assert ("Ministry (e-nomination)", 2, 1, 1, 3.0, 3.0) in table.rows


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def store(world: World, tmp_path: Any) -> Any:
    from lifecycle.document_store import DirectoryStore

    world.services.documents = DirectoryStore(tmp_path / "store")
    return tmp_path / "store"


def test_a_nomination_can_carry_a_cv_that_coordinators_download(
    world: World, client: TestClient, store: Any
) -> None:
    path = invite(world)
    sent = client.post(path, data=nominee(1), headers=SAME_ORIGIN,
                       files={"cv": ("cv sok.pdf", PDF, "application/pdf")})
    assert sent.status_code == 303, sent.text
    ref = next(r for r, text in rows(client.get(path).text).items() if f"{KHMER} 1" in text)
    got = client.get(f"/api/officers/{ref}/documents/cv", headers=world.bearer(Role.COORDINATOR))
    assert got.status_code == 200 and got.content == PDF
    listed = client.get(f"/api/officers/{ref}/documents", headers=world.bearer(Role.COORDINATOR))
    assert [d["label"] for d in listed.json() if d["item"] == "cv"] == ["Nomination CV"]


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        (b"MZ\x90\x00" + bytes(300), 415, "by its content"),
        (PDF + bytes(5 * 1024 * 1024), 413, "too large"),
    ],
    ids=["exe", "too-large"],
)
def test_a_cv_of_the_wrong_type_or_size_refuses_the_nomination(
    world: World, client: TestClient, store: Any, content: bytes, status: int, says: str
) -> None:
    path = invite(world)
    with unchanged(world.services):
        refused = client.post(path, data=nominee(1), headers=SAME_ORIGIN,
                              files={"cv": ("cv.pdf", content, "application/pdf")})
    assert refused.status_code == status
    assert says in html.unescape(refused.text)
    assert [p for p in store.rglob("*") if p.is_file()] == []  # no orphan file


