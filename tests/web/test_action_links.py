"""Action links in reminders, end to end through the ASGI app on SQLite and PostgreSQL.

Each link is taken from a reminder composed the way the dispatcher composes it, then
followed as a browser (or a mail scanner) would: GET shows a confirmation page and
changes nothing; only the page's POST acts, once.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lifecycle.persistence.tables import ChecklistTick, Reminder, Signoff, User
from lifecycle.services import accounts, action_links, setup
from lifecycle.services import officers as act
from lifecycle.services.context import Services
from notifications.reminder_context import ContextBuilder
from notifications.workdays import WorkingCalendar
from tests.support import COORDINATOR, DIVISION, OTHER_SUPERVISOR, SUPERVISOR
from tests.web.conftest import OFFICER, OTHER_OFFICER, PASSWORD, World, unchanged

BASE = "http://testserver"
MIDTERM = "placement.midterm"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def composed(services: Services, ref: str, *, about: str | None, to: str) -> dict[str, Any]:
    """The links of ``ref``'s first reminder about ``about`` to ``to``, composed now."""
    builder = ContextBuilder(services.workflows, WorkingCalendar(), BASE)
    with services.db.reading() as session:
        row = session.scalars(
            select(Reminder)
            .where(
                Reminder.recipient_email == to,
                Reminder.about.is_(None) if about is None else Reminder.about == about,
            )
            .order_by(Reminder.id)
        ).first()
        assert row is not None, f"no reminder about {about} to {to}"
        context = builder.build(session, row, services.now())
    assert context["officer"]["ref"] == ref
    links: dict[str, Any] = dict(context["links"])
    return links


def approve_link(world: World) -> str:
    link: str = composed(world.services, world.mine, about=MIDTERM, to=SUPERVISOR)["approve"]
    assert link.startswith(f"{BASE}/links/")
    return link.removeprefix(BASE)


def signoffs(services: Services) -> list[tuple[str, str, str | None, str | None]]:
    with services.db.reading() as session:
        return [
            (s.name, s.decision, s.comment, s.via)
            for s in session.scalars(select(Signoff).order_by(Signoff.id))
        ]


def test_a_supervisor_approves_from_the_link_once(world: World, client: TestClient) -> None:
    path = approve_link(world)
    with unchanged(world.services):
        page = client.get(path)
    assert page.status_code == 200
    assert "Approve the Placement mid-term review of Officer 0" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert 'name="comment"' not in page.text

    done = client.post(path, headers=SAME_ORIGIN)
    assert done.status_code == 200, done.text
    assert "approved by Maria Santos" in done.text
    assert signoffs(world.services) == [(MIDTERM, "approved", None, "email_link")]

    with unchanged(world.services):
        again = client.post(path, headers=SAME_ORIGIN)
        shown = client.get(path)
    assert again.status_code == shown.status_code == 410
    assert "already used" in again.text


def test_returning_needs_a_comment_and_records_it(world: World, client: TestClient) -> None:
    link = composed(world.services, world.mine, about=MIDTERM, to=SUPERVISOR)
    path = link["return_with_comment"].removeprefix(BASE)
    page = client.get(path)
    assert page.status_code == 200 and 'name="comment"' in page.text
    with unchanged(world.services):
        empty = client.post(path, data={"comment": "  "}, headers=SAME_ORIGIN)
    assert empty.status_code == 422
    assert "needs a comment" in empty.text
    done = client.post(path, data={"comment": "Add the ASEAN Day notes"}, headers=SAME_ORIGIN)
    assert done.status_code == 200, done.text
    assert signoffs(world.services) == [
        (MIDTERM, "returned", "Add the ASEAN Day notes", "email_link")
    ]
    # Returning spent only its own link: approving the reworked stage still works.
    approved = client.post(approve_link(world), headers=SAME_ORIGIN)
    assert approved.status_code == 200, approved.text


