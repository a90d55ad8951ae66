"""A realistic demo: the 2022-2023 round (JD17 and AE6), walked through its year, and
live batches dated from today (``lifecycle.demo_now``, and JD18 taking nominations).

Fictional officers from all four countries, names in their own scripts, including the
five extra Cambodian officers for Cambodia's 2022 ASEAN Chairmanship. The demo runs
the real services under a simulated clock, so its history is what the engine would
have recorded had it been used that year.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from lifecycle.clock import FakeClock
from lifecycle.demo_now import load_live_batches
from lifecycle.errors import Conflict
from lifecycle.persistence.tables import Batch, Officer, Track
from lifecycle.services import accounts, alumni, setup, surveys
from lifecycle.services import officers as act
from lifecycle.services.context import Services

JAKARTA = ZoneInfo("Asia/Jakarta")
COORDINATOR = "coordinator@asean.example"
SUPERVISORS = {
    "APSC": ("Maria Santos", "m.santos@asean.example", "Political Cooperation Division"),
    "AEC": ("Nur Aisyah Binti Ahmad", "n.aisyah@asean.example", "Trade Facilitation Division"),
    "ASCC": (
        "Ahmad Fauzi",
        "a.fauzi@asean.example",
        "Social Welfare, Women, Labour and Migrant Workers Division",
    ),
}
USERS = [
    ("Siti Rahmawati", COORDINATOR, "coordinator", "Asia/Jakarta"),
    ("Programme Administrator", "admin@asean.example", "admin", "Asia/Jakarta"),
    ("JAIF Management Team", "jaif@jaif.example", "viewer", "Asia/Tokyo"),
    *[(name, email, "supervisor", "Asia/Jakarta") for name, email, _ in SUPERVISORS.values()],
]
# Every demo login uses this password: it is printed by `attache demo` and `make run`,
# and must never be used outside a demonstration.
DEMO_PASSWORD = "attache-demo"
# The officer who can sign in to see their own page: JD17's first officer.
DEMO_OFFICER = "jd17.officer01@kh.example"
# A batch starting next month, so the console shows nominations to act on today.
LIVE = [
    ("Sok Pisey", "KH", "Ministry of Foreign Affairs and International Cooperation", "Attaché"),
    ("ຄໍາພອນ ສີສຸວັນ", "LA", "Ministry of Foreign Affairs", "Third Secretary"),
    ("နှင်းဝေ", "MM", "Ministry of Foreign Affairs", "Attaché"),
    ("Trần Minh Khôi", "VN", "Ministry of Foreign Affairs", "Third Secretary"),
]
EXTRA_DIVISIONS = [
    ("External Relations Division", "APSC"),
    ("Education, Youth and Sports Division", "ASCC"),
]

# (name, country, ministry, position, where the demo leaves them)
JD17 = [
    (
        "Chhy Ratha",
        "KH",
        "Ministry of Foreign Affairs and International Cooperation",
        "Deputy Bureau Chief",
        "study_visit",
    ),
    (
        "សុខ ចាន់ធី",
        "KH",
        "Ministry of Foreign Affairs and International Cooperation",
        "Attaché",
        "placement_final_pending",
    ),
    (
        "Keo Sophea",
        "KH",
        "Ministry of Foreign Affairs and International Cooperation",
        "Attaché",
        "diplomatic_training",
    ),
    (
        "Meas Sokha",
        "KH",
        "Ministry of Foreign Affairs and International Cooperation",
        "Third Secretary",
        "placement_midterm_pending",
    ),
    (
        "Lim Dara",
        "KH",
        "Ministry of Foreign Affairs and International Cooperation",
        "Third Secretary",
        "withdrawn",
    ),
    ("Ekkaphab Phanthavong", "LA", "Ministry of Foreign Affairs", "Third Secretary", "graduated"),
    ("ສຸລິຍາ ວົງສາ", "LA", "Ministry of Foreign Affairs", "Attaché", "placement_final_pending"),
    ("Htet Htet Htoo", "MM", "Ministry of Foreign Affairs", "Third Secretary", "study_visit"),
    ("အောင်ကိုကို", "MM", "Ministry of Foreign Affairs", "Attaché", "placement_returned"),
    ("Hoàng Quốc Trung", "VN", "Ministry of Foreign Affairs", "Desk Officer", "alumni"),
    ("Nguyễn Thị Lan", "VN", "Ministry of Foreign Affairs", "Attaché", "placement_midterm_pending"),
]
AE6 = [
    ("Chan Vibol", "KH", "Ministry of Commerce", "Deputy Director", "induction"),
    (
        "Phommachanh Souksavanh",
        "LA",
        "Ministry of Industry and Commerce",
        "Technical Officer",
        "accepted",
    ),
    ("Zaw Min Thant", "MM", "Ministry of Commerce", "Assistant Director", "nominated"),
    (
        "Trần Minh Anh",
        "VN",
        "Ministry of Labour, Invalids and Social Affairs",
        "Official",
        "declined",
    ),
    ("Vũ Thu Hà", "VN", "Ministry of Industry and Trade", "Official", "placement_midterm_pending"),
]


def load_demo(services: Services) -> list[str]:
    """Load the demo unless it is there already; returns what was done.

    All or nothing: a clash half-way (a demo user who already exists) leaves the
    database exactly as it was, with one message saying what clashed.
    """
    try:
        with services.db.transaction() as session:
            demo_batch = select(Batch).join(Track).where(
                Track.slug == "junior-diplomats", Batch.number == 17
            )
            if session.scalar(demo_batch) is not None:
                return ["demo already loaded (batch JD17 exists)", *demo_logins()]
            clock = FakeClock(_at("2022-11-01"))
            # Every service call joins this one transaction: the demo calls hundreds of
            # them, and a failure half-way must not leave the first half behind.
            joined = services.db.joined(session)
            sim = Services(joined, clock, services.workflows, services.listeners)
            officers = _load(sim, clock)
            live = Services(joined, services.clock, sim.workflows, sim.listeners)
            live_ref = _live_batch(live)
            _, email, division = SUPERVISORS["AEC"]
            placed, inducted = load_live_batches(joined, live, COORDINATOR, email, division)
            _logins(sim)
    except Conflict as exc:
        raise Conflict(f"cannot load the demo: {exc.message}; nothing was changed") from None
    return [
        f"loaded demo: {len(USERS) + 1} users, batches JD17 and AE6 (2023, walked through "
        f"the year), {officers} officers; {live_ref} starts next month with {len(LIVE)} "
        f"nominations to act on; {placed} is in its placement months (sign-offs due this "
        f"week, overdue and returned) and {inducted} in its induction week",
        *demo_logins(),
    ]


def demo_logins() -> list[str]:
    """The console sign-ins the demo creates, one line each."""
    people = [(role, email) for _, email, role, _ in USERS] + [("officer", DEMO_OFFICER)]
    return [f"login {role:<12} {email:<28} password {DEMO_PASSWORD}" for role, email in people]


def _logins(sim: Services) -> None:
    with sim.transaction() as session:
        officer = session.scalar(select(Officer).where(Officer.email == DEMO_OFFICER))
        assert officer is not None  # nominated by _load
        name = officer.name
    setup.add_user(sim, name=name, email=DEMO_OFFICER, role="officer", timezone="Asia/Jakarta")
    # Everyone signs in with the one password the demo prints: hashed once, not eight times.
    accounts.set_passwords(sim, [email for _, email, _, _ in USERS] + [DEMO_OFFICER], DEMO_PASSWORD)


def _live_batch(live: Services) -> str:
    """JD18, from the first of next month for a year, its nominations just received."""
    today = live.today()
    start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    number = 18
    ref = setup.create_batch(
        live,
        track="junior-diplomats",
        number=number,
        start=start,
        end=start.replace(year=start.year + 1) - timedelta(days=1),
        quotas={"KH": 2, "LA": 2, "MM": 2, "VN": 2},
        optional_stages=["diplomatic_training"],
        milestones={"study_visit": (start + timedelta(days=306))},
    )
    _nominate(live, ref, [(*person, "nominated") for person in LIVE])
    return ref


def _load(sim: Services, clock: FakeClock) -> int:
    """Users, divisions, both batches and their officers' year; returns how many officers."""
    for name, email, role, zone in USERS:
        setup.add_user(sim, name=name, email=email, role=role, timezone=zone)
    for code, (_, _, division) in SUPERVISORS.items():
        setup.add_division(sim, name=division, department=code)
    for division, code in EXTRA_DIVISIONS:
        setup.add_division(sim, name=division, department=code)
    setup.create_batch(
        sim,
        track="junior-diplomats",
        number=17,
        start=_at("2023-02-01").date(),
        end=_at("2024-01-31").date(),
        quotas={"KH": 7, "LA": 2, "MM": 2, "VN": 2},
        optional_stages=["diplomatic_training"],
        milestones={"study_visit": _at("2023-12-04").date()},
    )
    setup.create_batch(
        sim,
        track="aec-ascc",
        number=6,
        start=_at("2023-02-01").date(),
        end=_at("2024-01-31").date(),
        quotas={"KH": 2, "LA": 2, "MM": 2, "VN": 2},
        milestones={"study_visit": _at("2023-12-04").date()},
    )
    refs = {**_nominate(sim, "JD17", JD17), **_nominate(sim, "AE6", AE6)}
    _walk_the_year(sim, clock, refs)
    _follow_up(sim, clock, refs)
    return len(refs)


