"""The report page, its downloads and the JSON API, on the seeded programme (two JD17
officers in their placement), on SQLite and PostgreSQL: who may see it, what it shows,
what each download is, and how mistakes are answered."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from lifecycle.persistence.tables import Officer
from lifecycle.roles import Role
from lifecycle.sheets import XLSX_TYPE
from tests.web.conftest import World, problem, session_cookie, unchanged

A, C, S, OFF, V = Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER, Role.VIEWER


def officers_by_state_and_country(world: World) -> Counter[tuple[str, str]]:
    """The rows themselves: the seeded officers have all been nominated before today."""
    with world.services.db.reading() as session:
        rows = session.execute(select(Officer.state, Officer.country))
        return Counter((state, country) for state, country in rows)


def names(world: World) -> list[str]:
    with world.services.db.reading() as session:
        return list(session.scalars(select(Officer.name)))


def today(world: World) -> date:
    return world.clock.now().astimezone(ZoneInfo("Asia/Jakarta")).date()


def get(client: TestClient, world: World, role: Role, path: str) -> Any:
    return client.get(path, headers=session_cookie(world.session(role)))


@pytest.mark.parametrize("role", [V, C, A])
def test_viewers_coordinators_and_admins_see_the_figures_and_charts(
    client: TestClient, world: World, role: Role
) -> None:
    """The page counts what the rows hold, draws inline SVG, and names nobody."""
    response = get(client, world, role, "/reports")
    assert 200 == response.status_code
    page = response.text
    assert "<svg" in page
    expected = officers_by_state_and_country(world)
    placed = sum(n for (state, _), n in expected.items() if state == "placement")
    row = re.search(r"<th scope=\"row\">Divisional placement</th>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">(\d+)</td>', row.group(1))
    kh = expected[("placement", "KH")]
    assert [str(kh), "0", "0", "0", str(placed)] == cells
    assert [] == [name for name in names(world) if name in page]
    assert f'value="{today(world).isoformat()}"' in page  # as of today in Jakarta


@pytest.mark.parametrize("role", [S, OFF])
def test_supervisors_and_officers_are_refused(client: TestClient, world: World, role: Role) -> None:
    """The page and its downloads are for the Secretariat and the funder only."""
    with unchanged(world.services):
        for path in ("/reports", "/reports/download?format=pdf"):
            response = get(client, world, role, path)
            assert 403 == response.status_code and "this needs" in response.text


def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient, world: World) -> None:
    """Back to the report asked for once signed in."""
    response = client.get("/reports?scope=batch%3AJD17")
    assert 303 == response.status_code
    assert response.headers["location"].startswith("/signin?next=/reports")


@pytest.mark.parametrize(
    ("fmt", "media_type", "starts"),
    [
        ("pdf", "application/pdf", b"%PDF-"),
        ("xlsx", XLSX_TYPE, b"PK"),
        ("csv", "text/csv; charset=utf-8", b"\xef\xbb\xbf"),
    ],
)
def test_each_download_has_its_content_type_and_a_file_name(
    client: TestClient, world: World, fmt: str, media_type: str, starts: bytes
) -> None:
    """Attachments named after the scope and the date; never cached."""
    response = get(
        client, world, V, f"/reports/download?format={fmt}&scope=batch:JD17&as_of=2023-02-01"
    )
    assert (200, media_type) == (response.status_code, response.headers["content-type"])
    assert response.content.startswith(starts)
    assert (
        f'attachment; filename="attache-report-JD17-2023-02-01.{fmt}"'
        == response.headers["content-disposition"]
    )
    assert "no-store" == response.headers["cache-control"]


def test_the_xlsx_download_and_the_api_give_the_same_numbers(
    client: TestClient, world: World
) -> None:
    """Two adapters, one report: the workbook's stage sheet is the API's by_stage."""
    api = client.get("/api/reports?batch=JD17", headers=world.bearer(V)).json()
    response = get(client, world, C, "/reports/download?format=xlsx&scope=batch:JD17")
    book = load_workbook(io.BytesIO(response.content))
    sheet = {r[0]: list(r[1:]) for r in book["Stages"].iter_rows(min_row=2, values_only=True)}
    assert {s["label"]: [*s["by_country"], s["total"]] for s in api["by_stage"]} == {
        label: counts for label, counts in sheet.items() if label != "Total"
    }


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("format=docx", 422, "format &#39;docx&#39; is not one of pdf, xlsx, csv, html"),
        ("format=pdf&scope=batch:JD99", 404, "no batch &#39;JD99&#39;"),
        ("format=pdf&scope=somewhere", 422, "is not &#39;batch:REF&#39;"),
        ("format=pdf&as_of=2023-02-31", 422, "is not a date like"),
        ("format=pdf&as_of=2099-01-01", 422, "a report can only look back"),
        ("format=pdf&within_years=0", 422, "from 1 to 50"),
        ("format=pdf&within_years=two", 422, "within_years"),
    ],
)
def test_a_bad_download_request_says_what_is_wrong(
    client: TestClient, world: World, query: str, status: int, words: str
) -> None:
    """One message each, as the console's error page, and no file."""
    response = get(client, world, V, f"/reports/download?{query}")
    assert (status, "text/html; charset=utf-8") == (
        response.status_code,
        response.headers["content-type"],
    )
    assert words in response.text


