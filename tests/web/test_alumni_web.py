"""Alumni follow-up on the web, on SQLite and PostgreSQL: the public survey behind a
signed link (no session at all), the officer page's Alumni section, and the API."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from lifecycle.errors import Conflict
from lifecycle.persistence.tables import AlumniSurvey
from lifecycle.roles import Role
from lifecycle.services import alumni, surveys
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.message import Mailbox, OutgoingMessage
from notifications.rendering import TemplateRenderer
from tests.alumni_support import graduate_placed
from tests.support import COORDINATOR, SUPERVISOR
from tests.web.conftest import World, form_with_csrf, problem, session_cookie, unchanged

PRIVATE = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
}
NEW_POST = {
    "same_position": "no",
    "position": "Phó Vụ trưởng",  # Vietnamese must round-trip through the form
    "organisation": "Bộ Ngoại giao",
    "country": "Viet Nam",
    "since": "2023-02-01",
    "kind": "promotion",
    "testimonial": "Một năm đáng nhớ.",
    "may_publish": "true",
}


@pytest.fixture
def alumnus(world: World) -> str:
    """world.mine (JD17-01), walked on from the placement to graduation."""
    graduate_placed(world.services, world.mine, SUPERVISOR)
    return world.mine


def survey_path(world: World, ref: str, months: int = 6, *, reissue: bool = False) -> str:
    url = surveys.survey_link(
        world.services,
        ref,
        months,
        actor=COORDINATOR,
        base_url="http://testserver",
        reissue=reissue,
    )
    return url.removeprefix("http://testserver")


def private(response: Any) -> dict[str, str]:
    return {key: response.headers.get(key) for key in PRIVATE}


def career(world: World, ref: str) -> list[tuple[str, str, str, str]]:
    return [
        (e.position, e.organisation, e.country, e.source)
        for e in alumni.career_records(world.services, ref, actor=COORDINATOR)
    ]


def test_the_alumnus_answers_with_no_session_and_the_record_follows(
    client: TestClient, world: World, alumnus: str
) -> None:
    """The form opens and takes the answer without any cookie; the reply is private."""
    path = survey_path(world, alumnus)
    client.cookies.clear()
    form = client.get(path)
    assert (200, PRIVATE) == (form.status_code, private(form))
    assert "Officer 0 ឈី រដ្ឋា" in form.text
    assert 'name="csrf_token"' not in form.text
    answered = client.post(path, data=NEW_POST)
    assert (200, PRIVATE) == (answered.status_code, private(answered))
    assert 'data-testid="answered"' in answered.text
    assert [("Phó Vụ trưởng", "Bộ Ngoại giao", "VN", "survey")] == career(world, alumnus)
    [said] = alumni.testimonials(world.services, alumnus, actor=COORDINATOR)
    assert ("Một năm đáng nhớ.", True) == (said.text, said.may_publish)


def test_reused_expired_and_invalid_links_get_their_own_page_and_status(
    client: TestClient, world: World, alumnus: str
) -> None:
    """409 answered, 410 closed, 404 not valid: each says so in words, writes nothing."""
    path = survey_path(world, alumnus)
    assert 200 == client.post(path, data={"same_position": "yes"}).status_code
    late = survey_path(world, alumnus, 12)
    token = late.rsplit("/", 1)[1]
    cases = {
        path: (409, "Already answered", "this survey was already answered on 3 February 2023"),
        f"/surveys/{token[:-2]}xx": (404, "This link does not work", surveys.INVALID),
        "/surveys/not-a-token": (404, "This link does not work", surveys.INVALID),
    }
    world.clock.set(world.clock.now() + timedelta(days=365 + 70))
    cases[late] = (410, "This survey has closed", "this survey closed at the end of ")
    for target, (status, heading, said) in cases.items():
        with unchanged(world.services):
            for response in (client.get(target), client.post(target, data=NEW_POST)):
                assert (status, PRIVATE) == (response.status_code, private(response)), target
                assert f"<h1>{heading}</h1>" in response.text
                assert said.replace("'", "&#39;") in response.text
    assert [] == career(world, alumnus)


def test_an_incomplete_answer_shows_the_form_again_with_what_was_typed(
    client: TestClient, world: World, alumnus: str
) -> None:
    path = survey_path(world, alumnus)
    with unchanged(world.services):
        response = client.post(path, data={"same_position": "no", "position": "Phó Vụ trưởng"})
        assert 422 == response.status_code
        assert "please also give your organisation, country, since" in response.text
        assert 'value="Phó Vụ trưởng"' in response.text
        response = client.post(path, data={})
        assert 422 == response.status_code
        assert "please say whether you are still in the same position" in response.text
    assert 200 == client.post(path, data=NEW_POST).status_code


def test_the_coordinator_sees_the_alumni_section_and_others_do_not(
    client: TestClient, world: World, alumnus: str
) -> None:
    coordinator = session_cookie(world.session(Role.COORDINATOR))
    page = client.get(f"/officers/{alumnus}", headers=coordinator).text
    assert 'id="h-alumni"' in page
    rounds = re.findall(r"<td>(\d+) months</td>", page)
    assert ["6", "12", "24"] == rounds
    for role in (Role.SUPERVISOR, Role.OFFICER):
        other = client.get(f"/officers/{alumnus}", headers=session_cookie(world.session(role)))
        assert (200, False) == (other.status_code, 'id="h-alumni"' in other.text)


def test_coordinators_record_by_form_and_everyone_else_is_refused(
    client: TestClient, world: World, alumnus: str
) -> None:
    """With the CSRF token the form records; without it, or as a supervisor, 403."""
    signed = world.session(Role.COORDINATOR)
    fields = {
        "kind": "posting",
        "position": "ကောင်စစ်ဝန်",
        "organisation": "Consulate, Osaka",
        "country": "JP",
        "from_date": "2023-02-01",
    }
    with unchanged(world.services):
        response = client.post(
            f"/officers/{alumnus}/career", data=fields, headers=session_cookie(signed)
        )
        assert 403 == response.status_code
        assert "CSRF check failed" in response.text
        supervisor = world.session(Role.SUPERVISOR)
        response = client.post(
            f"/officers/{alumnus}/career",
            data=form_with_csrf(supervisor, **fields),
            headers=session_cookie(supervisor),
        )
        assert 403 == response.status_code
    response = client.post(
        f"/officers/{alumnus}/career",
        data=form_with_csrf(signed, **fields),
        headers=session_cookie(signed),
    )
    assert 303 == response.status_code
    response = client.post(
        f"/officers/{alumnus}/testimonials",
        data=form_with_csrf(signed, text="Grateful", may_publish="true"),
        headers=session_cookie(signed),
    )
    assert 303 == response.status_code
    page = client.get(f"/officers/{alumnus}", headers=session_cookie(signed)).text
    assert "ကောင်စစ်ဝန်" in page
    assert "“Grateful”" in page
    [entry] = alumni.career_records(world.services, alumnus, actor=COORDINATOR)
    response = client.post(
        f"/officers/{alumnus}/career/{entry.id}/delete",
        data=form_with_csrf(signed),
        headers=session_cookie(signed),
    )
    assert 303 == response.status_code
    assert [] == career(world, alumnus)


def test_copy_and_reissue_the_link_from_the_officer_page(
    client: TestClient, world: World, alumnus: str
) -> None:
    """The link page shows a link the public form accepts; re-issuing kills it."""
    signed = world.session(Role.COORDINATOR)

    def link(**fields: str) -> str:
        response = client.post(
            f"/officers/{alumnus}/surveys/6/link",
            data=form_with_csrf(signed, **fields),
            headers=session_cookie(signed),
        )
        assert (200, "no-store") == (response.status_code, response.headers["cache-control"])
        found = re.search(r'value="http://testserver(/surveys/[^"]+)"', response.text)
        assert found, response.text
        return found.group(1)

    first = link()
    assert first == link()
    assert 200 == client.get(first).status_code
    second = link(reissue="true")
    assert second != first
    assert 404 == client.get(first).status_code
    assert 200 == client.get(second).status_code


def test_the_api_lists_and_records(client: TestClient, world: World, alumnus: str) -> None:
    body = {
        "kind": "posting",
        "position": "Ambassador",
        "organisation": "Mission to ASEAN",
        "country": "Indonesia",
        "from_date": "2023-02-01",
    }
    response = client.post(
        f"/api/officers/{alumnus}/career", json=body, headers=world.bearer(Role.COORDINATOR)
    )
    assert 201 == response.status_code, response.text
    assert ("ID", "Indonesia", COORDINATOR) == (
        response.json()["country"],
        response.json()["country_name"],
        response.json()["recorded_by"],
    )
    listed = client.get(f"/api/officers/{alumnus}/career", headers=world.bearer(Role.OFFICER))
    assert ["Ambassador"] == [e["position"] for e in listed.json()]
    with unchanged(world.services):
        problem(
            client.post(
                f"/api/officers/{alumnus}/career", json=body, headers=world.bearer(Role.OFFICER)
            ),
            403,
            "permission_denied",
        )
        bad = problem(
            client.post(
                f"/api/officers/{alumnus}/career",
                json=body | {"kind": "demotion", "country": "Narnia"},
                headers=world.bearer(Role.COORDINATOR),
            ),
            422,
            "invalid_data",
        )
        assert {"kind", "country"} == set(bad["fields"])
        problem(
            client.get(
                f"/api/officers/{world.theirs}/career", headers=world.bearer(Role.SUPERVISOR)
            ),
            403,
            "permission_denied",
        )
        problem(
            client.post(
                f"/api/officers/{world.theirs}/testimonials",
                json={"text": "Hi"},
                headers=world.bearer(Role.COORDINATOR),
            ),
            400,
            "transition_not_allowed",
        )
    response = client.post(
        f"/api/officers/{alumnus}/testimonials",
        json={"text": "Thank you", "may_publish": True},
        headers=world.bearer(Role.COORDINATOR),
    )
    assert 201 == response.status_code
    listed = client.get(
        f"/api/officers/{alumnus}/testimonials", headers=world.bearer(Role.COORDINATOR)
    )
    assert [("Thank you", True)] == [(t["text"], t["may_publish"]) for t in listed.json()]


class Outbox:
    """A mail server that accepts everything and keeps it."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> None:
        self.sent.append(message)


