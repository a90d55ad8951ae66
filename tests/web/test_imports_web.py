"""Nomination sheets uploaded through the console page and the API, on both backends.

The seeded JD17 has 7 Cambodian seats, 2 of them taken (tests.web.conftest).
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lifecycle.roles import Role
from lifecycle.services import imports, views
from tests.integration.test_imports import HEADER, csv_bytes, xlsx_bytes
from tests.web.conftest import World, form_with_csrf, problem, session_cookie, unchanged
from web.auth import CSRF_FIELD

C = Role.COORDINATOR
ROWS = [
    HEADER,
    ["ឈី រដ្ឋា", "KH", "ក្រសួងការបរទេស", "chhy.ratha@mfaic.example", "Attaché"],
    ["ເອກະພາບ ພັນທະວົງ", "Lao PDR", "ກະຊວງການຕ່າງປະເທດ", "ekkaphab@mofa.example", ""],
    ["ထက်ထက်ထူး", "MM", "နိုင်ငံခြားရေးဝန်ကြီးဌာန", "htet@mofa.example", ""],
    ["Hoàng Quốc Trung", "VN", "Bộ Ngoại giao", "trung@mofa.example", "Third Secretary"],
]
BAD = [
    HEADER,
    ["Chhy Ratha", "Thailand", "MFA", "chhy.ratha@mfaic.example", ""],  # row 2
    ["Somphone", "LA", "", "somphone@mofa.example", ""],  # row 3
    ["Aung", "MM", "MFA", "o0.kh@mfa.example", ""],  # row 4: JD17-01's address
]


def jd17_rows(world: World) -> list[list[str]]:
    return [
        [o["name"], o["country"], o["ministry"], o["email"], o["position"] or ""]
        for o in views.officer_list(world.services, batch="JD17")
    ]


def upload(client: TestClient, world: World, data: bytes, filename: str,
           csrf: bool = True) -> Any:
    signed = world.session(C)
    form = form_with_csrf(signed) if csrf else {}
    return client.post("/batches/JD17/import", data=form, headers=session_cookie(signed),
                       files={"file": (filename, data, "application/octet-stream")})


def test_the_import_page_has_a_protected_upload_form_and_the_template(
    client: TestClient, world: World
) -> None:
    signed = world.session(C)
    page = client.get("/batches/JD17/import", headers=session_cookie(signed))
    assert 200 == page.status_code, page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert f'name="{CSRF_FIELD}" value="{signed.csrf}"' in page.text
    assert 'type="file"' in page.text and 'href="/batches/JD17/import/template.xlsx"' in page.text
    board = client.get("/batches/JD17", headers=session_cookie(signed))
    assert 'href="/batches/JD17/import"' in board.text
    template = client.get("/batches/JD17/import/template.xlsx", headers=session_cookie(signed))
    assert 200 == template.status_code
    assert "attachment" in template.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [list(imports.COLUMNS), list(imports.EXAMPLE)] == [
        ["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert 404 == client.get("/batches/JD99/import", headers=session_cookie(signed)).status_code


def test_an_uploaded_sheet_nominates_everyone_and_returns_to_the_board(
    client: TestClient, world: World
) -> None:
    before = jd17_rows(world)
    response = upload(client, world, xlsx_bytes(ROWS), "nominations.xlsx")
    assert 303 == response.status_code, response.text
    location = response.headers["location"]
    assert location.startswith("/batches/JD17?done=imported+4+nomination")
    assert before + [[r[0], {"Lao PDR": "LA"}.get(r[1], r[1]), *r[2:]] for r in ROWS[1:]] == (
        jd17_rows(world))


def test_a_sheet_with_problems_lists_each_row_and_column_and_writes_nothing(
    client: TestClient, world: World
) -> None:
    with unchanged(world.services):
        response = upload(client, world, csv_bytes(BAD), "bad.csv")
    assert 422 == response.status_code
    text = response.text
    cells = [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(
            r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", text, re.S)
    ]
    assert [
        ["2", "country", "country 'Thailand' is not one of KH (Cambodia), LA (Lao PDR), "
                         "MM (Myanmar), VN (Viet Nam)"],
        ["3", "ministry", "ministry must not be empty"],
        ["4", "email", "an officer with e-mail o0.kh@mfa.example already exists: JD17-01"],
    ] == [c for c in cells if c]
    assert "bad.csv: 3 problem(s); nothing was imported into JD17" in text
    assert 'type="file"' in text  # the form is there to try again


def test_an_unreadable_upload_and_a_missing_csrf_token_write_nothing(
    client: TestClient, world: World
) -> None:
    with unchanged(world.services):
        response = upload(client, world, b"\xff\xfe\x00junk", "n.csv")
        assert 422 == response.status_code
        assert "not UTF-8 text" in response.text
        response = upload(client, world, csv_bytes(ROWS), "n.csv", csrf=False)
        assert 403 == response.status_code
        assert "CSRF" in response.text
        signed = world.session(Role.SUPERVISOR)
        response = client.post("/batches/JD17/import", data=form_with_csrf(signed),
                               headers=session_cookie(signed),
                               files={"file": ("n.csv", csv_bytes(ROWS), "text/csv")})
        assert 403 == response.status_code


def test_the_api_imports_a_sheet_or_answers_every_problem(
    client: TestClient, world: World
) -> None:
    headers = world.bearer(C)
    with unchanged(world.services):
        response = client.post("/api/batches/JD17/officers/import", headers=headers,
                               files={"file": ("bad.xlsx", xlsx_bytes(BAD), "application/x")})
        body = problem(response, 422, "invalid_data")
        assert [
            {"row": 2, "column": "country", "problem": "country 'Thailand' is not one of KH "
             "(Cambodia), LA (Lao PDR), MM (Myanmar), VN (Viet Nam)"},
            {"row": 3, "column": "ministry", "problem": "ministry must not be empty"},
            {"row": 4, "column": "email", "problem": "an officer with e-mail o0.kh@mfa.example "
             "already exists: JD17-01"},
        ] == body["problems"]
        assert "row 3, ministry" in body["fields"]
        response = client.post("/api/batches/JD17/officers/import", headers=world.bearer(
            Role.VIEWER), files={"file": ("n.csv", csv_bytes(ROWS), "text/csv")})
        problem(response, 403, "permission_denied")
        response = client.post("/api/batches/JD99/officers/import", headers=headers,
                               files={"file": ("n.csv", csv_bytes(ROWS), "text/csv")})
        problem(response, 404, "not_found")
    response = client.post("/api/batches/JD17/officers/import", headers=headers,
                           files={"file": ("n.csv", csv_bytes(ROWS), "text/csv")})
    assert 201 == response.status_code, response.text
    assert {"batch": "JD17", "imported": 4, "officers": [
        {"ref": f"JD17-{n:02d}", "name": row[0], "country": country, "email": row[3]}
        for n, row, country in zip(range(3, 7), ROWS[1:], ["KH", "LA", "MM", "VN"], strict=True)
    ]} == response.json()
