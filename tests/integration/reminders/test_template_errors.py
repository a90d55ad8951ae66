"""A coordinator's broken template override, seen through the CLI as a user runs it.

For each way a template can be broken (it does not parse, it uses a name that does not
exist, it reaches for Python internals), in the override folder named by
``ATTACHE_TEMPLATE_DIR`` (environment or TOML config):
- ``attache templates check`` exits 7 and names the file and the line;
- ``attache scheduler run`` refuses to start, and touches neither database nor mail;
- ``attache reminders dispatch`` holds back the reminders that use the broken template
  (nothing rendered from it reaches the SMTP server, the rows say why) and still sends
  the others; once the template is fixed, the held-back reminders go out once.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lifecycle.clock import FakeClock
from lifecycle.persistence import outbox
from lifecycle.services import Services
from notifications.dispatch import DispatchSettings
from notifications.message import message_id_for
from notifications.scheduler import queue_digest
from notifications.template_context import TEMPLATE_NAMES
from tests.integration.reminders.conftest import (
    SENDER,
    SmtpServer,
    by_key,
    cli_argv,
    cli_env,
    run_cli,
)
from tests.support import COORDINATOR, dump, nominate, seed_programme, to_placement

# Thu 2 Feb 2023, 10:00 in Jakarta: the first monthly activity report of each officer
# placed on Mon 2 Jan is due (09:00 Phnom Penh), and the 08:00 digest is queued.
NOW = datetime(2023, 2, 2, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
DIGEST_KEY = f"digest/2023-02-02/{COORDINATOR}"
# A scheduler that wrongly starts would run until killed: this ends the test instead.
SCHEDULER_TIMEOUT = 60


@dataclass(frozen=True)
class Broken:
    """One broken override of the activity report template."""

    file: str  # in the override folder
    source: str
    line: int  # where the fault is
    says: str  # what the message must say

    def write(self, folder: Path) -> None:
        (folder / self.file).write_text(self.source, encoding="utf-8")

    def where(self, folder: Path) -> str:
        return f"{folder}/{self.file}, line {self.line}: "


BROKEN = {
    "syntax": Broken(
        "activity_report_due.subject.j2",
        "Activity report due: {{ officer.name }\n",
        1,
        "unexpected '}'",
    ),
    "undefined": Broken(
        "activity_report_due.txt.j2",
        "Dear {{ recipient.name }},\n\nPlease send your report for {{ reprot.month }}.\n",
        3,
        "'reprot' is undefined",
    ),
    "internals_mro": Broken(
        "activity_report_due.html.j2",
        "{% extends '_layout.html.j2' %}\n{% block content %}\n"
        "<p>{{ officer.__class__.__mro__ }}</p>\n{% endblock %}\n",
        3,
        "refused by the sandbox: access to attribute '__class__' of 'officer' is unsafe",
    ),
    "internals_subclasses": Broken(
        "activity_report_due.txt.j2",
        "Dear {{ recipient.name }},\n{{ ''.__class__.__subclasses__() }}\n",
        2,
        "refused by the sandbox: access to attribute '__class__' of 'str' object is unsafe",
    ),
    "internals_hidden_in_a_list": Broken(
        "activity_report_due.txt.j2",
        "Dear {{ recipient.name }},\n\n\n{{ [officer] | map(attribute='__class__') | list }}\n",
        4,
        "refused by the sandbox: access to attribute '__class__' of 'officer' is unsafe",
    ),
}
CASES = pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
# What a template that reached Python internals, or hid a refusal, would have printed.
LEAKS = ("<class", "Undefined")


def _override(tmp_path: Path, broken: Broken) -> Path:
    folder = tmp_path / "our templates"  # a space, as on a shared drive
    folder.mkdir()
    broken.write(folder)
    return folder


def _problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@CASES
def test_templates_check_exits_7_naming_the_file_and_line(
    tmp_path: Path, broken: Broken
) -> None:
    """``templates check`` prints the one problem with its file and line, then exits 7."""
    folder = _override(tmp_path, broken)
    env = cli_env(ATTACHE_TEMPLATE_DIR=str(folder))
    url = f"sqlite:///{tmp_path / 'never-created.db'}"  # the check needs no database

    done = run_cli(url, "templates", "check", env=env, cwd=tmp_path)

    assert (7, "") == (done.returncode, done.stdout)
    first, last = _problem_lines(done.stderr)
    assert first.startswith(f"attache: {broken.where(folder)}")
    assert broken.says in first
    assert "attache: 1 template problem(s); nothing was changed" == last
    assert not any(leak in done.stderr for leak in LEAKS)
    assert not (tmp_path / "never-created.db").exists()


def test_templates_check_reads_the_folder_from_the_toml_config(tmp_path: Path) -> None:
    """The folder may come from the config file (``--config``); once the coordinator
    fixes the file, the same check passes and exits 0."""
    broken = BROKEN["undefined"]
    folder = _override(tmp_path, broken)
    config = tmp_path / "attache.toml"
    config.write_text(f"ATTACHE_TEMPLATE_DIR = {json.dumps(str(folder))}\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'never-created.db'}"
    env = cli_env()

    done = run_cli(url, "--config", str(config), "templates", "check", env=env, cwd=tmp_path)

    assert 7 == done.returncode
    assert _problem_lines(done.stderr)[0].startswith(f"attache: {broken.where(folder)}")
    (folder / broken.file).write_text(
        "Dear {{ recipient.name }},\n\nPlease send your report.\n", encoding="utf-8"
    )
    fixed = run_cli(url, "--config", str(config), "templates", "check", env=env, cwd=tmp_path)
    assert (0, "") == (fixed.returncode, fixed.stderr)
    assert f"{len(TEMPLATE_NAMES)} templates render cleanly" in fixed.stdout


def _reminders_due(services: Services, clock: FakeClock, officers: int = 3) -> set[str]:
    """Officers placed in January whose activity reports are due at NOW, plus the
    coordinator's digest (another template) queued at NOW; returns the reports' keys."""
    seed_programme(services)
    refs = nominate(services, officers)
    for ref in refs:
        to_placement(services, ref)
    clock.set(NOW)
    assert 1 == queue_digest(services)
    return {f"{ref}/activity_report/1/o{i}.kh@mfa.example" for i, ref in enumerate(refs)}


@CASES
def test_the_scheduler_refuses_to_start_with_a_broken_template(
    database_url: str,
    services: Services,
    clock: FakeClock,
    smtp_server: SmtpServer,
    tmp_path: Path,
    broken: Broken,
) -> None:
    """``scheduler run`` exits 7 on its own, naming the file and line, before sending
    anything or writing to the database, although reminders are due."""
    _reminders_due(services, clock)
    folder = _override(tmp_path, broken)
    before = dump(services)
    argv = cli_argv(database_url, "scheduler", "run", "--interval", "1", now=NOW.isoformat())
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, encoding="utf-8", check=False,
            env=cli_env(smtp_server.port, ATTACHE_TEMPLATE_DIR=str(folder)),
            timeout=SCHEDULER_TIMEOUT,
        )
    except subprocess.TimeoutExpired as running:  # subprocess.run has killed it
        pytest.fail(f"the scheduler started with a broken template: {running.stdout!r}")

    assert (7, "") == (done.returncode, done.stdout)
    first, last = _problem_lines(done.stderr)
    assert first.startswith(f"attache: {broken.where(folder)}")
    assert broken.says in first
    assert "attache: the scheduler will not start with broken templates" == last
    assert [] == smtp_server.received
    assert before == dump(services)


@CASES
def test_dispatch_holds_back_the_reminders_whose_template_is_broken(
    database_url: str,
    services: Services,
    clock: FakeClock,
    smtp_server: SmtpServer,
    tmp_path: Path,
    broken: Broken,
) -> None:
    """One ``reminders dispatch``: the digest goes out; no activity report is sent (the
    server receives nothing rendered from the broken template), each report's row stays
    pending with the template's file and line as its error, and nothing else in the
    database changes. Fixed, the reports go out once at their retry."""
    reports = _reminders_due(services, clock)
    folder = _override(tmp_path, broken)
    env = cli_env(smtp_server.port, ATTACHE_TEMPLATE_DIR=str(folder))
    before = dump(services)
    rows_before = by_key(services)

    done = run_cli(
        database_url, "reminders", "dispatch", "--now", NOW.isoformat(), "--json", env=env
    )

    assert (0, "") == (done.returncode, done.stderr)
    report = json.loads(done.stdout)
    assert ([DIGEST_KEY], sorted(reports), [], 0) == (
        report["sent"], sorted(report["retrying"]), report["failed"], report["expired"],
    )
    assert [(DIGEST_KEY, message_id_for(DIGEST_KEY))] == [
        (m.key, m.message_id) for m in smtp_server.received
    ]
    retry_at = NOW + DispatchSettings(sender=SENDER).first_retry
    after = by_key(services)
    for key in reports:
        row = after[key]
        assert (outbox.PENDING, 1, None, None, retry_at) == (
            row.status, row.attempts, row.sent_at, row.claimed_until, row.next_attempt_at,
        )
        assert row.last_error is not None
        assert row.last_error.startswith(broken.where(folder))
        assert broken.says in row.last_error
    untouched = {k for k in rows_before if k not in reports | {DIGEST_KEY}}
    assert {k: _row(rows_before[k]) for k in untouched} == {k: _row(after[k]) for k in untouched}
    # Besides the reminders, only the installation's key for action links may appear:
    # it is made once, the first time a reminder carrying such links is composed.
    kept = {t: r for t, r in before.items() if t not in ("reminders", "instance_secrets")}
    assert kept == {
        t: r for t, r in dump(services).items() if t not in ("reminders", "instance_secrets")
    }
    assert {n for n, *_ in dump(services)["instance_secrets"]} <= {"action_links"}

    (folder / broken.file).unlink()  # the coordinator gives up the override
    later = run_cli(
        database_url, "reminders", "dispatch", "--now", retry_at.isoformat(), "--json", env=env
    )
    assert (0, sorted(reports)) == (later.returncode, sorted(json.loads(later.stdout)["sent"]))
    received = [m.key for m in smtp_server.received]
    assert sorted([DIGEST_KEY, *reports]) == sorted(received)


def _row(row: object) -> tuple[object, ...]:
    return tuple(
        getattr(row, column)
        for column in ("status", "attempts", "next_attempt_at", "last_error", "updated_at")
    )