def test_the_six_month_email_carries_a_link_the_public_form_accepts(
    client: TestClient, world: World, alumnus: str
) -> None:
    """End to end: the dispatched invitation (and, two weeks on, its chaser) carry the
    round's link, which opens the form and takes the answer."""
    outbox = Outbox()
    settings = DispatchSettings(
        sender=Mailbox("Attache", "attache@asean.example"), base_url="http://testserver"
    )
    world.clock.set(world.clock.now() + timedelta(days=200))  # past the 6-month mark
    Dispatcher(world.services, outbox, TemplateRenderer(), settings).run_once()
    links = {
        m.key.split("/")[1]: re.findall(r"http://testserver(/surveys/\S+)", m.text)
        for m in outbox.sent
        if "/surveys/" in m.text
    }
    [path] = links["alumni_followup"]
    assert {"alumni_followup": [path], "alumni_followup.chase": [path]} == links
    assert 200 == client.get(path).status_code
    assert 200 == client.post(path, data=NEW_POST).status_code
    assert [("Phó Vụ trưởng", "Bộ Ngoại giao", "VN", "survey")] == career(world, alumnus)


def test_a_graduate_from_before_surveys_gets_rounds_from_the_officer_page(
    client: TestClient, world: World, alumnus: str
) -> None:
    """No rounds yet (graduated before this feature): the page offers each round's link,
    and copying one opens all three, counted from the graduation."""
    with world.services.transaction() as session:
        session.execute(delete(AlumniSurvey))
    signed = world.session(Role.COORDINATOR)
    page = client.get(f"/officers/{alumnus}", headers=session_cookie(signed)).text
    assert 3 == page.count("not opened yet")
    response = client.post(
        f"/officers/{alumnus}/surveys/12/link",
        data=form_with_csrf(signed),
        headers=session_cookie(signed),
    )
    assert 200 == response.status_code
    rounds = surveys.survey_rounds(world.services, alumnus, actor=COORDINATOR)
    assert [(6, date(2023, 8, 3)), (12, date(2024, 2, 3)), (24, date(2025, 2, 3))] == [
        (r.round_months, r.opens_on) for r in rounds
    ]


