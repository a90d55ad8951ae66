"""Nominations imported from a sheet, and a batch exported: services and CLI, both backends.

A sheet is checked row by row before anything is written; one bad row among two hundred
imports nothing and is named with its column. Names in Khmer, Lao, Burmese and
Vietnamese come back exactly as the government typed them.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from lifecycle import sheets
from lifecycle.errors import InvalidData, InvalidRows, NotFound, PermissionDenied, RowProblem
from lifecycle.services import Services, exports, imports, setup, views
from lifecycle.services import officers as act
from tests.conftest import BACKENDS, seeded_or_fresh
from tests.integration import attache
from tests.support import COORDINATOR, SUPERVISOR, dump, nominate, seed_programme

HEADER = ["name", "country", "ministry", "email", "position"]
# Names and ministries as the four governments write them, in their own scripts (all NFC).
PEOPLE = {
    "KH": (["ឈី រដ្ឋា", "សុខ វណ្ណា", "Chhy Ratha"],
           "ក្រសួងការបរទេស និងសហប្រតិបត្តិការអន្តរជាតិ"),
    "LA": (["ເອກະພາບ ພັນທະວົງ", "ສົມພອນ ແກ້ວມະນີ", "Ekkaphab Phanthavong"],
           "ກະຊວງການຕ່າງປະເທດ"),
    "MM": (["ထက်ထက်ထူး", "အောင်ကျော်မိုး", "Htet Htet Htoo"], "နိုင်ငံခြားရေးဝန်ကြီးဌာန"),
    "VN": (["Hoàng Quốc Trung", "Nguyễn Thị Thu Hương", "Trần Văn Nam"], "Bộ Ngoại giao"),
}
COUNTRY_CYCLE = ["KH", "LA", "MM", "VN"]


def sheet_rows(n: int = 200) -> list[list[str]]:
    """The header and ``n`` nominations, 50 per country for 200, every script present."""
    rows = [list(HEADER)]
    for i in range(n):
        code = COUNTRY_CYCLE[i % 4]
        names, ministry = PEOPLE[code]
        rows.append([
            f"{names[i % 3]} {i}", code, ministry, f"officer{i}@gov-{code.lower()}.example",
            "Third Secretary" if i % 2 else "",
        ])
    return rows


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], *, bom: bool = True) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def sheet(rows: list[list[str]], fmt: str) -> tuple[bytes, str]:
    return (xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows)), f"nominations.{fmt}"


def seed_two_batches(services: Services) -> None:
    """JD17 (7 Cambodian seats, 2 taken) and JD18 with 50 seats for each country."""
    seed_programme(services)
    nominate(services, 2)
    setup.create_batch(
        services, track="junior-diplomats", number=18, start=date(2024, 2, 1),
        end=date(2025, 1, 31), quotas=dict.fromkeys(COUNTRY_CYCLE, 50),
    )


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: ``programme`` is copied, seeded once per session."""
    yield from seeded_or_fresh(request, tmp_path, {"programme": seed_two_batches})


@pytest.fixture
def programme(services: Services) -> Services:
    """``seed_two_batches``'s programme."""
    return services


def run(services: Services, rows: list[list[str]], fmt: str = "csv",
        batch: str = "JD18") -> imports.Imported:
    data, filename = sheet(rows, fmt)
    return imports.import_nominations(
        services, batch=batch, data=data, filename=filename, actor=COORDINATOR
    )


def refused(services: Services, rows: list[list[str]], fmt: str = "csv",
            batch: str = "JD18") -> list[RowProblem]:
    """Import, expecting a refusal that names rows; assert nothing at all was written."""
    before = dump(services)
    with pytest.raises(InvalidRows) as caught:
        run(services, rows, fmt, batch)
    assert before == dump(services)
    assert caught.value.message.count("\n") == len(caught.value.problems)
    return caught.value.problems


def read_back(services: Services, batch: str = "JD18") -> list[list[str]]:
    return [
        [o["name"], o["country"], o["ministry"], o["email"], o["position"] or ""]
        for o in views.officer_list(services, batch=batch)
    ]


