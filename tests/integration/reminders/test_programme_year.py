"""A whole programme year for one officer, day by day, delivered to a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lifecycle.clock import FakeClock
from lifecycle.persistence import outbox
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from notifications import reminders_view
from tests.integration.reminders.conftest import SmtpServer, by_key, local, make_dispatcher
from tests.support import COORDINATOR, SUPERVISOR, TRAVEL, nominate, seed_programme, to_placement

JAKARTA = ZoneInfo("Asia/Jakarta")
OFFICER = "o0.kh@mfa.example"
NAME = "Sokha Chea"  # Latin script: see test_khmer_subject_survives_the_wire
PP = "Asia/Phnom_Penh"
JK = "Asia/Jakarta"


def _activity(day: str, due: str) -> tuple[str, str, str]:
    return (OFFICER, f"{day} 09:00 {PP}", f"Monthly activity report due {due}")


# Derived by hand from the reminders section of junior-diplomats.v1.yaml, for an officer
# (Cambodia: Asia/Phnom_Penh) who entered placement on Mon 2 Jan 2023, supervised by a
# Jakarta-based supervisor, batch 1 Feb 2023 .. 31 Jan 2024, study visit Mon 4 Dec 2023.
# Sends are at 09:00 local on the due day, moved to Monday when it falls on a weekend.
ACTIVITY = [  # enter placement + 1 month, then monthly until the batch end
    _activity("2023-02-02", "2 Feb 2023"),
    _activity("2023-03-02", "2 Mar 2023"),
    _activity("2023-04-03", "2 Apr 2023"),  # Sun 2 Apr -> Mon 3 Apr
    _activity("2023-05-02", "2 May 2023"),
    _activity("2023-06-02", "2 Jun 2023"),
    _activity("2023-07-03", "2 Jul 2023"),  # Sun -> Mon
    _activity("2023-08-02", "2 Aug 2023"),
    _activity("2023-09-04", "2 Sep 2023"),  # Sat -> Mon
    _activity("2023-10-02", "2 Oct 2023"),
    _activity("2023-11-02", "2 Nov 2023"),
    _activity("2023-12-04", "2 Dec 2023"),  # Sat -> Mon, the study-visit day itself
]
MIDTERM = "mid-term placement sign-off"
FINAL = "final placement sign-off"
# Mid-term due: entry + 6 months = Sun 2 Jul 2023 (counted working days: Idul Adha,
# Thu 29 Jun 2023, is an Indonesian public holiday).
MIDTERM_MAIL = [
    # -5 working days: 30, (29 holiday), 28, 27, 26, 23 Jun
    (SUPERVISOR, f"2023-06-23 09:00 {JK}", f"Sign-off due 3 Jul 2023: {MIDTERM} for {NAME}"),
    # 0 working days: Sun 2 Jul -> Mon 3 Jul
    (SUPERVISOR, f"2023-07-03 09:00 {JK}", f"Sign-off due 3 Jul 2023: {MIDTERM} for {NAME}"),
]
MIDTERM_OVERDUE = [  # the deadline rolls to Mon 3 Jul; +1 wd = Tue 4 Jul, then every 3 wd
    (SUPERVISOR, f"2023-07-04 09:00 {JK}", f"Overdue by 1 working day: {MIDTERM} for {NAME}"),
    (SUPERVISOR, f"2023-07-07 09:00 {JK}", f"Overdue by 4 working days: {MIDTERM} for {NAME}"),
    (SUPERVISOR, f"2023-07-12 09:00 {JK}", f"Overdue by 7 working days: {MIDTERM} for {NAME}"),
    (SUPERVISOR, f"2023-07-17 09:00 {JK}", f"Overdue by 10 working days: {MIDTERM} for {NAME}"),
    # escalation after 5 working days: Mon 10 Jul, to the coordinator
    (COORDINATOR, f"2023-07-10 09:00 {JK}",
     f"Escalation: {MIDTERM} for {NAME} is 5 working days late"),
]
# Final due: study visit - 15 working days = Mon 13 Nov 2023.
FINAL_MAIL = [
    (SUPERVISOR, f"2023-11-06 09:00 {JK}", f"Sign-off due 13 Nov 2023: {FINAL} for {NAME}"),
    (SUPERVISOR, f"2023-11-13 09:00 {JK}", f"Sign-off due 13 Nov 2023: {FINAL} for {NAME}"),
    (SUPERVISOR, f"2023-11-14 09:00 {JK}", f"Overdue by 1 working day: {FINAL} for {NAME}"),
    (SUPERVISOR, f"2023-11-17 09:00 {JK}", f"Overdue by 4 working days: {FINAL} for {NAME}"),
    (SUPERVISOR, f"2023-11-22 09:00 {JK}", f"Overdue by 7 working days: {FINAL} for {NAME}"),
    (SUPERVISOR, f"2023-11-27 09:00 {JK}", f"Overdue by 10 working days: {FINAL} for {NAME}"),
    (COORDINATOR, f"2023-11-20 09:00 {JK}",
     f"Escalation: {FINAL} for {NAME} is 5 working days late"),
]
# Travel documents: study visit - 30 / -14 / -7 days; the checklist is due -7 (27 Nov).
DOCS = "Passport valid for the visit, Visa for Japan and Itinerary"  # checklist labels
TRAVEL_MAIL = [
    (OFFICER, f"2023-11-06 09:00 {PP}",  # Sat 4 Nov -> Mon 6 Nov
     f"Study visit in Japan: please send your {DOCS} by 27 Nov 2023"),
    (OFFICER, f"2023-11-20 09:00 {PP}",
     f"Study visit in Japan: please send your {DOCS} by 27 Nov 2023"),
    (OFFICER, f"2023-11-27 09:00 {PP}",
     f"Study visit in Japan: please send your {DOCS} by 27 Nov 2023"),
]


def _setup(services: Services) -> str:
    seed_programme(services)
    setup.add_user(services, name=NAME, email=OFFICER, role="officer", timezone=PP)
    setup.set_milestone(services, "JD17", "study_visit", date(2023, 12, 4), actor=COORDINATOR)
    ref = setup.nominate(
        services, batch="JD17", name=NAME, country="KH", ministry="Ministry of Foreign Affairs",
        email=OFFICER, actor=COORDINATOR,
    ).ref
    to_placement(services, ref)
    return ref


def _walk_the_year(
    services: Services,
    clock: FakeClock,
    smtp_server: SmtpServer,
    actions: dict[date, Callable[[], object]] | None = None,
) -> list[tuple[str, str, str]]:
    """Run a dispatch pass at 10:00 Jakarta every day up to the study visit."""
    dispatcher = make_dispatcher(services, smtp_server.port, clock)
    day = date(2023, 1, 3)
    while day <= date(2023, 12, 4):
        if actions and day in actions:
            clock.set(datetime.combine(day, datetime.min.time(), JAKARTA).replace(hour=8))
            actions[day]()
        clock.set(datetime.combine(day, datetime.min.time(), JAKARTA).replace(hour=10))
        report = dispatcher.run_once()
        assert ([], []) == (report.failed, report.retrying)
        day += timedelta(days=1)
    rows = by_key(services)
    received = []
    for mail in smtp_server.received:
        row = rows[mail.key]
        # Received on the day it was scheduled for, at the first pass after it (10:00).
        assert local(row.send_at, row.recipient_timezone)[:10] == local(
            mail.date, row.recipient_timezone
        )[:10]
        assert row.status == outbox.SENT
        received.append(
            (mail.recipient, f"{local(row.send_at, row.recipient_timezone)} "
             f"{row.recipient_timezone}", mail.subject)
        )
    return received


def _late_blind(mail: tuple[str, str, str]) -> tuple[str, str, str]:
    recipient, when, subject = mail
    if subject.strip().startswith(("Overdue", "Escalation")):
        return recipient, when, subject.split()[0].rstrip(":")
    return mail


def _order(mails: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return sorted(mails, key=lambda m: (m[1][:16], m))


def test_a_year_nobody_acts_on(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """Nobody acts: exactly the reminders the rules call for arrive, each once, at 09:00
    in the recipient's own zone (the officer's Phnom Penh, the supervisor's Jakarta)."""
    _setup(services)
    expected = _order(ACTIVITY + MIDTERM_MAIL + MIDTERM_OVERDUE + FINAL_MAIL + TRAVEL_MAIL)
    actual = _order(_walk_the_year(services, clock, smtp_server))
    # Who and when, for every message; the subject too, except the overdue/escalation
    # ones whose lateness count is wrong (see test_overdue_subjects_count_the_lateness).
    assert [_late_blind(m) for m in expected] == [_late_blind(m) for m in actual]
    ids = [m.message_id for m in smtp_server.received]
    assert len(ids) == len(set(ids))


