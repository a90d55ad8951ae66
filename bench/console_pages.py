"""Figure 7: the console's long pages against a page of 20 officers.

A coordinator opens the board of a batch of 500 (7a) and the "needs attention" view
over every officer of the programme, 5,000 and more, all of them late (7b). Each is timed
as the server's whole answer (routing, session check, queries, rendering) through the
ASGI app in process, against the officers list of a batch of 20 in the same run. Goal:
at most 3x, which holds only if the long pages read set-wise and render one page.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from bench import population as pop
from bench.context import Bench
from bench.report import Result, duration, skipped
from bench.timing import interleave, timed
from lifecycle.clock import FakeClock
from lifecycle.services import accounts
from lifecycle.services.worklist import Filters, worklist
from notifications.rendering import TemplateRenderer
from web.app import create_app
from web.auth import SESSION_COOKIE

BOARD_NAME = "7a. batch board of 500 vs a page of 20"
ATTENTION_NAME = "7b. needs attention over 5,000 vs a page of 20"
GOAL = 3.0
PASSWORD = "a bench passphrase, long enough"
SMALL, BOARD, SPREAD = 2, 3, 100  # batch numbers: the page of 20, the board, the rest


def run(bench: Bench) -> list[Result]:
    results: list[Result] = []
    for backend in bench.backends:
        if problem := bench.unavailable(backend):
            results += [skipped(BOARD_NAME, backend, problem),
                        skipped(ATTENTION_NAME, backend, problem)]
            continue
        results += _measure(bench, backend)
    return results


def _measure(bench: Bench, backend: str) -> list[Result]:
    sizes = bench.sizes
    clock = FakeClock(pop.START)
    services = pop.open_services(bench.staffed(backend), clock)
    try:
        _, (prototype,) = pop.add_batch(services, 1, 1)
        pop.walk(services, prototype, "placement")
        pop.copy_officer(services, prototype, sizes.console_page, first_batch=SMALL,
                         per_batch=sizes.console_page)
        pop.copy_officer(services, prototype, sizes.console_board, first_batch=BOARD,
                         per_batch=sizes.console_board)
        pop.copy_officer(services, prototype, sizes.console_attention, first_batch=SPREAD)
        pop.analyse(services)
        # Eight months on: every mid-term review is past due, so everyone needs attention.
        clock.set(pop.START + timedelta(days=240))
        accounts.set_password(services, pop.COORDINATOR, PASSWORD)
        signed = accounts.sign_in(services, pop.COORDINATOR, PASSWORD)
        with tempfile.TemporaryDirectory() as templates, TestClient(
            create_app(services, TemplateRenderer(Path(templates))), follow_redirects=False,
            cookies={SESSION_COOKIE: signed.token},
        ) as client:
            def page(path: str) -> Callable[[int], float]:
                def get() -> None:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                return lambda _: timed(get)

            small = f"/officers?batch=JD{SMALL}&per_page={sizes.console_page}"
            total = 1 + sizes.console_page + sizes.console_board + sizes.console_attention
            page(small)(0), page(f"/batches/JD{BOARD}")(0), page("/officers?attention=1")(0)
            # The view measured must list everyone, each overdue (the worst case), or
            # the figure would be fast for the wrong reason.
            listed = worklist(services, Filters(attention=True), actor=pop.COORDINATOR)
            assert listed.total == total, (listed.total, total)
            assert all(card["overdue"] for card in listed.cards), listed.cards[:1]
            bench.log(f"console pages on {backend}: {total:,} officers")
            board = interleave(sizes.repeats, page(f"/batches/JD{BOARD}"), page(small))
            attention = interleave(sizes.repeats, page("/officers?attention=1"), page(small))
    finally:
        services.db.dispose()
    note = (f"GET through the ASGI app in process, signed in as a coordinator; median of "
            f"{sizes.repeats}, alternating with the baseline (the officers list of a batch "
            f"of {sizes.console_page}, page size {sizes.console_page})")
    return [
        Result(BOARD_NAME, backend,
               f"board of {sizes.console_board}: {duration(board.candidate.median)}",
               f"page of {sizes.console_page}: {duration(board.baseline.median)}",
               board.ratio, f"<= {GOAL:g}x", board.ratio <= GOAL, note),
        Result(ATTENTION_NAME, backend,
               f"attention over {total:,}: {duration(attention.candidate.median)}",
               f"page of {sizes.console_page}: {duration(attention.baseline.median)}",
               attention.ratio, f"<= {GOAL:g}x", attention.ratio <= GOAL, note),
    ]