# -- a whole sheet ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_two_hundred_nominations_in_four_scripts_read_back_exactly(
    programme: Services, fmt: str
) -> None:
    """Every row becomes an officer, in order, with its Khmer, Lao, Burmese or
    Vietnamese name, ministry and blank positions exactly as in the sheet."""
    rows = sheet_rows(200)
    result = run(programme, rows, fmt)
    assert 200 == len(result.officers)
    assert [f"JD18-{i:02d}" for i in range(1, 201)] == [o["ref"] for o in result.officers]
    assert "imported 200 nomination(s) into JD18: JD18-01 .. JD18-200" == result.message
    assert rows[1:] == read_back(programme)
    officer = views.officer_detail(programme, "JD18-07")
    assert ("ထက်ထက်ထူး 6", "Asia/Yangon", "nominated") == (
        officer["name"], officer["timezone"], officer["state"])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_one_bad_row_among_two_hundred_imports_nothing_and_is_named(
    programme: Services, fmt: str
) -> None:
    rows = sheet_rows(200)
    rows[137][3] = "officer137-at-gov.example"  # spreadsheet row 138
    assert [RowProblem(138, "email", "e-mail 'officer137-at-gov.example' is not valid: "
                       "An email address must have an @-sign.")] == refused(programme, rows, fmt)
    assert [] == read_back(programme)


# -- the header -----------------------------------------------------------------------------


@pytest.mark.parametrize("header", [
    ["NAME", "Country", "MiniStry", "EMAIL", "Position"],
    ["  email ", " position", "ministry  ", "country", "name"],
    ["Email", "Name", "Country", "Ministry"],  # position is optional
])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_header_case_order_and_spaces_do_not_matter(
    programme: Services, header: list[str], fmt: str
) -> None:
    keys = [title.strip().lower() for title in header]
    source = sheet_rows(4)
    rows = [header] + [[dict(zip(HEADER, r, strict=True))[k] for k in keys] for r in source[1:]]
    run(programme, rows, fmt)
    expected = [r if "position" in keys else [*r[:4], ""] for r in source[1:]]
    assert expected == read_back(programme)


def test_a_csv_without_byte_order_mark_and_one_with_semicolons_are_read(
    programme: Services,
) -> None:
    rows = sheet_rows(2)
    plain = csv_bytes(rows, bom=False)
    imports.import_nominations(programme, batch="JD18", data=plain, filename="a.CSV",
                               actor=COORDINATOR)
    more = sheet_rows(4)[3:]
    semicolons = ("\r\n".join(";".join(r) for r in [HEADER, *more]) + "\r\n").encode()
    imports.import_nominations(programme, batch="JD18", data=semicolons, filename="b.csv",
                               actor=COORDINATOR)
    assert rows[1:] + more == read_back(programme)


def test_unknown_duplicate_missing_and_unnamed_columns_are_named(programme: Services) -> None:
    rows = [["name", "Phone", "country", "ministry", "Name", "remarks", ""],
            ["A", "+855 12", "KH", "MFA", "B", "x", "stray value"]]
    assert [
        RowProblem(1, "name", "named twice (columns A and E)"),
        RowProblem(1, "column G", "has values but no name in the header row"),
        RowProblem(1, "header", "unknown column(s) 'Phone' (column B), 'remarks' (column F); "
                                "the columns are name, country, ministry, email, position"),
        RowProblem(1, "header", "missing column(s): email"),
    ] == refused(programme, rows)


def test_blank_rows_and_empty_trailing_columns_are_ignored(programme: Services) -> None:
    source = sheet_rows(3)
    rows = [["", "", "", "", "", ""], [*HEADER, ""], source[1], ["", " ", ""], source[2],
            source[3], ["", "", ""]]
    run(programme, rows, "xlsx")
    assert source[1:] == read_back(programme)


# -- every rule of a row --------------------------------------------------------------------


