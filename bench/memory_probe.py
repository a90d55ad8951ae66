"""Run in a fresh process by the memory figure: typical operations, then the peak RSS.

``python -m bench.memory_probe URL BATCH REF...`` lists batches, lists and shows one
batch, shows an officer, advances the given officers, previews the batch's reminders and
prints one JSON line: the process's peak resident set size in MB.

The peak is Linux's ``VmHWM``, not ``getrusage``'s ``ru_maxrss``: the latter survives
``exec``, so a child started from a large parent reports the parent's size.
"""

from __future__ import annotations

import json
import resource
import sys
from datetime import UTC, datetime
from pathlib import Path


def main(url: str, batch: str, refs: list[str]) -> None:
    from lifecycle.clock import FakeClock
    from lifecycle.persistence.database import Database
    from lifecycle.services import Services, board, views
    from lifecycle.services import officers as act
    from notifications import reminders_view
    from notifications.wiring import with_reminders

    clock = FakeClock(datetime(2023, 1, 2, 2, tzinfo=UTC))
    services = with_reminders(Services(Database(url), clock))
    views.batch_list(services)
    views.officer_list(services, batch=batch)
    views.batch_detail(services, batch)
    board.batch_board(services, batch)
    for ref in refs:
        act.advance(services, ref, "accept", actor="coordinator@bench.example")
        views.officer_detail(services, ref)
    reminders_view.preview(services, batch, None)
    reminders_view.listing(services, refs[0], ["pending"])
    print(json.dumps({"peak_mb": _peak_mb()}))


def _peak_mb() -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