def test_the_page_takes_a_scope_and_refuses_an_unknown_one(
    client: TestClient, world: World
) -> None:
    """Batch and track scopes show in the title; the form keeps the choice selected."""
    batch = get(client, world, V, "/reports?scope=batch:JD17")
    assert 200 == batch.status_code and "Batch JD17" in batch.text
    assert '<option value="batch:JD17" selected>' in batch.text
    track = get(client, world, V, "/reports?scope=track:junior-diplomats")
    assert 200 == track.status_code
    assert "IAI Attachment Programme for Junior Diplomats</strong>" in track.text
    assert 404 == get(client, world, V, "/reports?scope=track:nope").status_code


def test_the_page_stays_within_the_content_security_policy(
    client: TestClient, world: World
) -> None:
    """No inline script (every script has a src); the downloads are plain links."""
    response = get(client, world, V, "/reports")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert 'hx-boost="false"' in response.text


def test_the_api_reports_what_the_rows_hold(client: TestClient, world: World) -> None:
    """JSON for a viewer's token: counts equal to the rows', aggregates only."""
    response = client.get("/api/reports", headers=world.bearer(V))
    assert 200 == response.status_code
    body = response.json()
    expected = officers_by_state_and_country(world)
    actual = Counter(
        {
            (row["stage"], body["countries"][i]): n
            for row in body["by_stage"]
            for i, n in enumerate(row["by_country"])
            if n
        }
    )
    assert expected == actual
    assert (today(world).isoformat(), "programme") == (body["as_of"], body["scope"]["kind"])
    assert [] == [name for name in names(world) if name in response.text]


@pytest.mark.parametrize(
    ("query", "status", "kind"),
    [
        ("?batch=JD17&track=aec-ascc", 422, "invalid_data"),
        ("?batch=JD99", 404, "not_found"),
        ("?track=nope", 404, "not_found"),
        ("?as_of=yesterday", 422, "invalid_data"),
        ("?within_years=99", 422, "invalid_data"),
        ("?within_years=abc", 422, "invalid_data"),
        ("?as_of=2099-01-01", 422, "invalid_data"),
    ],
)
def test_the_api_answers_mistakes_with_a_problem(
    client: TestClient, world: World, query: str, status: int, kind: str
) -> None:
    """RFC 9457 problems, one per mistake."""
    problem(client.get(f"/api/reports{query}", headers=world.bearer(V)), status, kind)


@pytest.mark.parametrize("role", [S, OFF])
def test_the_api_refuses_supervisors_and_officers(
    client: TestClient, world: World, role: Role
) -> None:
    """Their tokens are refused by the gate; nothing changes."""
    with unchanged(world.services):
        problem(client.get("/api/reports", headers=world.bearer(role)), 403, "permission_denied")
    problem(client.get("/api/reports"), 401, "not_signed_in")