def test_every_fault_of_every_row_is_reported_with_its_row_and_column(
    programme: Services,
) -> None:
    rows = [
        HEADER,
        ["Chhy Ratha", "Cambodia", "MFA", "chhy@mfa.example", ""],  # 2: fine
        ["", "TH", " ", "no address", "x" * 201],  # 3
        ["Somphone", "Lao PDR", "MFA", "CHHY@mfa.example", ""],  # 4: repeats row 2
        ["Aung", "mm", "MFA", "o0.kh@mfa.example", ""],  # 5: an officer of JD17 has it
        ["Trung", "viet nam", "MFA", "trung@mofa.example", ""],  # 6: fine
    ]
    assert [
        RowProblem(3, "country", "country 'TH' is not one of KH (Cambodia), LA (Lao PDR), "
                                 "MM (Myanmar), VN (Viet Nam)"),
        RowProblem(3, "email", "e-mail 'no address' is not valid: An email address must have "
                               "an @-sign."),
        RowProblem(3, "name", "name must not be empty"),
        RowProblem(3, "ministry", "ministry must not be empty"),
        RowProblem(3, "position", "position is 201 characters long; at most 200 fit"),
        RowProblem(4, "email", "chhy@mfa.example is also on row 2"),
        RowProblem(5, "email", "an officer with e-mail o0.kh@mfa.example already exists: "
                               "JD17-01"),
    ] == refused(programme, rows)


def test_country_names_and_codes_in_any_case_are_accepted(programme: Services) -> None:
    rows = [HEADER] + [
        [f"N{i}", country, "MFA", f"n{i}@gov.example", ""]
        for i, country in enumerate(["kh", " Lao PDR ", "MYANMAR", "Viet  Nam", "VN"])
    ]
    run(programme, rows)
    assert ["KH", "LA", "MM", "VN", "VN"] == [r[1] for r in read_back(programme)]


def test_a_sheet_overflowing_a_quota_names_the_rows_beyond_the_free_seats(
    programme: Services,
) -> None:
    """JD17 has 7 Cambodian seats and 2 taken: rows 7 and 8 would be the 8th and 9th."""
    rows = [HEADER] + [[f"K{i}", "KH", "MFA", f"k{i}@mfa.example", ""] for i in range(7)]
    rows.append(["V", "VN", "MFA", "v@mofa.example", ""])  # no Vietnamese quota in JD17
    full = "batch JD17 quota for KH (Cambodia) is full: 7 of 7 seats taken (5 by earlier rows)"
    assert [RowProblem(7, "country", full), RowProblem(8, "country", full)] == refused(
        programme, rows, batch="JD17")
    del rows[6:8]
    assert 6 == len(run(programme, rows, batch="JD17").officers)


def test_a_declined_officer_frees_a_seat_for_the_sheet(programme: Services) -> None:
    act.advance(programme, "JD17-01", "decline", actor=COORDINATOR, reason="not eligible")
    rows = [HEADER] + [[f"K{i}", "KH", "MFA", f"k{i}@mfa.example", ""] for i in range(6)]
    assert 6 == len(run(programme, rows, batch="JD17").officers)


def test_names_are_normalised_to_nfc(programme: Services) -> None:
    """A Vietnamese name typed with combining accents is stored precomposed."""
    typed = unicodedata.normalize("NFD", "Nguyễn Thị Thu Hương")
    assert typed != "Nguyễn Thị Thu Hương"
    run(programme, [HEADER, [typed, "VN", "Bộ Ngoại giao", "huong@mofa.example", ""]])
    assert "Nguyễn Thị Thu Hương" == read_back(programme)[0][0]


