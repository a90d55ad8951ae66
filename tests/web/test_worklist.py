"""The officers list (filters in the URL, sorted, paged), "needs attention" across
batches, and bulk actions reported officer by officer."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from lifecycle.persistence.tables import Reminder
from lifecycle.roles import Role
from lifecycle.services import accounts, setup
from lifecycle.services import officers as act
from lifecycle.services.worklist import Filters, worklist
from tests.support import COORDINATOR, OTHER_SUPERVISOR
from tests.web.conftest import PASSWORD, SEEDED_AT, World, form_with_csrf, session_cookie, unchanged


def refs_on(page: str) -> list[str]:
    return re.findall(r'<tr data-ref="([^"]+)"', page)


def nominate_vietnamese(world: World) -> str:
    return setup.nominate(
        world.services, batch="JD17", name="Nguyễn Thị Thu Hương", country="VN",
        ministry="Bộ Ngoại giao", email="huong.nguyen@mofa.example", actor=COORDINATOR,
    ).ref


def test_the_list_filters_sorts_and_pages_by_its_url(world: World, client: TestClient) -> None:
    new = nominate_vietnamese(world)
    cookie = session_cookie(world.session(Role.COORDINATOR))

    def listed(**params: str) -> list[str]:
        page = client.get("/officers", params=params, headers=cookie)
        assert page.status_code == 200, page.text
        return refs_on(page.text)

    assert [world.mine, world.theirs, new] == listed(batch="JD17")
    assert [world.mine, world.theirs] == listed(stage="placement")
    assert [new] == listed(country="VN")
    assert [new] == listed(q="nguyen huong")  # no accents typed
    assert [new, world.mine, world.theirs] == listed(sort="name")  # "Nguyễn" < "Officer"
    first = client.get("/officers", params={"batch": "JD17", "per_page": "2"}, headers=cookie)
    assert [world.mine, world.theirs] == refs_on(first.text)
    assert "Page 1 of 2" in first.text
    assert 'href="/officers?batch=JD17&amp;page=2&amp;per_page=2"' in first.text
    assert [new] == listed(batch="JD17", per_page="2", page="2")


def test_needs_attention_lists_the_late_across_batches_latest_first(
    world: World, client: TestClient
) -> None:
    cookie = session_cookie(world.session(Role.COORDINATOR))
    on_time = client.get("/officers", params={"attention": "1"}, headers=cookie)
    assert 'data-testid="no-results"' in on_time.text
    world.clock.set(SEEDED_AT + timedelta(days=200))  # the mid-term reviews are past due
    act.sign_off(world.services, world.theirs, "placement.midterm", approve=False,
                 comment="Please add the second month", actor=OTHER_SUPERVISOR)
    again = accounts.sign_in(world.services, COORDINATOR, PASSWORD)  # the first one expired
    late = client.get("/officers", params={"attention": "1"}, headers=session_cookie(again))
    # As late as each other, and the returned one is waiting on the coordinator too: first.
    assert [world.theirs, world.mine] == refs_on(late.text)
    assert "1 overdue" in late.text and "returned" in late.text
    found = worklist(world.services, Filters(attention=True, sort="late"), actor=COORDINATOR)
    assert all(card["days_late"] for card in found.cards)
    assert ["Placement mid-term review"] == found.cards[0]["returned"]


def test_blocked_by_names_a_checklist_or_sign_off(world: World, client: TestClient) -> None:
    new = nominate_vietnamese(world)
    cookie = session_cookie(world.session(Role.COORDINATOR))
    held = client.get("/officers", params={"blocked_by": "travel_documents"}, headers=cookie)
    assert [world.mine, world.theirs] == refs_on(held.text)
    assert new not in refs_on(held.text)
    assert "travel documents 0/3" in held.text
    with unchanged(world.services):
        for params in ({"blocked_by": "nothing_like_it"}, {"sort": "height"},
                       {"country": "XX"}):
            refused = client.get("/officers", params=params, headers=cookie)
            assert refused.status_code == 422, params
        assert client.get("/officers", params={"batch": "JD99"}, headers=cookie).status_code == 404


def test_a_bulk_advance_reports_each_officer_and_moves_those_it_can(
    world: World, client: TestClient
) -> None:
    new = nominate_vietnamese(world)
    signed = world.session(Role.COORDINATOR)
    posted = client.post("/officers/bulk", headers=session_cookie(signed), data={
        **form_with_csrf(signed, action="advance:start_training", back="/batches/JD17"),
        "ref": [world.mine, world.theirs, new],
    })
    assert posted.status_code == 200, posted.text
    assert "2 done, 1 not: " + new in posted.text
    assert re.findall(r'data-ref="([^"]+)" data-ok="(true|false)"', posted.text) == [
        (world.mine, "true"), (world.theirs, "true"), (new, "false")]
    assert 'href="/batches/JD17"' in posted.text
    bearer = world.bearer(Role.COORDINATOR)
    states = {r: client.get(f"/api/officers/{r}", headers=bearer).json()["state"]
              for r in (world.mine, world.theirs, new)}
    assert {world.mine: "diplomatic_training", world.theirs: "diplomatic_training",
            new: "nominated"} == states


def test_a_wrong_bulk_request_is_refused_whole(world: World, client: TestClient) -> None:
    signed = world.session(Role.COORDINATOR)
    viewer = world.session(Role.VIEWER)
    with unchanged(world.services):
        for fields, status in [
            ({"action": "advance:start_training"}, 422),  # nobody selected
            ({"action": "fly", "ref": [world.mine]}, 422),
            ({"action": "advance", "ref": [world.mine]}, 422),  # no trigger
            ({"action": "tick", "ref": [world.mine]}, 422),  # no item
        ]:
            refused = client.post("/officers/bulk", headers=session_cookie(signed),
                                  data={**form_with_csrf(signed), **fields})
            assert refused.status_code == status, (fields, refused.text)
        forged = client.post("/officers/bulk", headers=session_cookie(signed),
                             data={"action": "remind", "ref": [world.mine]})
        assert forged.status_code == 403
        by_viewer = client.post("/officers/bulk", headers=session_cookie(viewer), data={
            **form_with_csrf(viewer, action="remind"), "ref": [world.mine]})
        assert by_viewer.status_code == 403


def test_remind_now_brings_the_next_reminder_forward_once(
    world: World, client: TestClient
) -> None:
    signed = world.session(Role.COORDINATOR)
    with world.services.db.reading() as session:
        before = session.execute(
            select(Reminder.officer_id, Reminder.key)
            .where(Reminder.status == "pending", Reminder.send_at > world.clock.now(),
                   Reminder.kind.in_(("reminder", "overdue")))
            .order_by(Reminder.send_at, Reminder.id)).all()
        keys = {r.key for r in session.scalars(select(Reminder))}
    posted = client.post("/officers/bulk", headers=session_cookie(signed), data={
        **form_with_csrf(signed, action="remind"), "ref": [world.mine]})
    assert posted.status_code == 200 and "1 done" in posted.text
    with world.services.db.reading() as session:
        moved = session.execute(select(Reminder.officer_id, Reminder.key)
                                .where(Reminder.send_at == world.clock.now())).all()
        assert keys == {r.key for r in session.scalars(select(Reminder))}  # nothing copied
    mine = [key for officer_id, key in before if officer_id == moved[0].officer_id]
    assert [mine[0]] == [key for _, key in moved]  # the officer's soonest, and only it


def test_the_board_folds_empty_stages_and_offers_the_bulk_bar(
    world: World, client: TestClient
) -> None:
    signed = world.session(Role.COORDINATOR)
    board = client.get("/batches/JD17", headers=session_cookie(signed))
    assert board.status_code == 200
    bar = re.search(r'<form id="bulk".*?</form>', board.text, re.S)
    assert bar is not None and f'value="{signed.csrf}"' in bar.group(0)  # the form posts
    assert 'class="column" role="listitem" aria-labelledby="col-placement"' in board.text
    assert 'class="column empty" role="listitem" aria-labelledby="col-nominated"' in board.text
    assert 'id="bulk"' in board.text and 'form="bulk"' in board.text
    assert 'commandfor="dlg-' in board.text  # withdraw asks its reason in a dialog


def test_the_api_lists_the_same_pages_and_acts_in_bulk(world: World, client: TestClient) -> None:
    new = nominate_vietnamese(world)
    bearer = world.bearer(Role.COORDINATOR)
    listed = client.get("/api/worklist", params={"batch": "JD17", "per_page": 2}, headers=bearer)
    assert 200 == listed.status_code, listed.text
    body = listed.json()
    assert (3, 2) == (body["total"], body["pages"])
    assert [world.mine, world.theirs] == [o["ref"] for o in body["officers"]]
    assert {"done": 0, "total": 3} == {
        k: body["officers"][0]["checklists"][0][k] for k in ("done", "total")}
    viewer = client.get("/api/worklist", params={"q": "nguyen"}, headers=world.bearer(Role.VIEWER))
    assert [new] == [o["ref"] for o in viewer.json()["officers"]]
    acted = client.post("/api/officers/bulk", headers=bearer, json={
        "action": "tick", "item": "passport", "refs": [world.mine, new]})
    assert 200 == acted.status_code, acted.text
    assert [(world.mine, True), (new, False)] == [
        (r["ref"], r["ok"]) for r in acted.json()["results"]]
    assert acted.json()["summary"].startswith(f"1 done, 1 not: {new}: ")
    with unchanged(world.services):
        for body_ in ({"action": "tick", "refs": [world.mine]},
                      {"action": "fly", "refs": [world.mine]},
                      {"action": "remind", "refs": []}):
            refused = client.post("/api/officers/bulk", headers=bearer, json=body_)
            assert 422 == refused.status_code, body_
        assert 422 == client.get("/api/worklist", params={"sort": "x"}, headers=bearer).status_code


def test_pages_partition_the_list_and_filters_narrow_it(world: World) -> None:
    """Whatever the sort and page size, the pages together are the whole list, each
    officer once; overdue is a part of needs-attention; each card earns its filter."""
    nominate_vietnamese(world)
    world.clock.set(SEEDED_AT + timedelta(days=200))
    act.sign_off(world.services, world.theirs, "placement.midterm", approve=False,
                 comment="Please add the second month", actor=OTHER_SUPERVISOR)

    def refs(**given: object) -> list[str]:
        found = worklist(world.services, Filters(**given), actor=COORDINATOR)  # type: ignore[arg-type]
        return [str(card["ref"]) for card in found.cards]

    for sort in ("ref", "late", "name", "stage"):
        whole = refs(sort=sort, per_page=100)
        assert 3 == len(whole) == len(set(whole))
        for size in (1, 2):
            paged = [r for page in range(1, 4) for r in refs(sort=sort, per_page=size, page=page)]
            assert whole == paged, (sort, size)
    attention = worklist(world.services, Filters(attention=True), actor=COORDINATOR).cards
    overdue = refs(overdue=True)
    assert set(overdue) <= {c["ref"] for c in attention}
    assert all(c["overdue"] or c["returned"] for c in attention)
    assert refs(overdue=True, country="VN") == []  # the nominated one waits for no deadline
