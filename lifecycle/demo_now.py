"""The demo's live batches, dated from today, so the console has work to do the day it
is loaded and the scheduler really sends reminders in the days after.

- AE7 is in its placement months: one mid-term review due this week, one overdue, one
  returned by the supervisor with a comment, one approved.
- AE8 started this week: its officers are in the induction week.

Each officer is moved by the real services at the instant it would have happened (a
placement entered six months ago is entered under a clock set six months back), so the
reminders, deadlines and history are what the engine would have recorded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.services import officers as act
from lifecycle.services import setup
from lifecycle.services.context import Services

JAKARTA = ZoneInfo("Asia/Jakarta")
INDUCTION = ("asean_introduction", "rules_briefing", "jakarta_visits")
MIDTERM = "placement.midterm"
MIDTERM_AFTER = relativedelta(months=6)  # the definitions' mid-term review: 6 months in

# (name, country, ministry, position, days from today to the mid-term review, what the
# supervisor did about it)
IN_PLACEMENT = [
    ("Chea Sreymom", "KH", "Ministry of Commerce", "Deputy Director", 3, None),
    ("ສົມພອນ ພົມມະຈັນ", "LA", "Ministry of Industry and Commerce", "Technical Officer", -9, None),
    ("Nguyễn Thị Mai", "VN", "Ministry of Planning and Investment", "Official", 4, "return"),
    ("မေသူ", "MM", "Ministry of Commerce", "Assistant Director", 12, "approve"),
]
IN_INDUCTION = [
    ("Phan Sokunthea", "KH", "Ministry of Labour and Vocational Training", "Officer"),
    ("ບຸນມີ ແກ້ວມະນີ", "LA", "Ministry of Education and Sports", "Technical Officer"),
    ("Lê Quang Huy", "VN", "Ministry of Labour, Invalids and Social Affairs", "Official"),
]
RETURN_COMMENT = "Please add the notes from the SEOM preparatory meeting before I sign."


def load_live_batches(
    db: Database, live: Services, coordinator: str, supervisor: str, division: str
) -> list[str]:
    """Create AE7 (placement) and AE8 (induction) around ``live.today()``; their refs."""
    today = live.today()
    placed = _placement_batch(db, live, today, coordinator, supervisor, division)
    inducted = _induction_batch(db, live, today, coordinator)
    return [placed, inducted]


def _placement_batch(
    db: Database, live: Services, today: date, coordinator: str, supervisor: str,
    division: str,
) -> str:
    start = today - MIDTERM_AFTER - timedelta(days=20)
    ref = setup.create_batch(
        _at(live, db, start - timedelta(days=30)),
        track="aec-ascc", number=7, start=start,
        end=start + relativedelta(years=1) - timedelta(days=1),
        quotas={"KH": 2, "LA": 2, "MM": 2, "VN": 2},
        milestones={"study_visit": start + timedelta(days=306)},
    )
    for n, (name, country, ministry, position, due_in, decision) in enumerate(IN_PLACEMENT, 1):
        entered = today + timedelta(days=due_in) - MIDTERM_AFTER
        past = _at(live, db, entered - timedelta(days=10))
        officer = setup.nominate(
            past, batch=ref, name=name, country=country, ministry=ministry, position=position,
            email=f"{ref.lower()}.officer{n:02d}@{country.lower()}.example", actor=coordinator,
        ).ref
        act.advance(past, officer, "accept", actor=coordinator)
        act.advance(past, officer, "start_induction", actor=coordinator)
        for item in INDUCTION:
            act.tick(past, officer, item, actor=coordinator)
        act.place(past, officer, division=division, supervisor=supervisor, actor=coordinator)
        act.advance(_at(live, db, entered), officer, "start_placement", actor=coordinator)
        if decision is not None:
            act.sign_off(
                _at(live, db, today - timedelta(days=1)), officer, MIDTERM, actor=supervisor,
                approve=decision == "approve",
                comment=RETURN_COMMENT if decision == "return" else None,
            )
    return ref


def _induction_batch(db: Database, live: Services, today: date, coordinator: str) -> str:
    start = today - timedelta(days=2)
    ref = setup.create_batch(
        _at(live, db, start - timedelta(days=30)),
        track="aec-ascc", number=8, start=start,
        end=start + relativedelta(years=1) - timedelta(days=1),
        quotas={"KH": 2, "LA": 2, "MM": 2, "VN": 2},
        milestones={"study_visit": start + timedelta(days=306)},
    )
    for n, (name, country, ministry, position) in enumerate(IN_INDUCTION, 1):
        nominated = _at(live, db, start - timedelta(days=25))
        officer = setup.nominate(
            nominated, batch=ref, name=name, country=country, ministry=ministry,
            position=position, email=f"{ref.lower()}.officer{n:02d}@{country.lower()}.example",
            actor=coordinator,
        ).ref
        act.advance(_at(live, db, start - timedelta(days=20)), officer, "accept",
                    actor=coordinator)
        first_day = _at(live, db, start)
        act.advance(first_day, officer, "start_induction", actor=coordinator)
        act.tick(first_day, officer, INDUCTION[0], actor=coordinator)
    return ref


def _at(live: Services, db: Database, day: date) -> Services:
    """The live services as they were at 09:00 in Jakarta on ``day``."""
    instant = datetime.combine(day, time(9), JAKARTA).astimezone(UTC)
    return Services(db, FakeClock(instant), live.workflows, live.listeners)