def _at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=JAKARTA).astimezone(UTC)


def _nominate(
    sim: Services, batch: str, people: list[tuple[str, str, str, str, str]]
) -> dict[str, str]:
    refs: dict[str, str] = {}
    for index, (name, country, ministry, position, target) in enumerate(people, start=1):
        email = f"{batch.lower()}.officer{index:02d}@{country.lower()}.example"
        outcome = setup.nominate(
            sim,
            batch=batch,
            name=name,
            country=country,
            ministry=ministry,
            position=position,
            email=email,
            actor=COORDINATOR,
        )
        refs[outcome.ref] = target
    return refs


def _walk_the_year(sim: Services, clock: FakeClock, refs: dict[str, str]) -> None:
    """Move each officer as far as its target, milestone by milestone, on real dates."""
    supervisor_of = {"JD": SUPERVISORS["APSC"], "AE": SUPERVISORS["AEC"]}
    order = [
        "nominated",
        "declined",
        "accepted",
        "induction",
        "withdrawn",
        "placement_midterm_pending",
        "placement_returned",
        "placement_final_pending",
        "diplomatic_training",
        "study_visit",
        "graduated",
        "alumni",
    ]
    reach = {ref: order.index(target) for ref, target in refs.items()}

    def step(day: str, from_rank: int, action: Callable[[str], object]) -> None:
        clock.set(_at(day))
        for ref, rank in reach.items():
            if rank >= from_rank and not (
                ref in withdrawn and from_rank > order.index("withdrawn")
            ):
                action(ref)
                clock.advance(timedelta(minutes=7))

    withdrawn = {ref for ref, t in refs.items() if t == "withdrawn"}
    declined = {ref for ref, t in refs.items() if t == "declined"}

    def adv(trigger: str, reason: str | None = None) -> Callable[[str], object]:
        return lambda ref: act.advance(sim, ref, trigger, actor=COORDINATOR, reason=reason)

    def tick(item: str) -> Callable[[str], object]:
        return lambda ref: act.tick(sim, ref, item, actor=COORDINATOR)

    clock.set(_at("2022-12-15"))
    for ref in declined:
        act.advance(
            sim,
            ref,
            "decline",
            actor=COORDINATOR,
            reason="Nominee withdrew for a ministry assignment",
        )
    step("2023-01-10", order.index("accepted"), adv("accept"))
    step("2023-01-25", order.index("induction"), adv("start_induction"))
    for item in ("asean_introduction", "rules_briefing", "jakarta_visits"):
        step(
            "2023-01-27",
            order.index("placement_midterm_pending"),
            tick(item),
        )

    def place(ref: str) -> object:
        _, email, division = supervisor_of[ref[:2]]
        if ref.startswith("AE") and int(ref[-2:]) % 2 == 1:
            _, email, division = SUPERVISORS["ASCC"]
        return act.place(sim, ref, division=division, supervisor=email, actor=COORDINATOR)

    step("2023-01-30", order.index("placement_midterm_pending"), place)
    clock.set(_at("2023-01-31"))
    for ref in withdrawn:
        act.advance(
            sim,
            ref,
            "withdraw",
            actor=COORDINATOR,
            reason="Recalled by the home ministry before the placement began",
        )
    step("2023-02-01", order.index("placement_midterm_pending"), adv("start_placement"))

    def sign(
        name: str, approve: bool = True, comment: str | None = None
    ) -> Callable[[str], object]:
        def do(ref: str) -> object:
            email = _supervisor_email(sim, ref)
            return act.sign_off(sim, ref, name, actor=email, approve=approve, comment=comment)

        return do

    step("2023-07-31", order.index("placement_returned"), sign("placement.midterm"))
    step("2023-09-04", order.index("diplomatic_training"), adv("start_training"))
    step("2023-09-22", order.index("study_visit"), adv("end_training"))
    clock.set(_at("2023-11-10"))
    for ref, target in refs.items():
        if target == "placement_returned":
            sign(
                "placement.final",
                approve=False,
                comment="Please add the outcome document you drafted for the SOMTC meeting",
            )(ref)
    step("2023-11-13", order.index("study_visit"), sign("placement.final"))
    for item in ("passport", "visa", "itinerary"):
        step(
            "2023-11-20",
            order.index("study_visit"),
            tick(item),
        )
    step("2023-12-04", order.index("study_visit"), adv("start_study_visit"))
    step(
        "2023-12-20",
        order.index("graduated"),
        tick("visit_report"),
    )
    step("2024-01-24", order.index("graduated"), adv("graduate"))
    step("2024-03-01", order.index("alumni"), adv("join_alumni"))