def test_the_preview_is_what_a_year_nobody_acts_on_delivers(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """`reminders preview` on the first day lists exactly the messages the year then
    delivers when nobody acts: the same keys, recipients and local sending times."""
    _setup(services)
    until = datetime(2023, 12, 4, 23, 59, tzinfo=JAKARTA)
    previewed = sorted(
        (row["key"], row["recipient_email"], row["send_local"])
        for row in reminders_view.preview(services, "JD17", until)
    )
    _walk_the_year(services, clock, smtp_server)
    rows = by_key(services)
    sent = [(mail, rows[mail.key]) for mail in smtp_server.received]
    delivered = sorted(
        (mail.key, mail.recipient, f"{local(row.send_at, row.recipient_timezone)} "
         f"{row.recipient_timezone}")
        for mail, row in sent
    )
    assert len(ACTIVITY + MIDTERM_MAIL + MIDTERM_OVERDUE + FINAL_MAIL + TRAVEL_MAIL) == len(
        delivered
    )
    assert delivered == previewed


def test_a_year_where_everyone_acts_on_time(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """The supervisor approves the mid-term a week early and the officer ticks the travel
    documents before the first reminder: those reminders are cancelled, never received."""
    ref = _setup(services)

    def approve_midterm() -> None:
        act.sign_off(services, ref, "placement.midterm", actor=SUPERVISOR, approve=True)

    def tick_travel() -> None:
        for item in TRAVEL:
            act.tick(services, ref, item, actor=OFFICER)

    actions = {date(2023, 6, 16): approve_midterm, date(2023, 11, 1): tick_travel}
    actual = _order(_walk_the_year(services, clock, smtp_server, actions))
    assert [_late_blind(m) for m in _order(ACTIVITY + FINAL_MAIL)] == [
        _late_blind(m) for m in actual
    ]
    rows = by_key(services)
    silenced = sorted(
        (key.split("/", 1)[1], row.status) for key, row in rows.items()
        if row.rule.startswith(("midterm", "travel"))
    )
    assert sorted(
        [(f"midterm_due/{n}/{SUPERVISOR}", outbox.CANCELLED) for n in (1, 2)]
        + [(f"midterm_overdue/{n}/{SUPERVISOR}", outbox.CANCELLED) for n in (1, 2, 3, 4)]
        + [(f"midterm_overdue.escalation/1/{COORDINATOR}", outbox.CANCELLED)]
        + [(f"travel_documents/{n}/{OFFICER}", outbox.CANCELLED) for n in (1, 2, 3)]
    ) == silenced



def test_overdue_subjects_count_the_lateness(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """Overdue reminders and escalations say how many working days the sign-off is late."""
    _setup(services)
    late = [m for m in _walk_the_year(services, clock, smtp_server)
            if m[2].startswith(("Overdue", "Escalation"))]
    expected = _order([m for m in MIDTERM_OVERDUE + FINAL_MAIL
                       if m[2].startswith(("Overdue", "Escalation"))])
    assert expected == _order(late)


def test_khmer_subject_survives_the_wire(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """A subject naming an officer in Khmer reaches the SMTP server word for word."""
    seed_programme(services)
    setup.set_milestone(services, "JD17", "study_visit", date(2023, 12, 4), actor=COORDINATOR)
    (ref,) = nominate(services)  # "Officer 0 ឈី រដ្ឋា"
    to_placement(services, ref)
    clock.set(datetime(2023, 6, 23, 10, 0, tzinfo=JAKARTA))
    make_dispatcher(services, smtp_server.port, clock).run_once()
    expected = [f"Sign-off due 3 Jul 2023: {MIDTERM} for Officer 0 ឈី រដ្ឋា"]
    actual = [m.subject for m in smtp_server.received if m.recipient == SUPERVISOR]
    assert expected == actual
