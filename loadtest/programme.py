"""The programme the workers act on: staff, two divisions, two batches (one per track,
one with the optional diplomatic training) and N nominated officers, all made through
the services as a coordinator would."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from lifecycle.services.setup import publish_definitions
from notifications.wiring import with_reminders
from workflows.loader import load_definitions

# 09:00 in Jakarta on Monday 2 January 2023, a month before the batches start.
START = datetime(2023, 1, 2, 2, 0, tzinfo=UTC)
COORDINATOR = "coordinator@load.example"
SUPERVISORS = ("supervisor.one@load.example", "supervisor.two@load.example")
DIVISIONS = ("Political Cooperation Division", "Trade in Goods Division")
BATCH_START, BATCH_END = date(2023, 2, 1), date(2024, 1, 31)
COUNTRIES = ("KH", "LA", "MM", "VN")  # no quotas: every nomination is accepted


@dataclass(frozen=True)
class BatchPlan:
    track: str
    number: int
    study_visit: date
    training: bool


BATCHES = (
    BatchPlan("junior-diplomats", 17, date(2023, 12, 4), training=True),
    BatchPlan("aec-ascc", 5, date(2023, 11, 20), training=False),
)


def initialise(url: str) -> None:
    """Schema at head and the shipped workflow definitions published."""
    database = Database(url)
    try:
        database.upgrade()
        publish_definitions(Services(database, FakeClock(START)), load_definitions())
    finally:
        database.dispose()


@dataclass
class Seeding:
    versions: dict[str, int]  # each officer's version once seeded
    # What the seeding itself wrote, per officer, labelled as the workers label theirs.
    writes: dict[str, Counter[str]] = field(default_factory=dict)


def seed(url: str, officers: int, placed: int = 0) -> Seeding:
    """The programme and ``officers`` nominations, the first ``placed`` of them walked
    on into their placement (so reminders fall due however fast the workers are)."""
    database = Database(url)
    try:
        services = with_reminders(Services(database, FakeClock(START)))
        setup.add_user(services, name="Siti Rahmawati", email=COORDINATOR, role="coordinator")
        for number, email in enumerate(SUPERVISORS, start=1):
            setup.add_user(services, name=f"Supervisor {number}", email=email, role="supervisor")
        setup.add_division(services, name=DIVISIONS[0], department="APSC")
        setup.add_division(services, name=DIVISIONS[1], department="AEC")
        refs = [
            setup.create_batch(
                services, track=plan.track, number=plan.number, start=BATCH_START,
                end=BATCH_END, optional_stages=["diplomatic_training"] if plan.training else [],
                milestones={"study_visit": plan.study_visit},
            )
            for plan in BATCHES
        ]
        seeding = Seeding({})
        for i in range(officers):
            country = COUNTRIES[i % len(COUNTRIES)]
            outcome = setup.nominate(
                services, batch=refs[i % len(refs)], name=f"Officer {i} ឈី រដ្ឋា",
                country=country, ministry="Ministry of Foreign Affairs",
                email=f"officer{i}@{country.lower()}.load.example", actor=COORDINATOR,
            )
            seeding.versions[outcome.ref] = outcome.version
            if i < placed:
                seeding.versions[outcome.ref] = _to_placement(services, outcome.ref, i)
                seeding.writes[outcome.ref] = Counter(PLACEMENT_WALK)
        return seeding
    finally:
        database.dispose()


INDUCTION = ("asean_introduction", "rules_briefing", "jakarta_visits")
# The writes walking an officer to placement makes, labelled as loadtest.choices does.
PLACEMENT_WALK = (
    "advance:accept", "advance:start_induction", *(f"tick:{item}" for item in INDUCTION),
    "place", "advance:start_placement",
)


def _to_placement(services: Services, ref: str, i: int) -> int:
    """Walk a nominated officer into placement; its version after."""
    act.advance(services, ref, "accept", actor=COORDINATOR)
    act.advance(services, ref, "start_induction", actor=COORDINATOR)
    for item in INDUCTION:
        act.tick(services, ref, item, actor=COORDINATOR)
    act.place(services, ref, division=DIVISIONS[i % 2], supervisor=SUPERVISORS[i % 2],
              actor=COORDINATOR)
    return act.advance(services, ref, "start_placement", actor=COORDINATOR).version
