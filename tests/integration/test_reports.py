"""The funder's report figures, checked against the demo's rows counted independently.

Each expected figure is computed here from the raw rows (officers, audit events,
sign-offs, reminders, quotas, career records) with plain Python, never through the
report code; the demo's own declared story (``lifecycle.demo``) is a second witness.
Every test runs on a real SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, select

from lifecycle import demo as demo_data
from lifecycle.errors import AttacheError, InvalidData, NotFound, PermissionDenied
from lifecycle.persistence.tables import Batch, CareerRecord, Officer, Reminder
from lifecycle.reporting.figures import build_report
from lifecycle.reporting.model import Report
from lifecycle.roles import COUNTRIES
from lifecycle.services import Services
from lifecycle.services import officers as act
from tests.integration.report_rows import (
    COORDINATOR,
    JAKARTA,
    LOADED_AT,
    OFFICER,
    SUPERVISOR,
    VIEWER,
    Rows,
    add_career,
    cutoff,
    raw_rows,
)
from tests.support import dump

# The demo database fixtures (``demo``: Services on a fresh copy, on either backend).
pytest_plugins = ["tests.integration.report_fixtures"]

YEAR_END = date(2024, 6, 1)  # after the demo's graduations, before anything else happens
EARLY = date(2023, 1, 20)  # accepted on the 10th, induction starts on the 25th


# -- the figures, counted the simple way ----------------------------------------------


def state_at(rows: Rows, officer: Any, limit: datetime) -> str | None:
    oid, state, nominated = officer[0], officer[6], officer[7]
    events = rows.events[oid]
    if nominated >= limit:
        return None
    earlier = [e for e in events if e[2] < limit]
    if earlier:
        return str(earlier[-1][1])
    return str(events[0][0]) if events else str(state)


def entered(rows: Rows, officer: Any, stage: str, limit: datetime) -> datetime | None:
    times = [e[2] for e in rows.events[officer[0]] if e[1] == stage and e[2] < limit]
    return min(times) if times else None


def expected_figures(rows: Rows, as_of: date) -> dict[str, Any]:
    limit = cutoff(as_of)
    counted = [(o, state_at(rows, o, limit)) for o in rows.officers]
    counted = [(o, s) for o, s in counted if s is not None]
    by_stage = Counter((s, o[4]) for o, s in counted)
    withdrawn = [(o, rows.events[o[0]]) for o, s in counted if s == "withdrawn"]
    reasons = Counter(
        ([e for e in evs if e[2] < limit][-1][0], [e for e in evs if e[2] < limit][-1][3])
        for _, evs in withdrawn
    )
    graduates = [o for o, _ in counted if entered(rows, o, "graduated", limit)]
    accepted = Counter((o[2], o[4]) for o, _ in counted if entered(rows, o, "accepted", limit))
    seats = {(b, c): n for b, c, n, made in rows.quotas if made < limit}
    quotas = {key: (seats.get(key, 0), accepted[key]) for key in set(seats) | set(accepted)}
    signoffs: dict[str, Counter[str]] = {
        "placement.midterm": Counter(),
        "placement.final": Counter(),
    }
    for officer, state in counted:
        for name, tally in signoffs.items():
            approvals = [a[2] for a in rows.approvals if a[:2] == (officer[0], name)]
            approvals = [at for at in approvals if at < limit]
            dues = [
                r[3] for r in rows.reminders if (r[0], r[1], r[2]) == (officer[0], name, "reminder")
            ]
            due = max(dues) if dues else None
            if approvals:
                if due is None:
                    tally["no_deadline"] += 1
                elif min(approvals).astimezone(JAKARTA).date() <= due.astimezone(JAKARTA).date():
                    tally["on_time"] += 1
                else:
                    tally["late"] += 1
            elif due and due.astimezone(JAKARTA).date() < as_of and state == "placement":
                tally["overdue_open"] += 1
    days: dict[str, list[float]] = {}
    for officer, state in counted:
        spent: dict[str, float] = {}
        earlier = [e for e in rows.events[officer[0]] if e[2] < limit]
        if earlier:  # the first stage runs from the nomination to the first decision
            spent[earlier[0][0]] = (earlier[0][2] - officer[7]).total_seconds() / 86400
        for this, following in itertools.pairwise(earlier):
            spent[this[1]] = (
                spent.get(this[1], 0) + (following[2] - this[2]).total_seconds() / 86400
            )
        for stage, total in spent.items():
            if stage != state:
                days.setdefault(stage, []).append(total)
    graduated_on = {
        o[0]: entered(rows, o, "graduated", limit).astimezone(JAKARTA).date() for o in graduates
    }
    outcomes: dict[str, list[int]] = {}
    for officer in graduates:
        start = graduated_on[officer[0]]
        kinds = [
            kind
            for oid, kind, day in rows.careers
            if oid == officer[0] and start <= day <= min(as_of, start.replace(year=start.year + 2))
        ]
        tally = outcomes.setdefault(officer[4], [0, 0, 0, 0, 0])
        tally[0] += 1
        tally[1] += "promotion" in kinds
        tally[2] += "posting" in kinds
        tally[3] += kinds.count("promotion")
        tally[4] += kinds.count("posting")
    return {
        "officers": len(counted),
        "outcomes": {country: tuple(t) for country, t in outcomes.items()},
        "by_stage": {k: n for k, n in by_stage.items() if n},
        "withdrawals": len(withdrawn),
        "withdrawn_by_country": Counter(o[4] for o, _ in withdrawn),
        "reasons": dict(reasons),
        "graduates": len(graduates),
        "by_track": Counter(o[3] for o in graduates),
        "by_country": Counter(o[4] for o in graduates),
        "by_ministry": Counter(o[5] for o in graduates),
        "quotas": quotas,
        "signoffs": {
            name: {k: n for k, n in tally.items() if n} for name, tally in signoffs.items()
        },
        "days": {
            stage: (len(v), round(statistics.fmean(v), 1), round(statistics.median(v), 1))
            for stage, v in days.items()
        },
    }


def actual_figures(report: Report) -> dict[str, Any]:
    countries = report.countries
    return {
        "officers": report.officers,
        "outcomes": {
            o.country: (o.graduates, o.promoted, o.posted, o.promotions, o.postings)
            for o in report.outcomes
            if o.graduates
        },
        "by_stage": {
            (row.stage, countries[i]): n
            for row in report.by_stage
            for i, n in enumerate(row.by_country)
            if n
        },
        "withdrawals": report.withdrawals.total,
        "withdrawn_by_country": Counter(
            {c.key: c.count for c in report.withdrawals.by_country if c.count}
        ),
        "reasons": {(r.stage_left, r.reason): r.count for r in report.withdrawals.reasons},
        "graduates": report.graduates.total,
        "by_track": Counter({c.key: c.count for c in report.graduates.by_track if c.count}),
        "by_country": Counter({c.key: c.count for c in report.graduates.by_country if c.count}),
        "by_ministry": Counter({c.key: c.count for c in report.graduates.by_ministry if c.count}),
        "quotas": {(q.batch, q.country): (q.seats, q.accepted) for q in report.quotas},
        "signoffs": {
            s.name: {
                k: n
                for k, n in (
                    ("on_time", s.on_time),
                    ("late", s.late),
                    ("no_deadline", s.no_deadline),
                    ("overdue_open", s.overdue_open),
                )
                if n
            }
            for s in report.signoffs
        },
        "days": {t.stage: (t.officers, t.mean_days, t.median_days) for t in report.stage_times},
    }


def report(services: Services, as_of: date, **scope: Any) -> Report:
    return build_report(services, as_of=as_of, actor=VIEWER, **scope)


# -- the demo, whole and in part ----------------------------------------------------------


@pytest.mark.parametrize("as_of", [YEAR_END, LOADED_AT.astimezone(JAKARTA).date()])
def test_demo_figures_match_the_rows_counted_independently(demo: Services, as_of: date) -> None:
    """Every figure of the whole programme's report equals the raw rows' count: in
    mid-2024, and today (the alumni's later promotions and postings included)."""
    figures = report(demo, as_of)
    assert expected_figures(raw_rows(demo), as_of) == actual_figures(figures)
    assert (*COUNTRIES,) == figures.countries
    assert sum(row.total for row in figures.by_stage) == figures.officers
    # Not vacuous: the demo exercises every kind of figure compared above.
    assert all(
        [
            figures.withdrawals.total,
            figures.graduates.total,
            figures.stage_times,
            figures.quotas,
            any(s.on_time for s in figures.signoffs),
            any(s.overdue_open for s in figures.signoffs),
        ]
    )


def test_each_demo_officer_is_in_the_stage_the_demo_left_them_in(demo: Services) -> None:
    """The demo's declared story is a second witness: officers by stage and country as
    of mid-2024 are the demo's targets (placement_* being the placement stage)."""
    declared = Counter(
        (target.split("_")[0] if target.startswith("placement") else target, country)
        for _, country, _, _, target in (*demo_data.JD17, *demo_data.AE6)
    )
    figures = report(demo, YEAR_END)
    actual = Counter(
        {
            (row.stage, figures.countries[i]): n
            for row in figures.by_stage
            for i, n in enumerate(row.by_country)
            if n
        }
    )
    assert declared == actual


@pytest.mark.parametrize("batch", ["JD17", "AE6"])
def test_a_batch_report_counts_that_batch_only(demo: Services, batch: str) -> None:
    """Scope: one batch's figures are its own rows' figures, quotas included."""
    figures = report(demo, YEAR_END, batch=batch.lower())
    assert ("batch", batch) == (figures.scope.kind, figures.scope.key)
    assert expected_figures(raw_rows(demo, batch), YEAR_END) == actual_figures(figures)


def test_a_track_report_counts_that_tracks_batches(demo: Services) -> None:
    """Scope: the junior-diplomats track is JD17 and JD18 (JD18 not nominated yet then)."""
    figures = report(demo, YEAR_END, track="junior-diplomats")
    assert (
        expected_figures(raw_rows(demo, "JD17"), YEAR_END)["by_stage"]
        == (actual_figures(figures)["by_stage"])
    )
    assert {"JD17"} == {q.batch for q in figures.quotas}  # JD18 did not exist yet


def test_the_funders_are_those_of_the_batches_that_existed_then(demo: Services) -> None:
    """Read from the batches' rows; a batch set up after the as-of date adds nobody."""
    with demo.db.reading() as session:
        rows = session.execute(select(Batch.funder, Batch.created_at)).all()
    for as_of in (YEAR_END, LOADED_AT.astimezone(JAKARTA).date()):
        expected = sorted({funder for funder, made in rows if made < cutoff(as_of)})
        assert expected == list(report(demo, as_of).funders)
    assert () == report(demo, date(2022, 10, 1)).funders  # before the demo's batches


def test_an_earlier_date_shows_the_earlier_stages(demo: Services) -> None:
    """As of 20 January 2023 everybody accepted is still 'accepted': nobody placed or
    graduated, and the one declined nomination is already declined."""
    early, late = report(demo, EARLY), report(demo, YEAR_END)
    assert expected_figures(raw_rows(demo), EARLY) == actual_figures(early)
    stages = {row.stage: row.total for row in early.by_stage}
    moved_on = sum(
        1
        for *_, target in (*demo_data.JD17, *demo_data.AE6)
        if target not in ("nominated", "declined")
    )
    assert (moved_on, 1, 0, 0) == (
        stages["accepted"],
        stages["declined"],
        stages["placement"],
        early.graduates.total,
    )
    assert early.by_stage != late.by_stage
    assert 0 == early.withdrawals.total and 1 == late.withdrawals.total


def test_officers_nominated_after_the_date_do_not_count(demo: Services) -> None:
    """JD18's nominations arrived when the demo was loaded: not counted the day before."""
    loaded_on = LOADED_AT.astimezone(JAKARTA).date()
    before = report(demo, date.fromordinal(loaded_on.toordinal() - 1))
    on_the_day = report(demo, loaded_on)
    assert len(demo_data.LIVE) == on_the_day.officers - before.officers
    assert (
        len(demo_data.LIVE)
        == dict((row.stage, row.total) for row in on_the_day.by_stage)["nominated"]
        - dict((row.stage, row.total) for row in before.by_stage)["nominated"]
    )


def test_the_demo_withdrawal_keeps_its_reason_and_the_stage_left(demo: Services) -> None:
    """The recalled Cambodian officer: counted by country, with the reason as typed."""
    withdrawn = [p for p in demo_data.JD17 if p[4] == "withdrawn"]
    figures = report(demo, YEAR_END)
    assert Counter(p[1] for p in withdrawn) == Counter(
        {c.key: c.count for c in figures.withdrawals.by_country if c.count}
    )
    rows = raw_rows(demo)
    last = [rows.events[o[0]][-1] for o in rows.officers if o[6] == "withdrawn"]
    assert [(e[0], e[3], 1) for e in last] == [
        (r.stage_left, r.reason, r.count) for r in figures.withdrawals.reasons
    ]


# -- sign-offs, quotas, outcomes --------------------------------------------------------


def test_a_sign_off_given_after_its_deadline_counts_as_late(demo: Services) -> None:
    """JD17-04's mid-term review, long overdue, is approved today: late from today on,
    still 'overdue, not signed' in a report as of a date before the approval."""
    today = demo.today()
    before = {s.name: s for s in report(demo, YEAR_END).signoffs}["placement.midterm"]
    # Today's report also counts the demo's live batch (AE7), whose reviews fall due
    # around today: compare today with today.
    earlier_today = {s.name: s for s in report(demo, today).signoffs}["placement.midterm"]
    act.sign_off(demo, "JD17-04", "placement.midterm", actor=SUPERVISOR, approve=True)
    after = {s.name: s for s in report(demo, today).signoffs}["placement.midterm"]
    again = {s.name: s for s in report(demo, YEAR_END).signoffs}["placement.midterm"]
    assert (earlier_today.late + 1, earlier_today.overdue_open - 1, earlier_today.on_time) == (
        after.late,
        after.overdue_open,
        after.on_time,
    )
    assert before == again
    assert expected_figures(raw_rows(demo), today) == actual_figures(report(demo, today))


def test_an_approval_without_any_planned_deadline_is_counted_apart(demo: Services) -> None:
    """With JD17-02's mid-term reminders gone (no deadline ever planned), its approval is
    neither on time nor late but 'approved, no deadline'."""
    before = {s.name: s for s in report(demo, YEAR_END).signoffs}["placement.midterm"]
    with demo.transaction() as session:
        officer = session.scalar(select(Officer).where(Officer.ref == "JD17-02"))
        assert officer is not None
        session.execute(
            delete(Reminder).where(
                Reminder.officer_id == officer.id, Reminder.about == "placement.midterm"
            )
        )
    after = {s.name: s for s in report(demo, YEAR_END).signoffs}["placement.midterm"]
    assert (before.on_time - 1, before.no_deadline + 1, before.late) == (
        after.on_time,
        after.no_deadline,
        after.late,
    )
    assert expected_figures(raw_rows(demo), YEAR_END) == actual_figures(report(demo, YEAR_END))


def test_quotas_compare_seats_with_acceptances(demo: Services) -> None:
    """JD17's seven Cambodian seats (five extra for the 2022 Chairmanship) against the
    Cambodian nominations accepted; every quota row from the rows."""
    figures = report(demo, YEAR_END, batch="JD17")
    khmer = [p for p in demo_data.JD17 if p[1] == "KH"]  # all five were accepted
    row = next(q for q in figures.quotas if q.country == "KH")
    assert (7, len(khmer), len(khmer) >= 7) == (row.seats, row.accepted, row.met)
    for quota in figures.quotas:
        assert (quota.accepted >= quota.seats) == quota.met


def test_alumni_outcomes_count_what_happened_within_the_window(demo: Services) -> None:
    """Promotions and postings from graduation to N years later and up to the as-of
    date count; a record before graduation, of another kind, or of someone who has not
    graduated does not."""
    with demo.transaction() as session:  # the demo's own follow-up (lifecycle.demo) aside
        session.execute(delete(CareerRecord))
    graduates = {o[1]: o for o in raw_rows(demo).officers if o[6] in ("graduated", "alumni")}
    first, second = sorted(graduates)  # JD17-06 (LA) and JD17-10 (VN), graduated 2024-01-24
    records = [
        (first, "promotion", date(2024, 5, 1)),
        (first, "posting", date(2025, 9, 1)),
        (second, "posting", date(2026, 3, 1)),  # beyond two years, within three
        (second, "promotion", date(2023, 6, 1)),  # before graduating
        (second, "other", date(2024, 6, 1)),
        ("JD17-01", "promotion", date(2024, 6, 1)),  # not graduated
    ]
    for ref, kind, day in records:
        add_career(demo, ref, kind, day)
    graduated_on = date(2024, 1, 24)

    def expected(as_of: date, years: int) -> dict[str, tuple[int, ...]]:
        window_end = graduated_on.replace(year=graduated_on.year + years)
        result = {}
        for ref in (first, second):
            kept = [
                k
                for r, k, d in records
                if r == ref
                and k in ("promotion", "posting")
                and graduated_on <= d <= min(as_of, window_end)
            ]
            result[graduates[ref][4]] = (
                1,
                int("promotion" in kept),
                int("posting" in kept),
                kept.count("promotion"),
                kept.count("posting"),
            )
        return result

    for as_of, years in [(demo.today(), 2), (demo.today(), 3), (date(2025, 1, 1), 2)]:
        figures = build_report(demo, as_of=as_of, actor=VIEWER, within_years=years)
        actual = {
            o.country: (o.graduates, o.promoted, o.posted, o.promotions, o.postings)
            for o in figures.outcomes
            if o.graduates
        }
        assert expected(as_of, years) == actual, (as_of, years)


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"batch": "JD17", "track": "aec-ascc"}, InvalidData, "not both"),
        ({"batch": "JD99"}, NotFound, "no batch 'JD99'"),
        ({"track": "diplomats"}, NotFound, "no track 'diplomats'"),
        ({"within_years": 0}, InvalidData, "from 1 to 50"),
        ({"as_of": date(2026, 7, 2)}, InvalidData, "after today"),
        ({"actor": SUPERVISOR}, PermissionDenied, "reporting needs a coordinator or viewer"),
        ({"actor": OFFICER}, PermissionDenied, "reporting needs a coordinator or viewer"),
        ({"actor": "nobody@asean.example"}, NotFound, "no user"),
    ],
)
def test_a_refused_report_says_why_and_changes_nothing(
    demo: Services, kwargs: dict[str, Any], error: type[AttacheError], words: str
) -> None:
    """One clear message per mistake; reading never writes, refused or not."""
    before = dump(demo)
    with pytest.raises(error) as raised:
        build_report(demo, **{"as_of": YEAR_END, "actor": VIEWER, **kwargs})
    assert type(raised.value) is error and words in raised.value.message
    assert before == dump(demo)


def test_coordinators_and_admins_may_report_too(demo: Services) -> None:
    """The same figures whoever of the allowed roles asks."""
    seen = [
        actual_figures(build_report(demo, as_of=YEAR_END, actor=who))
        for who in (VIEWER, COORDINATOR, "admin@asean.example")
    ]
    assert [seen[0]] * 3 == seen


@contextmanager
def counting(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(services.db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(services.db.engine, "before_cursor_execute", seen)


def test_the_figures_take_the_same_few_queries_whatever_the_scope_size(demo: Services) -> None:
    """Set-based: 5 officers (AE6) and 11 (JD17) cost the same queries, and the whole
    programme (16, no batch to look up) no more, so tens of thousands of officers never
    mean one query each."""
    report(demo, YEAR_END)  # warm: the workflow definitions compile once per process
    counts = []
    for scope in ({"batch": "AE6"}, {"batch": "JD17"}, {}):
        with counting(demo) as statements:
            report(demo, YEAR_END, **scope)
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[2] <= counts[0]
    assert counts[2] < report(demo, YEAR_END).officers
