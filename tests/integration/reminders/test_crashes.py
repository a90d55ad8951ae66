"""A dispatcher process killed (SIGKILL) at random moments, again and again, then let
finish: every due reminder arrives, none is left 'sending', and the only repeats are
messages that were in flight at a kill, with the Message-ID of their first copy.

The kill points come from a seeded ``random.Random``; the seed is printed (shown when
the test fails) and ``ATTACHE_CRASH_SEED=<seed>`` replays the same kill schedule.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from lifecycle.persistence import outbox
from lifecycle.services import Services
from notifications.dispatch import DispatchSettings
from notifications.message import message_id_for
from tests.conftest import _admin_dsn
from tests.integration.reminders.conftest import (
    BACKLOG_AT,
    PROCESS_TIMEOUT,
    SENDER,
    RecordingHandler,
    SmtpServer,
    cli_argv,
    cli_env,
    rows,
    run_cli,
    serving,
)

# Each test kills and restarts real dispatcher processes: slow, and still run in CI.
pytestmark = pytest.mark.slow

KILLS = 4
ACK_DELAY = 0.05  # seconds the server keeps a recorded message before answering 250
# The CLI's lease (not configurable from the environment): each restart runs this much
# later, so the claims the killed process left behind have run out and are taken over.
LEASE = DispatchSettings(sender=SENDER).lease
STEP = LEASE + timedelta(minutes=1)


@dataclass
class SlowToAcknowledge(RecordingHandler):
    """Records each message at once, then is slow to say so: a kill in that window
    leaves a message delivered that its dispatcher never heard was accepted."""

    ack_delay: float = ACK_DELAY

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.ack_delay)
        return reply


@pytest.fixture
def slow_server() -> Iterator[SmtpServer]:
    with serving(SlowToAcknowledge()) as server:
        yield server


@pytest.fixture
def rng() -> random.Random:
    seed = int(os.environ.get("ATTACHE_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    print(f"kill schedule: ATTACHE_CRASH_SEED={seed}")
    return random.Random(seed)


def wait_for(condition: Any, proc: subprocess.Popen[str]) -> None:
    """Until ``condition()`` or the process ends (a safety timeout, never an assertion)."""
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while not condition() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)


KILLED_APP = "attache-killed-dispatcher"


def tagged(url: str) -> str:
    """``url`` with its PostgreSQL sessions named, so the test can tell them apart."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    return parsed.update_query_dict({"application_name": KILLED_APP}).render_as_string(
        hide_password=False)