def test_a_mail_scanner_fetching_every_link_changes_nothing(
    world: World, client: TestClient
) -> None:
    supervisor = composed(world.services, world.mine, about=MIDTERM, to=SUPERVISOR)
    officer = composed(world.services, world.mine, about=None, to=OFFICER)
    urls = [supervisor["approve"], supervisor["return_with_comment"], officer["my_page"]]
    assert all(urls)
    with unchanged(world.services):
        for url in urls:
            for _ in range(2):
                assert client.get(url.removeprefix(BASE)).status_code == 200
                assert client.head(url.removeprefix(BASE)).status_code == 200
    # ...and the links still work afterwards.
    assert client.post(urls[0].removeprefix(BASE), headers=SAME_ORIGIN).status_code == 200


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace(".", "", 1),
        lambda t: "not-a-token",
        lambda t: t[: len(t) // 2],
    ],
    ids=["signature", "shape", "garbage", "cut-short"],
)
def test_a_forged_link_is_not_found_and_changes_nothing(
    world: World, client: TestClient, edit: Any
) -> None:
    path = approve_link(world)
    token = path.removeprefix("/links/")
    forged = f"/links/{edit(token)}"
    with unchanged(world.services):
        shown = client.get(forged)
        posted = client.post(forged, headers=SAME_ORIGIN)
    assert shown.status_code == posted.status_code == 404
    assert "not valid" in shown.text


def test_a_survey_token_is_no_action_link(world: World, client: TestClient) -> None:
    from lifecycle import signed_tokens
    from lifecycle.services.instance_secrets import ACTION_LINKS, instance_secret

    approve_link(world)  # the installation's key exists now
    with world.services.transaction() as session:
        secret = instance_secret(session, ACTION_LINKS, world.services.now())
    claim = signed_tokens.Claim(1, "", world.services.now() + timedelta(days=1), "approve x")
    other_purpose = signed_tokens.sign(secret, signed_tokens.Purpose.SURVEY, claim)
    with unchanged(world.services):
        assert client.post(f"/links/{other_purpose}", headers=SAME_ORIGIN).status_code == 404


def test_a_link_expires_after_fourteen_days(world: World, client: TestClient) -> None:
    path = approve_link(world)
    world.clock.advance(timedelta(days=14))
    with unchanged(world.services):
        shown = client.get(path)
        posted = client.post(path, headers=SAME_ORIGIN)
    assert shown.status_code == posted.status_code == 410
    assert "expired" in posted.text


def test_a_link_dies_with_its_reason(world: World, client: TestClient) -> None:
    """Approved in the console meanwhile: the link says so and does nothing."""
    path = approve_link(world)
    act.sign_off(world.services, world.mine, MIDTERM, actor=SUPERVISOR, approve=True)
    with unchanged(world.services):
        posted = client.post(path, headers=SAME_ORIGIN)
    assert posted.status_code == 410
    assert "already approved by Maria Santos" in posted.text


def test_signing_in_voids_the_links_already_sent(world: World, client: TestClient) -> None:
    path = approve_link(world)
    world.clock.advance(timedelta(minutes=5))
    accounts.sign_in(world.services, SUPERVISOR, PASSWORD)
    with unchanged(world.services):
        posted = client.post(path, headers=SAME_ORIGIN)
    assert posted.status_code == 410
    assert "signed in to Attache" in posted.text
    # A reminder composed after signing in carries links that work.
    world.clock.advance(timedelta(minutes=5))
    assert client.post(approve_link(world), headers=SAME_ORIGIN).status_code == 200


def test_a_coordinator_revokes_a_persons_links(world: World, client: TestClient) -> None:
    path = approve_link(world)
    world.clock.advance(timedelta(minutes=1))
    message = action_links.revoke(world.services, SUPERVISOR, actor=COORDINATOR)
    assert SUPERVISOR in message
    with unchanged(world.services):
        assert client.post(path, headers=SAME_ORIGIN).status_code == 410
    with unchanged(world.services), pytest.raises(Exception, match="needs a coordinator"):
        action_links.revoke(world.services, SUPERVISOR, actor=SUPERVISOR)


