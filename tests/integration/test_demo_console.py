"""The demo's live batch, as a coordinator sees it in the console the day it is loaded:
badges for a review due this week and one overdue, and the overdue officer first in
"needs attention" of the batch."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from lifecycle.clock import FakeClock
from lifecycle.demo import COORDINATOR, DEMO_PASSWORD, load_demo
from lifecycle.services import Services, accounts
from notifications.rendering import TemplateRenderer
from web.app import create_app
from web.auth import SESSION_COOKIE

OVERDUE_OFFICER = "ສົມພອນ ພົມມະຈັນ"


def test_the_live_batch_shows_due_this_week_and_overdue_badges(
    services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    load_demo(services)
    signed = accounts.sign_in(services, COORDINATOR, DEMO_PASSWORD)
    cookie = {"Cookie": f"{SESSION_COOKIE}={signed.token}"}
    app = create_app(services, TemplateRenderer(tmp_path))
    with TestClient(app, follow_redirects=False) as client:
        board = client.get("/batches/AE7", headers=cookie)
        assert board.status_code == 200, board.text
        assert re.search(r'<details class="badge soon"><summary>due this week</summary>',
                         board.text)
        assert re.search(r'<details class="badge overdue"><summary>1 overdue · \d+ d</summary>',
                         board.text)
        assert '<details class="badge returned"><summary>returned</summary>' in board.text
        # (The historic round's officers left mid-placement in 2023 are late too.)
        queue = client.get("/officers", params={"attention": "1", "batch": "AE7"},
                           headers=cookie)
        first = re.search(r'<tr data-ref="[^"]+">.*?</tr>', queue.text, re.S)
        assert first is not None and OVERDUE_OFFICER in first.group(0)