def wait_for_backends_to_end(url: str) -> None:
    """A SIGKILLed client does not stop its PostgreSQL backend mid-statement: a COMMIT it
    sent just before dying still lands (the server finishes it, then sees the closed
    socket). Read the rows only once those backends are gone, or a row read 'sending'
    may become 'sent' a moment later. SQLite has no such server side."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    deadline = time.monotonic() + PROCESS_TIMEOUT
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        while time.monotonic() < deadline:
            alive = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND application_name = %s", (parsed.database, KILLED_APP)).fetchone()
            if alive == (0,):
                return
            time.sleep(0.005)
    pytest.fail(f"the killed dispatcher's backends still run after {PROCESS_TIMEOUT} s")


def kill_mid_pass(url: str, port: int, now: datetime, server: SmtpServer,
                  rng: random.Random) -> set[str]:
    """Start a dispatch pass, SIGKILL it after a random number of messages and a random
    moment more, wait until its database sessions have ended; returns the keys the
    server received from it."""
    before = len(server.received)
    messages = rng.randint(1, 8)
    with subprocess.Popen(
        cli_argv(tagged(url), "reminders", "dispatch", now=now.isoformat()),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env=cli_env(port),
    ) as proc:
        try:
            wait_for(lambda: len(server.received) >= before + messages, proc)
            time.sleep(rng.uniform(0, 2 * ACK_DELAY))
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate(timeout=PROCESS_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
        # Killed mid-pass, not finished (there are far more due rows than messages).
        assert (-signal.SIGKILL, "") == (proc.returncode, out), err
    wait_for_backends_to_end(url)
    return {m.key for m in server.received[before:]}


def test_a_dispatcher_killed_again_and_again_loses_nothing(
    backlog_url: str, services: Services, slow_server: SmtpServer, rng: random.Random
) -> None:
    """SIGKILL a ``reminders dispatch`` process at random moments, restart it each time
    a lease later (so it takes over what the dead one had claimed), then let it finish:
    every due reminder arrives; every row ends ``sent``; a reminder arrives twice only
    if it was in flight at a kill, at most once more per such kill, with one
    Message-ID; at most one message is in flight per kill."""
    before = {r.key: r.status for r in rows(services)}
    due = {r.key for r in rows(services)
           if r.status == outbox.PENDING and r.next_attempt_at <= BACKLOG_AT}
    in_flight_at_kill: Counter[str] = Counter()

    for kill in range(KILLS):
        received = kill_mid_pass(backlog_url, slow_server.port, BACKLOG_AT + kill * STEP,
                                 slow_server, rng)
        left = {r.key: r for r in rows(services) if r.status == outbox.SENDING}
        # Sent (the server has it) but not recorded: it was in flight when killed.
        in_flight = received & set(left)
        assert len(in_flight) <= 1, f"kill {kill}: {sorted(in_flight)}"
        in_flight_at_kill.update(in_flight)
        # What the dead process claimed is leased only until the next restart.
        restart = BACKLOG_AT + (kill + 1) * STEP
        assert [] == [k for k, r in left.items()
                      if r.claimed_until is None or r.claimed_until > restart]

    finish_at = BACKLOG_AT + KILLS * STEP
    done = run_cli(backlog_url, "reminders", "dispatch", "--json", env=cli_env(slow_server.port),
                   now=finish_at.isoformat())
    assert (0, "") == (done.returncode, done.stderr)
    assert ([], [], 0) == tuple(json.loads(done.stdout)[k] for k in ("retrying", "failed",
                                                                      "expired"))

    after = rows(services)
    # Exactly the due rows were touched (nothing else fell due as the clock moved on).
    assert due == {r.key for r in after if r.status != before[r.key]}
    assert {outbox.SENT} == {r.status for r in after if r.key in due}
    assert [] == [r.key for r in after if r.status == outbox.SENDING or r.claimed_until]

    mail = slow_server.received
    copies = Counter(m.key for m in mail)
    assert due == set(copies)
    repeats = {key: n - 1 for key, n in copies.items() if n > 1}
    print(f"in flight at the kills: {sorted(in_flight_at_kill)}; received twice: {sorted(repeats)}")
    assert {} == {k: n for k, n in repeats.items() if n > in_flight_at_kill[k]}
    assert sum(repeats.values()) <= KILLS
    assert [] == [m for m in mail if m.message_id != message_id_for(m.key)]


def test_a_claim_abandoned_until_its_reminders_expired_sends_none_of_them(
    backlog_url: str, services: Services, slow_server: SmtpServer, rng: random.Random
) -> None:
    """A dispatcher killed mid-pass, and none restarted until the reminders it had
    claimed were past their expiry: they are marked ``expired`` like the pending ones
    beside them, not sent days late; nothing is left ``sending``."""
    due = {r.key for r in rows(services)
           if r.status == outbox.PENDING and r.next_attempt_at <= BACKLOG_AT}
    kill_mid_pass(backlog_url, slow_server.port, BACKLOG_AT, slow_server, rng)
    before_restart = len(slow_server.received)
    abandoned = {r.key for r in rows(services) if r.status == outbox.SENDING}
    assert abandoned  # the kill left claimed rows behind
    expiry = max(r.expires_at for r in rows(services) if r.key in due)

    late = run_cli(backlog_url, "reminders", "dispatch", "--json",
                   env=cli_env(slow_server.port), now=expiry.isoformat())

    assert (0, "") == (late.returncode, late.stderr)
    assert [] == json.loads(late.stdout)["sent"]
    assert [] == slow_server.received[before_restart:]
    after = {r.key: r for r in rows(services) if r.key in due}
    assert {outbox.EXPIRED} == {after[k].status for k in abandoned}
    assert {outbox.SENT, outbox.EXPIRED} >= {r.status for r in after.values()}
    assert [] == [k for k, r in after.items() if r.claimed_until is not None]