def test_a_link_for_an_officer_now_supervised_by_someone_else_is_refused(
    world: World, client: TestClient
) -> None:
    path = approve_link(world)
    act.place(
        world.services, world.mine, division=DIVISION, supervisor=OTHER_SUPERVISOR,
        actor=COORDINATOR,
    )
    with unchanged(world.services):
        shown = client.get(path)
        posted = client.post(path, headers=SAME_ORIGIN)
    assert shown.status_code == posted.status_code == 403
    assert "supervisor is now Other Supervisor" in posted.text


def test_a_cross_site_post_is_refused(world: World, client: TestClient) -> None:
    path = approve_link(world)
    with unchanged(world.services):
        posted = client.post(path, headers={"Sec-Fetch-Site": "cross-site"})
    assert posted.status_code == 403


def test_an_officer_marks_an_item_done_from_the_link(
    world: World, client: TestClient
) -> None:
    study_visit = date(2023, 3, 20)  # within 30 days: the travel documents reminder is due
    setup.set_milestone(world.services, "JD17", "study_visit", study_visit, actor=COORDINATOR)
    links = composed(world.services, world.mine, about="travel_documents", to=OFFICER)
    by_label = {i["label"]: i for i in links["item_links"]}
    assert set(by_label) == {"Passport valid for the visit", "Visa for Japan", "Itinerary"}
    assert {i["action"] for i in by_label.values()} == {"tick"}
    path = by_label["Visa for Japan"]["url"].removeprefix(BASE)
    assert client.get(path).status_code == 200
    done = client.post(path, headers=SAME_ORIGIN)
    assert done.status_code == 200, done.text
    with world.services.db.reading() as session:
        ticks = [(t.item_key, t.via) for t in session.scalars(select(ChecklistTick))]
    assert ("visa", "email_link") in ticks
    # The next reminder lists only what is still missing.
    later = composed(world.services, world.mine, about="travel_documents", to=OFFICER)
    assert {i["label"] for i in later["item_links"]} == {
        "Passport valid for the visit", "Itinerary"
    }


def test_an_officer_without_an_account_opens_their_page(
    world: World, client: TestClient
) -> None:
    links = composed(world.services, world.theirs, about=None, to=OTHER_OFFICER)
    path = links["my_page"].removeprefix(BASE)
    with world.services.db.reading() as session:
        assert session.scalar(select(User).where(User.email == OTHER_OFFICER)) is None
    opened = client.post(path, headers=SAME_ORIGIN)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/officers/{world.theirs}"
    cookie = re.search(r"attache_session=([^;]+)", opened.headers["set-cookie"])
    assert cookie is not None
    signed_in = {"Cookie": f"attache_session={cookie.group(1)}"}
    page = client.get("/me", headers=signed_in)
    assert page.status_code == 303 and page.headers["location"] == f"/officers/{world.theirs}"
    mine = client.get(page.headers["location"], headers=signed_in)
    assert mine.status_code == 200 and world.theirs in mine.text
    theirs = client.get(f"/officers/{world.mine}", headers=signed_in)
    assert theirs.status_code in (403, 404)
    with world.services.db.reading() as session:
        user = session.scalar(select(User).where(User.email == OTHER_OFFICER))
        assert user is not None and (user.role, user.password_hash) == ("officer", None)


def run_attache(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """``attache ARGV`` in this process (its exit code and what it printed)."""
    from console.app import main

    try:
        main(list(argv))
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_cli_revokes_a_persons_links(
    world: World, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    path = approve_link(world)
    world.clock.advance(timedelta(minutes=1))
    common = ("--database", world.services.db.url, "--now", world.clock.now().isoformat())
    with unchanged(world.services):
        code, said = run_attache(
            capsys, *common, "user", "revoke-links", SUPERVISOR, "--as", SUPERVISOR
        )
    assert (code, "revoking links needs a coordinator" in said) == (6, True), said
    code, said = run_attache(
        capsys, *common, "user", "revoke-links", SUPERVISOR, "--as", COORDINATOR
    )
    assert code == 0 and f"every link sent to {SUPERVISOR} before now is void" in said
    with unchanged(world.services):
        assert client.post(path, headers=SAME_ORIGIN).status_code == 410