def test_an_answer_caught_in_a_concurrent_change_is_shown_again_to_resend(
    client: TestClient, world: World, alumnus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Conflict that is not 'already answered' (a coordinator saving the same officer
    at that instant) saved nothing: the form comes back, filled in, to be sent again."""
    path = survey_path(world, alumnus)

    def collided(*_: object) -> None:
        raise Conflict(
            "someone else changed this officer at the same time; nothing was "
            "changed: reload and try again"
        )

    with monkeypatch.context() as patched, unchanged(world.services):
        patched.setattr(surveys, "answer_survey", collided)
        response = client.post(path, data=NEW_POST)
    assert (409, PRIVATE) == (response.status_code, private(response))
    assert "someone else changed this officer at the same time" in response.text
    assert 'value="Phó Vụ trưởng"' in response.text
    assert 200 == client.post(path, data=NEW_POST).status_code


def test_refused_alumni_forms_say_why_and_change_nothing(
    client: TestClient, world: World, alumnus: str
) -> None:
    """Bad fields (422, every one named), another officer's record (404), a round that
    does not exist (422), an officer not graduated (400): each an error page."""
    signed = world.session(Role.COORDINATOR)
    entry = alumni.add_career_record(
        world.services,
        alumnus,
        kind="promotion",
        position="Director",
        organisation="MFA",
        country="KH",
        from_date="2023-01-01",
        actor=COORDINATOR,
    )
    bad = {
        "kind": "demotion",
        "position": "Director",
        "organisation": "MFA",
        "country": "Narnia",
        "from_date": "2023-01-01",
    }
    cases = [
        (f"/officers/{alumnus}/career", bad, 422, "kind &#39;demotion&#39; is not one of"),
        (
            f"/officers/{world.theirs}/career/{entry.id}/delete",
            {},
            404,
            f"no career record {entry.id} of {world.theirs}",
        ),
        (f"/officers/{alumnus}/surveys/18/link", {}, 422, "round 18 is not one of 6, 12, 24"),
        (
            f"/officers/{world.theirs}/surveys/6/link",
            {},
            400,
            f"{world.theirs} is placement; alumni follow-up starts once",
        ),
        (
            f"/officers/{world.theirs}/testimonials",
            {"text": "Hi"},
            400,
            f"{world.theirs} is placement",
        ),
    ]
    for path, fields, status, said in cases:
        with unchanged(world.services):
            response = client.post(
                path, data=form_with_csrf(signed, **fields), headers=session_cookie(signed)
            )
        assert (status, True) == (response.status_code, said in response.text), path
