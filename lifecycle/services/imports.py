"""Nominations from a government's spreadsheet: every row checked, then all or nothing.

The sheet's header names the columns (any order, any case); each row is one nomination,
checked by the same rules as a nomination typed in (``setup.check_nomination`` and
``setup.Intake``). Every problem of every row is collected before anything is written,
so the coordinator fixes the whole sheet at once; a sheet with any problem writes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle import sheets
from lifecycle.errors import InvalidData, InvalidRows, RowProblem
from lifecycle.persistence import repository as repo
from lifecycle.roles import Role
from lifecycle.services.context import Services, require_role
from lifecycle.services.setup import Intake, Nomination, check_nomination

REQUIRED = ("name", "country", "ministry", "email")
COLUMNS = (*REQUIRED, "position")
EXAMPLE = (
    "Chhy Ratha", "KH", "Ministry of Foreign Affairs and International Cooperation",
    "chhy.ratha@mfaic.example", "Attaché, Department of ASEAN",
)


@dataclass(frozen=True)
class Imported:
    batch: str
    officers: list[dict[str, str]]  # ref, name, country, email, in the sheet's order

    @property
    def message(self) -> str:
        refs = [o["ref"] for o in self.officers]
        span = f": {refs[0]} .. {refs[-1]}" if len(refs) > 1 else f": {refs[0]}"
        return f"imported {len(refs)} nomination(s) into {self.batch}{span}"

    def to_dict(self) -> dict[str, object]:
        return {"batch": self.batch, "imported": len(self.officers), "officers": self.officers}


def import_nominations(
    services: Services, *, batch: str, data: bytes, filename: str, actor: str
) -> Imported:
    """Nominate every row of the sheet into ``batch``, in one transaction, or none."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "importing nominations")
        intake = Intake(services, session, repo.batch_by_ref(session, batch))
        rows = sheets.read_rows(data, filename)
        nominations, problems = _check(rows, intake)
        if problems:
            raise InvalidRows(
                f"{filename}: {len(problems)} problem(s); nothing was imported into "
                f"{intake.batch.ref}:",
                problems,
            )
        if not nominations:
            raise InvalidData(
                f"{filename}: no nominations below the header row", fields={"file": "empty"}
            )
        officers = [intake.enrol(nomination, source="sheet") for nomination in nominations]
        return Imported(intake.batch.ref, [
            {"ref": o.ref, "name": o.name, "country": o.country, "email": o.email}
            for o in officers
        ])


def _check(rows: list[sheets.Row], intake: Intake) -> tuple[list[Nomination], list[RowProblem]]:
    header = next((row for row in rows if not row.blank), None)
    if header is None:
        raise InvalidData(
            f"the file is empty; its first row must name the columns {', '.join(COLUMNS)}",
            fields={"file": "empty"},
        )
    columns, problems = _columns(header, rows)
    if problems:
        return [], problems
    nominations: list[Nomination] = []
    first_row_of: dict[str, int] = {}
    for row in rows[rows.index(header) + 1:]:
        if row.blank:
            continue
        cell = {name: row.cells[i] if i < len(row.cells) else "" for name, i in columns.items()}
        found = _check_row(row.number, cell, intake, first_row_of)
        if isinstance(found, Nomination):
            nominations.append(found)
        else:
            problems.extend(found)
    return nominations, problems


def _columns(header: sheets.Row, rows: list[sheets.Row]) -> tuple[dict[str, int], list[RowProblem]]:
    """Which cell holds which field; faults of the header itself, as row problems."""
    columns: dict[str, int] = {}
    problems: list[RowProblem] = []
    unknown = []
    for index, title in enumerate(header.cells):
        key = title.strip().casefold()
        letter = _letter(index)
        if not key:
            if any(index < len(r.cells) and r.cells[index].strip() for r in rows):
                problems.append(RowProblem(header.number, f"column {letter}",
                                           "has values but no name in the header row"))
            continue
        if key not in COLUMNS:
            unknown.append(f"{title.strip()!r} (column {letter})")
        elif key in columns:
            problems.append(RowProblem(header.number, key,
                                       f"named twice (columns {_letter(columns[key])} "
                                       f"and {letter})"))
        else:
            columns[key] = index
    if unknown:
        problems.append(RowProblem(
            header.number, "header",
            f"unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}",
        ))
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        problems.append(RowProblem(header.number, "header",
                                   f"missing column(s): {', '.join(missing)}"))
    return columns, problems


def _check_row(
    number: int, cell: dict[str, str], intake: Intake, first_row_of: dict[str, int]
) -> Nomination | list[RowProblem]:
    try:
        nomination = check_nomination(
            name=cell["name"], country=cell["country"], ministry=cell["ministry"],
            email=cell["email"], position=cell.get("position"),
        )
    except InvalidData as exc:
        return [RowProblem(number, field, message) for field, message in exc.fields.items()]
    problems = []
    earlier = first_row_of.setdefault(nomination.email, number)
    if earlier != number:
        problems.append(RowProblem(number, "email",
                                   f"{nomination.email} is also on row {earlier}"))
    else:
        clash = intake.clash(nomination.email)
        if clash is not None:
            problems.append(RowProblem(number, "email", clash))
    if problems:
        return problems  # a row that cannot be imported does not take a seat
    full = intake.claim_seat(nomination.country)
    if full is not None:
        return [RowProblem(number, "country", full)]
    return nomination


def _letter(index: int) -> str:
    """The spreadsheet's name of a column: 0 is A, 26 is AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def template(fmt: str) -> bytes:
    """A sheet to fill in: the header row and one example nomination."""
    rows = [list(COLUMNS), list(EXAMPLE)]
    return sheets.write_csv(rows) if fmt == "csv" else sheets.write_xlsx({"Nominations": rows})
