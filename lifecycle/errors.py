"""Every failure a user can cause, as one exception each.

The CLI maps these to exit codes and the web console to HTTP statuses, each in exactly
one place; services raise them and never print. A raised error always means the
transaction was rolled back: nothing was written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class AttacheError(Exception):
    """Base of every user-facing failure. ``str(error)`` is the one line to show."""

    exit_code: int = 1
    http_status: int = 500
    kind: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"error": self.kind, "message": self.message}


class NotFound(AttacheError):
    """A named thing (officer, batch, user, division, template...) does not exist."""

    exit_code = 3
    http_status = 404
    kind = "not_found"


class TransitionNotAllowed(AttacheError):
    """The action is not possible from where the officer is now."""

    exit_code = 4
    http_status = 400
    kind = "transition_not_allowed"


class IllegalTrigger(TransitionNotAllowed):
    """The trigger does not leave the officer's current state."""

    kind = "illegal_trigger"

    def __init__(self, message: str, *, state: str, allowed: Sequence[str]) -> None:
        super().__init__(message)
        self.state = state
        self.allowed = list(allowed)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "state": self.state, "allowed_triggers": self.allowed}


class GuardFailed(TransitionNotAllowed):
    """The trigger leaves the current state, but something it requires is missing."""

    kind = "guard_failed"

    def __init__(self, message: str, *, trigger: str, missing: Sequence[str]) -> None:
        super().__init__(message)
        self.trigger = trigger
        self.missing = list(missing)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "trigger": self.trigger, "missing": self.missing}


class UnmappedOfficers(TransitionNotAllowed):
    """A migration to another definition version that some officers cannot make: their
    state is not in the new version (and no mapping names it), or may not be entered.
    Every one is listed; nobody is migrated."""

    kind = "unmapped_officers"

    def __init__(self, heading: str, problems: Mapping[str, Sequence[str]]) -> None:
        # ``problems``: for each reason, the officers it holds back.
        lines = "\n".join(f"- {reason}: {', '.join(refs)}" for reason, refs in problems.items())
        super().__init__(f"{heading}\n{lines}")
        self.problems = {reason: list(refs) for reason, refs in problems.items()}

    def to_dict(self) -> dict[str, object]:
        return {
            **super().to_dict(),
            "unmapped": [
                {"problem": reason, "officers": refs} for reason, refs in self.problems.items()
            ],
        }


class Conflict(AttacheError):
    """Someone else changed the same record first; nothing of ours was written."""

    exit_code = 5
    http_status = 409
    kind = "conflict"


class Expired(AttacheError):
    """A link that was good has run out (e.g. a survey link past its closing date)."""

    exit_code = 12  # 11 is `attache certificate verify`'s "revoked"
    http_status = 410
    kind = "expired"


class PermissionDenied(AttacheError):
    """The acting user's role or relationship does not allow the action."""

    exit_code = 6
    http_status = 403
    kind = "permission_denied"


class InvalidData(AttacheError):
    """Input that can never be accepted as given (bad country, malformed date, ...)."""

    exit_code = 7
    http_status = 422
    kind = "invalid_data"

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        if self.fields:
            data["fields"] = self.fields
        return data


class FileTooLarge(InvalidData):
    """An uploaded file over the size its checklist item allows."""

    exit_code = 13
    http_status = 413
    kind = "file_too_large"


class UnsupportedFileType(InvalidData):
    """An uploaded file whose content is not one of the types its item accepts."""

    exit_code = 14
    http_status = 415
    kind = "unsupported_file_type"


@dataclass(frozen=True)
class RowProblem:
    """One fault in an uploaded sheet: its row as the spreadsheet numbers it (header: 1)."""

    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.problem}"


class InvalidRows(InvalidData):
    """A sheet (e.g. of nominations) with faults: every one is listed, nothing is taken."""

    def __init__(self, heading: str, problems: Sequence[RowProblem]) -> None:
        lines = "\n".join(str(p) for p in problems)
        fields: dict[str, str] = {}
        for p in problems:
            key = f"row {p.row}, {p.column}"
            fields[key] = f"{fields[key]}; {p.problem}" if key in fields else p.problem
        super().__init__(f"{heading}\n{lines}", fields=fields)
        self.problems = list(problems)

    def to_dict(self) -> dict[str, object]:
        return {
            **super().to_dict(),
            "problems": [
                {"row": p.row, "column": p.column, "problem": p.problem} for p in self.problems
            ],
        }


class ConfigurationError(InvalidData):
    """A broken definition, template or setting: names the file, the key and the fault."""

    kind = "configuration_error"


class DatabaseNotReady(AttacheError):
    """The database is missing or behind the code's migrations."""

    exit_code = 8
    http_status = 503
    kind = "database_not_ready"


class NotSignedIn(AttacheError):
    """No valid session or token, or a wrong e-mail/password pair."""

    exit_code = 9
    http_status = 401
    kind = "not_signed_in"


class TooManyAttempts(AttacheError):
    """Too many refused passwords for one address in a short time."""

    exit_code = 10
    http_status = 429
    kind = "too_many_attempts"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after_seconds": self.retry_after_seconds}
