"""The report laid out as titled tables: the one layout the HTML, PDF, XLSX and CSV share,
so the figures a funder reads in the PDF are the numbers in the spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.reporting.model import Report
from lifecycle.roles import COUNTRIES

Cell = str | int | float


@dataclass(frozen=True)
class Table:
    key: str  # a short name: the XLSX sheet and the CSV section
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""  # how it is counted, in one sentence (docs/reports.md says more)


def country_name(code: str) -> str:
    return COUNTRIES.get(code, code)


def tables(report: Report) -> tuple[Table, ...]:
    countries = [country_name(c) for c in report.countries]
    g = report.graduates
    return (
        Table(
            "Summary",
            "About this report",
            ("item", "value"),
            (
                ("Scope", report.scope.title),
                ("Funded by", "; ".join(report.funders)),
                ("As of (end of day, Jakarta)", report.as_of.isoformat()),
                ("Generated (UTC)", report.generated_at.isoformat(timespec="seconds")),
                ("Officers counted", report.officers),
                ("Withdrawals", report.withdrawals.total),
                ("Graduates", g.total),
                ("Outcome window (years after graduation)", report.within_years),
            ),
        ),
        Table(
            "Stages",
            "Officers by stage and country",
            ("stage", *countries, "total"),
            _totalled(
                [(r.label, *r.by_country, r.total) for r in report.by_stage],
                ("Total", *_column_sums(report), report.officers),
            ),
            "Each officer nominated by the end of the as-of date, in the stage they were in then.",
        ),
        Table(
            "Withdrawals",
            "Withdrawals by country",
            ("country", "withdrawals"),
            _totalled(
                [(country_name(c.key), c.count) for c in report.withdrawals.by_country],
                ("Total", report.withdrawals.total),
            ),
            "Officers whose stage at the end of the as-of date was Withdrawn.",
        ),
        Table(
            "Withdrawal reasons",
            "Withdrawal reasons and the stage left",
            ("stage left", "reason", "withdrawals"),
            tuple((r.stage_left, r.reason, r.count) for r in report.withdrawals.reasons),
            "The reason recorded when the officer was withdrawn, and the stage they left.",
        ),
        Table(
            "Time in stage",
            "Time spent in each stage (days, stages left by the as-of date)",
            ("stage", "officers", "mean days", "median days"),
            tuple((t.label, t.officers, t.mean_days, t.median_days) for t in report.stage_times),
            "All visits to a stage added up per officer; only officers who had left it count.",
        ),
        Table(
            "Sign-offs",
            "Supervisors' sign-offs on time and late",
            ("sign-off", "on time", "late", "approved, no deadline", "overdue, not signed"),
            tuple(
                (s.label, s.on_time, s.late, s.no_deadline, s.overdue_open) for s in report.signoffs
            ),
            "On time: approved on or before the due date (the day, in Jakarta); late: after it.",
        ),
        Table(
            "Graduates by track",
            "Graduates by track",
            ("track", "graduates"),
            _totalled([(c.key, c.count) for c in g.by_track], ("Total", g.total)),
        ),
        Table(
            "Graduates by country",
            "Graduates by country",
            ("country", "graduates"),
            _totalled([(country_name(c.key), c.count) for c in g.by_country], ("Total", g.total)),
        ),
        Table(
            "Graduates by ministry",
            "Graduates by home ministry",
            ("ministry", "graduates"),
            _totalled([(c.key, c.count) for c in g.by_ministry], ("Total", g.total)),
        ),
        Table(
            "Alumni outcomes",
            f"Alumni outcomes within {report.within_years} years of graduation",
            ("country", "graduates", "promoted", "posted", "promotions", "postings"),
            _totalled(
                [
                    (
                        country_name(o.country),
                        o.graduates,
                        o.promoted,
                        o.posted,
                        o.promotions,
                        o.postings,
                    )
                    for o in report.outcomes
                ],
                ("Total", *(sum(column) for column in _outcome_columns(report))),
            ),
            f"Promotions and postings starting from graduation to {report.within_years} years "
            "later, up to the as-of date.",
        ),
        Table(
            "Quotas",
            "Seats per country and officers accepted",
            ("batch", "country", "seats", "accepted", "met"),
            tuple(
                (q.batch, country_name(q.country), q.seats, q.accepted, "yes" if q.met else "no")
                for q in report.quotas
            ),
            "Accepted: nominations accepted by the as-of date, whatever happened to them later.",
        ),
        Table(
            "Nominations by source",
            "Nominations by source and the wait for a decision",
            ("source", "nominations", "decided", "waiting", "mean days", "median days"),
            tuple(
                (
                    SOURCE_LABELS.get(n.source, n.source),
                    n.nominations,
                    n.decided,
                    n.waiting,
                    "" if n.mean_days_to_decision is None else n.mean_days_to_decision,
                    "" if n.median_days_to_decision is None else n.median_days_to_decision,
                )
                for n in report.nominations
            ),
            "Console: entered by a coordinator; sheet: imported from a spreadsheet; ministry: "
            "nominated by the home ministry through its invitation. Days from the nomination "
            "to the Secretariat's decision (accept or decline), for those decided.",
        ),
    )


SOURCE_LABELS = {
    "console": "Console",
    "sheet": "Spreadsheet",
    "ministry": "Ministry (e-nomination)",
}


def _outcome_columns(report: Report) -> list[list[int]]:
    rows = report.outcomes
    return [
        [o.graduates for o in rows],
        [o.promoted for o in rows],
        [o.posted for o in rows],
        [o.promotions for o in rows],
        [o.postings for o in rows],
    ]


def _column_sums(report: Report) -> list[int]:
    return [sum(r.by_country[i] for r in report.by_stage) for i in range(len(report.countries))]


Row = tuple[Cell, ...]


def _totalled(rows: list[Row], total: Row) -> tuple[Row, ...]:
    return (*rows, total)