def _follow_up(sim: Services, clock: FakeClock, refs: dict[str, str]) -> None:
    """After the year: what the graduates went on to do, so reports have outcomes. One
    answered the 6-month survey (a promotion); the coordinator recorded the others."""
    graduate = next(r for r, t in refs.items() if t == "graduated")
    alumnus = next(r for r, t in refs.items() if t == "alumni")
    clock.set(_at("2024-08-05"))
    link = surveys.survey_link(
        sim, graduate, 6, actor=COORDINATOR, base_url="http://127.0.0.1:8000"
    )
    surveys.answer_survey(
        sim,
        link.rsplit("/", 1)[1],
        surveys.SurveyAnswers(
            same_position=False,
            position="Deputy Director, ASEAN Department",
            organisation="Ministry of Foreign Affairs",
            country="LA",
            since="2024-07-01",
            kind="promotion",
            testimonial="Servicing ASEAN meetings for a year taught me how consensus is built.",
            may_publish=True,
        ),
    )
    clock.set(_at("2025-10-01"))
    steps = [
        ("posting", "Consul", "Consulate General of Viet Nam in Osaka", "JP", "2024-06-01"),
        ("promotion", "Counsellor", "Ministry of Foreign Affairs", "VN", "2025-03-01"),
        (
            "posting",
            "Ambassador, Permanent Representative of Viet Nam to ASEAN",
            "Permanent Mission of Viet Nam to ASEAN",
            "ID",
            "2025-09-15",
        ),
    ]
    for kind, position, organisation, country, since in steps:
        alumni.add_career_record(
            sim,
            alumnus,
            kind=kind,
            position=position,
            organisation=organisation,
            country=country,
            from_date=since,
            actor=COORDINATOR,
        )


def _supervisor_email(sim: Services, ref: str) -> str:
    from lifecycle.services.views import officer_detail

    placement = officer_detail(sim, ref)["placement"]
    assert placement is not None
    return str(placement["supervisor"])
