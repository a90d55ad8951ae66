"""Request bodies of the API (responses are the services' own JSON views)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from lifecycle.services.bulk import MAX_SELECTED

# Row ids are INTEGER columns (32-bit on PostgreSQL): a larger number names no row, and
# asking the database for it fails (a 500) instead of finding nothing.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdvanceBody(_Body):
    trigger: str = Field(min_length=1, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
    expected_version: int | None = Field(default=None, ge=1)


class PlacementBody(_Body):
    division: str = Field(min_length=1, max_length=200)
    supervisor: str = Field(min_length=3, max_length=320)
    expected_version: int | None = Field(default=None, ge=1)


class SignoffBody(_Body):
    decision: str = Field(pattern="^(approve|return)$")
    comment: str | None = Field(default=None, max_length=4000)
    expected_version: int | None = Field(default=None, ge=1)


class DeadlineBody(_Body):
    name: str = Field(min_length=1, max_length=100)  # the sign-off or checklist
    due: date
    reason: str = Field(min_length=1, max_length=2000)


class NominationBody(_Body):
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=40)
    ministry: str = Field(min_length=1, max_length=300)
    email: str = Field(min_length=3, max_length=320)
    position: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)


class BatchBody(_Body):
    track: str = Field(min_length=1, max_length=64)
    number: int = Field(ge=1, le=10_000)
    start: date
    end: date
    funder: str = Field(default="JAIF", min_length=1, max_length=200)
    # Bounded like batch numbers: a larger count would not fit the INTEGER column (a 500).
    quotas: dict[str, Annotated[int, Field(le=10_000)]] = Field(default_factory=dict)
    optional_stages: list[str] = Field(default_factory=list)
    milestones: dict[str, date] = Field(default_factory=dict)


class UserBody(_Body):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    role: str = Field(min_length=1, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    password: str | None = Field(default=None, max_length=500)


class DivisionBody(_Body):
    name: str = Field(min_length=1, max_length=200)
    department: str = Field(min_length=1, max_length=16)


class TemplateBody(_Body):
    subject: str = Field(max_length=2000)
    txt: str = Field(max_length=100_000)
    html: str = Field(max_length=200_000)


class AbsenceBody(_Body):
    supervisor: str = Field(min_length=3, max_length=320)  # who is away
    starts_on: date = Field(alias="from")
    ends_on: date = Field(alias="until")
    substitute: str = Field(min_length=3, max_length=320)
    reason: str | None = Field(default=None, max_length=2000)


class ReassignBody(_Body):
    to: str = Field(min_length=3, max_length=320)  # the supervisor who signs instead
    reason: str = Field(min_length=1, max_length=2000)
    expected_version: int | None = Field(default=None, ge=1)


class BulkBody(_Body):
    action: Literal["advance", "tick", "remind"]
    refs: list[Annotated[str, Field(min_length=1, max_length=16)]] = Field(
        min_length=1, max_length=MAX_SELECTED
    )
    trigger: str | None = Field(default=None, max_length=64)
    item: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
