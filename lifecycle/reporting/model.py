"""The funder's report as one immutable value: what ``figures`` computes and every
renderer (HTML, PDF, XLSX, CSV, JSON) shows. Aggregates only: no officer is named."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Scope:
    """What the report covers: one batch, one track, or the whole programme."""

    kind: str  # batch | track | programme
    key: str  # the batch ref or track slug; "" for the programme
    title: str


@dataclass(frozen=True)
class StageRow:
    """Officers in one stage at the end of the as-of date, per country."""

    stage: str
    label: str
    by_country: tuple[int, ...]  # in the order of ``Report.countries``
    total: int


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class WithdrawalReason:
    stage_left: str
    reason: str
    count: int


@dataclass(frozen=True)
class Withdrawals:
    total: int
    by_country: tuple[Count, ...]
    reasons: tuple[WithdrawalReason, ...]


@dataclass(frozen=True)
class StageTime:
    """Days spent in a stage by the officers who had left it by the as-of date."""

    stage: str
    label: str
    officers: int
    mean_days: float
    median_days: float


@dataclass(frozen=True)
class SignoffRow:
    name: str
    label: str
    on_time: int
    late: int
    no_deadline: int  # approved, but no deadline was ever planned for it
    overdue_open: int  # past its deadline and not yet approved


@dataclass(frozen=True)
class Graduates:
    total: int
    by_track: tuple[Count, ...]
    by_country: tuple[Count, ...]
    by_ministry: tuple[Count, ...]


@dataclass(frozen=True)
class OutcomeRow:
    """Graduates of one country and what their careers did within the window."""

    country: str
    graduates: int
    promoted: int  # graduates with at least one promotion
    posted: int  # graduates with at least one posting
    promotions: int  # promotion records
    postings: int  # posting records


@dataclass(frozen=True)
class QuotaRow:
    batch: str
    country: str
    seats: int
    accepted: int

    @property
    def met(self) -> bool:
        return self.accepted >= self.seats


@dataclass(frozen=True)
class NominationSourceRow:
    """Nominations from one source (console, sheet, ministry) and how long the
    Secretariat took to decide them (days from nomination to the first decision)."""

    source: str
    nominations: int
    decided: int
    waiting: int
    mean_days_to_decision: float | None
    median_days_to_decision: float | None


@dataclass(frozen=True)
class Report:
    scope: Scope
    funders: tuple[str, ...]
    as_of: date
    generated_at: datetime
    within_years: int
    countries: tuple[str, ...]
    officers: int
    by_stage: tuple[StageRow, ...]
    withdrawals: Withdrawals
    stage_times: tuple[StageTime, ...]
    signoffs: tuple[SignoffRow, ...]
    graduates: Graduates
    outcomes: tuple[OutcomeRow, ...]
    quotas: tuple[QuotaRow, ...]
    nominations: tuple[NominationSourceRow, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates and instants as ISO 8601, ``met`` spelled out per quota."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["generated_at"] = self.generated_at.isoformat()
        data["quotas"] = [{**asdict(q), "met": q.met} for q in self.quotas]
        return data