def test_a_nomination_typed_in_follows_the_same_rules(programme: Services) -> None:
    """setup.nominate and the sheet share their checks: NFC, names of countries, limits."""
    typed = unicodedata.normalize("NFD", "Trần Văn Nam")
    setup.nominate(programme, batch="JD18", name=typed, country="Viet Nam", ministry="MOFA",
                   email="nam@mofa.example", actor=COORDINATOR)
    assert [["Trần Văn Nam", "VN", "MOFA", "nam@mofa.example", ""]] == read_back(programme)
    with pytest.raises(InvalidData) as caught:
        setup.nominate(programme, batch="JD18", name="x" * 201, country="XX", ministry="M",
                       email="bad", actor=COORDINATOR)
    assert {"country", "email", "name"} == set(caught.value.fields)


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "empty.csv", "the file is empty"),
    (b"\xef\xbb\xbfname,country,ministry,email\r\n", "header-only.csv", "no nominations below"),
    ("name,country\nរ,KH\n".encode("utf-16"), "utf16.csv", "not UTF-8 text"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx", "not a readable .xlsx workbook"),
    (b"name,country", "nominations.xls", "only .csv and .xlsx files can be read (save it as"),
])
def test_unreadable_files_are_refused_with_one_clear_message(
    programme: Services, data: bytes, filename: str, message: str
) -> None:
    before = dump(programme)
    with pytest.raises(InvalidData) as caught:
        imports.import_nominations(programme, batch="JD18", data=data, filename=filename,
                                   actor=COORDINATOR)
    assert message in caught.value.message
    assert before == dump(programme)


def test_only_coordinators_import_into_a_batch_that_exists(programme: Services) -> None:
    data, filename = sheet(sheet_rows(2), "csv")
    before = dump(programme)
    with pytest.raises(PermissionDenied):
        imports.import_nominations(programme, batch="JD18", data=data, filename=filename,
                                   actor=SUPERVISOR)
    with pytest.raises(NotFound, match="no batch 'JD99'"):
        imports.import_nominations(programme, batch="JD99", data=data, filename=filename,
                                   actor=COORDINATOR)
    with pytest.raises(NotFound, match="no user"):
        imports.import_nominations(programme, batch="JD18", data=data, filename=filename,
                                   actor="nobody@asean.example")
    assert before == dump(programme)


# -- export ---------------------------------------------------------------------------------


def exported_rows(services: Services, batch: str) -> list[list[str]]:
    return [
        [o["ref"], o["name"], o["country"], o["ministry"], o["email"], o["position"] or "",
         o["state"], views.officer_detail(services, o["ref"])["state_since"]]
        for o in views.officer_list(services, batch=batch)
    ]


def read_xlsx(data: bytes) -> dict[str, list[list[str]]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: [["" if v is None else str(v) for v in row]
                           for row in ws.iter_rows(values_only=True)]
                for ws in book.worksheets}
    finally:
        book.close()


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_an_export_reads_back_as_the_officers_and_their_history(programme: Services) -> None:
    rows = sheet_rows(8)
    rows[1][0] = "=HYPERLINK(\"http://evil.example\")"  # stays text, never a formula
    run(programme, rows)
    act.advance(programme, "JD18-01", "accept", actor=COORDINATOR)
    act.advance(programme, "JD18-02", "decline", actor=COORDINATOR, reason="not eligible")
    officers = exported_rows(programme, "JD18")
    assert "accepted" == officers[0][6]
    history = [
        ["JD18-01", "2023-01-02T02:00:00+00:00", "accept", "nominated", "accepted",
         COORDINATOR, ""],
        ["JD18-02", "2023-01-02T02:00:00+00:00", "decline", "nominated", "declined",
         COORDINATOR, "not eligible"],
    ]
    book = read_xlsx(exports.export_batch(programme, "JD18", "xlsx").files[""])
    assert {"Officers": [list(exports.OFFICER_COLUMNS), *officers],
            "History": [list(exports.HISTORY_COLUMNS), *history]} == book
    files = exports.export_batch(programme, "JD18", "csv").files
    # A CSV cell has no type: the formula is kept as text by a leading quote (the XLSX
    # above stores it as a string, so it needs none).
    assert "'=HYPERLINK(\"http://evil.example\")" == read_csv(files[""])[1][1]
    escaped = [[sheets.formula_safe(cell) for cell in row] for row in officers]
    assert [list(exports.OFFICER_COLUMNS), *escaped] == read_csv(files[""])
    assert [list(exports.HISTORY_COLUMNS), *history] == read_csv(files["-history"])


