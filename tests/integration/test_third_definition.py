"""A programme whose states are all called otherwise runs from one YAML file.

``tests/definitions/short-course.v1.yaml`` shares no state name with the shipped tracks
(proposed, admitted, turned_down, orientation, secondment, completed, fellows,
dropped_out). Nothing in the code names a state, so quotas, placements, sign-offs,
graduation with its certificate and survey rounds, withdrawal, reminders and the
funder's report all work for it from its state roles alone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from lifecycle.clock import FakeClock
from lifecycle.errors import InvalidData
from lifecycle.persistence import outbox
from lifecycle.reporting.figures import build_report
from lifecycle.services import Services, alumni, certificates, setup, views
from lifecycle.services import officers as act
from notifications import reminders_view
from notifications.channels.local import LocalChannel
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.message import Mailbox
from notifications.rendering import TemplateRenderer
from tests.support import COORDINATOR, DIVISION, SUPERVISOR, dump
from workflows.loader import load_definitions

DEFINITIONS = Path(__file__).parents[1] / "definitions"


def _programme(services: Services) -> list[str]:
    """The short course published beside the shipped tracks, batch SC1 with two
    Cambodian seats, and two proposals that fill them."""
    setup.publish_definitions(services, load_definitions(DEFINITIONS))
    setup.add_user(services, name="Siti Rahmawati", email=COORDINATOR, role="coordinator")
    setup.add_user(services, name="Maria Santos", email=SUPERVISOR, role="supervisor")
    setup.add_division(services, name=DIVISION, department="APSC")
    setup.create_batch(
        services, track="short-course", number=1, start=date(2023, 2, 1),
        end=date(2023, 7, 31), quotas={"KH": 2},
    )
    return [
        setup.nominate(
            services, batch="SC1", name=name, country="KH", ministry="Ministry of Commerce",
            email=email, actor=COORDINATOR,
        ).ref
        for name, email in (("ឈី រដ្ឋា", "ratha@moc.example"), ("Chan Vibol", "vibol@moc.example"))
    ]


def _third(services: Services) -> str:
    return setup.nominate(
        services, batch="SC1", name="Sok Dara", country="KH", ministry="Ministry of Commerce",
        email="dara@moc.example", actor=COORDINATOR,
    ).ref


def test_a_turned_down_proposal_frees_its_seat(services: Services) -> None:
    """The quota counts proposals; turning one down ('frees_seat') makes room again."""
    first, _ = _programme(services)
    before = dump(services)
    with pytest.raises(InvalidData, match=r"quota for KH .* is full: 2 of 2 seats taken"):
        _third(services)
    assert before == dump(services)

    act.advance(services, first, "turn_down", actor=COORDINATOR, reason="Not eligible")
    assert "proposed" == views.officer_detail(services, _third(services))["state"]


def test_the_whole_course_reminders_certificate_and_report(
    services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    """One officer is seconded, reviewed, completes the course and joins the fellows;
    the other drops out mid-secondment. The review reminders go to the supervisor and
    stop once it is signed; completing issues the certificate and opens the survey
    rounds; dropping out ends the placement; the report counts it all by role."""
    ratha, vibol = _programme(services)
    for ref in (ratha, vibol):
        act.advance(services, ref, "admit", actor=COORDINATOR)
        act.advance(services, ref, "begin_orientation", actor=COORDINATOR)
        act.place(services, ref, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR)
        for item in ("welcome_talk", "house_rules"):
            act.tick(services, ref, item, actor=COORDINATOR)
        act.advance(services, ref, "second", actor=COORDINATOR)

    # Seconded ('placed'): a new placement now is a move, not a first placement.
    setup.add_division(services, name="Trade Facilitation Division", department="AEC")
    act.place(services, vibol, division="Trade Facilitation Division", supervisor=SUPERVISOR,
              actor=COORDINATOR)
    assert ["initial", "move"] == [
        e["placement"] for e in views.officer_detail(services, vibol)["history"]
        if e["kind"] == "placement"
    ]
    review = [r for r in reminders_view.listing(services, ratha, ("pending",))
              if r["rule"] == "review_due"]
    assert [SUPERVISOR, SUPERVISOR] == [r["recipient_email"] for r in review]

    # The first review reminder goes out five working days before the due date.
    clock.set(datetime.fromisoformat(review[0]["send_at"]) + timedelta(hours=1))
    channel = LocalChannel(tmp_path / "outbox", clock)
    dispatcher = Dispatcher(services, channel, TemplateRenderer(),
                            DispatchSettings(sender=Mailbox("Attache", "attache@asean.example")))
    assert ["review_due"] == [key.split("/")[1] for key in dispatcher.run_once().sent
                              if key.startswith(ratha)]
    [mail] = [m for m in channel.messages() if m["To"].addresses[0].addr_spec == SUPERVISOR
              and "ឈី រដ្ឋា" in m["Subject"]]
    assert "secondment.review" in mail.get_body(("plain",)).get_content()

    act.sign_off(services, ratha, "secondment.review", actor=SUPERVISOR, approve=True)
    assert [] == [r for r in reminders_view.listing(services, ratha, ("pending",))
                  if r["rule"] == "review_due"]
    act.advance(services, vibol, "drop_out", actor=COORDINATOR, reason="Recalled home")
    act.advance(services, ratha, "complete", actor=COORDINATOR)

    assert views.officer_detail(services, vibol)["placement"] is None
    assert certificates.find(services, ratha) is not None
    followups = {r["rule"] for r in reminders_view.listing(services, ratha, ("pending",))}
    assert {"fellows_followup", "fellows_followup.chase"} == followups
    alumni.add_career_record(
        services, ratha, kind="promotion", position="Deputy Director",
        organisation="Ministry of Commerce", country="KH", from_date=clock.now().date(),
        actor=COORDINATOR,
    )
    act.advance(services, ratha, "join_fellows", actor=COORDINATOR)

    report = build_report(services, as_of=clock.now().date(), actor=COORDINATOR, batch="SC1")
    stages = {row.stage: row.total for row in report.by_stage}
    assert {"fellows": 1, "dropped_out": 1} == {k: v for k, v in stages.items() if v}
    assert (1, 1) == (report.withdrawals.total, report.graduates.total)
    assert [("SC1", "KH", 2, 2)] == [(q.batch, q.country, q.seats, q.accepted)
                                     for q in report.quotas]
    assert [("secondment.review", 1)] == [
        (s.name, s.on_time + s.late + s.no_deadline) for s in report.signoffs
    ]
    sent = reminders_view.listing(services, ratha, (outbox.SENT,))
    assert ["review_due"] == [r["rule"] for r in sent]