def test_the_template_imports_as_its_example(programme: Services, tmp_path: Path) -> None:
    for fmt in ("xlsx", "csv"):
        data = imports.template(fmt)
        rows = read_xlsx(data)["Nominations"] if fmt == "xlsx" else read_csv(data)
        assert [list(imports.COLUMNS), list(imports.EXAMPLE)] == rows
    imports.import_nominations(programme, batch="JD18", data=imports.template("xlsx"),
                               filename="t.xlsx", actor=COORDINATOR)
    assert [list(imports.EXAMPLE)] == read_back(programme)


# -- the CLI ----------------------------------------------------------------------------------


def test_cli_import_exit_codes(programme: Services, database_url: str, tmp_path: Path) -> None:
    """0 with a summary, 7 with one problem per line (nothing written), 3, 6 and 2."""
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes(sheet_rows(6)))
    bad_rows = sheet_rows(6)
    bad_rows[2][1], bad_rows[5][3] = "Thailand", ""
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(bad_rows))
    before = dump(programme)
    result = attache(database_url, "officer", "import", str(bad), "--batch", "JD18",
                     "--as", COORDINATOR)
    assert 7 == result.code, result.err
    assert [
        "attache: bad.csv: 2 problem(s); nothing was imported into JD18:",
        "row 3, country: country 'Thailand' is not one of KH (Cambodia), LA (Lao PDR), "
        "MM (Myanmar), VN (Viet Nam)",
        "row 6, email: email must not be empty",
    ] == result.err_lines
    for args, code, message in [
        (("--batch", "JD99", "--as", COORDINATOR), 3, "no batch 'JD99'"),
        (("--batch", "JD18", "--as", "nobody@asean.example"), 3, "no user"),
        (("--batch", "JD18", "--as", SUPERVISOR), 6, "importing nominations needs a"),
    ]:
        result = attache(database_url, "officer", "import", str(good), *args)
        assert (code, True) == (result.code, message in result.err), result.err
    result = attache(database_url, "officer", "import", str(tmp_path / "missing.csv"),
                     "--batch", "JD18", "--as", COORDINATOR)
    assert 2 == result.code
    assert before == dump(programme)
    result = attache(database_url, "officer", "import", str(good), "--batch", "jd18",
                     "--as", COORDINATOR, "--json")
    assert 0 == result.code, result.err
    summary = result.json()
    assert (6, "JD18-06", "Hoàng Quốc Trung 3") == (
        summary["imported"], summary["officers"][-1]["ref"], summary["officers"][3]["name"])
    assert sheet_rows(6)[1:] == read_back(programme)


def test_cli_template_and_export(programme: Services, database_url: str, tmp_path: Path) -> None:
    for name in ("t.xlsx", "t.csv"):
        result = attache(database_url, "officer", "import-template", "--output",
                         str(tmp_path / name))
        assert 0 == result.code, result.err
    assert imports.template("csv") == (tmp_path / "t.csv").read_bytes()
    assert [list(imports.COLUMNS), list(imports.EXAMPLE)] == read_xlsx(
        (tmp_path / "t.xlsx").read_bytes())["Nominations"]
    result = attache(database_url, "officer", "import-template", "--output",
                     str(tmp_path / "t.ods"))
    assert 7 == result.code and "only .csv and .xlsx" in result.err
    run(programme, sheet_rows(5))
    officers = [list(exports.OFFICER_COLUMNS), *exported_rows(programme, "JD18")]
    result = attache(database_url, "officer", "export", "--batch", "JD18", "--format", "xlsx",
                     "--output", str(tmp_path / "jd18.xlsx"))
    assert 0 == result.code, result.err
    assert officers == read_xlsx((tmp_path / "jd18.xlsx").read_bytes())["Officers"]
    result = attache(database_url, "officer", "export", "--batch", "JD18", "--format", "csv",
                     "--output", str(tmp_path / "jd18.csv"))
    assert 0 == result.code, result.err
    assert officers == read_csv((tmp_path / "jd18.csv").read_bytes())
    assert [list(exports.HISTORY_COLUMNS)] == read_csv(
        (tmp_path / "jd18-history.csv").read_bytes())
    result = attache(database_url, "officer", "export", "--batch", "JD99", "--format", "csv",
                     "--output", str(tmp_path / "none.csv"))
    assert 3 == result.code
