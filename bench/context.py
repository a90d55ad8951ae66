"""What every figure is handed: the sizes, the scratch databases, a progress log, and
the large populated database the latency and memory figures share."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from bench import population as pop
from bench.scratch import Scratch
from bench.sizes import Sizes
from lifecycle.clock import FakeClock

# Batch numbers: each figure's own batches sit apart from the bulk population's.
POPULATION_FIRST_BATCH = 10_000


@dataclass
class Bench:
    sizes: Sizes
    scratch: Scratch
    _populated: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def backends(self) -> list[str]:
        return self.scratch.backends

    def unavailable(self, backend: str) -> str | None:
        return self.scratch.unavailable.get(backend)

    def log(self, message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    def staffed(self, backend: str) -> str:
        """A fresh database with the coordinator, the supervisor and the division."""
        url = self.scratch.fresh(backend)
        services = pop.open_services(url, FakeClock(pop.START))
        try:
            pop.seed_staff(services)
        finally:
            services.db.dispose()
        return url

    def populated(self, backend: str, officers: int) -> str:
        """A staffed database holding ``officers`` officers mid-placement (their audit
        events, induction ticks and placements), 100 to a batch. Built once per run and
        shared: figures add their own batches to it and leave the population alone."""
        key = (backend, officers)
        if key not in self._populated:
            self.log(f"loading {officers:,} officers into {backend}")
            url = self.staffed(backend)
            services = pop.open_services(url, FakeClock(pop.START))
            try:
                _, (prototype,) = pop.add_batch(services, POPULATION_FIRST_BATCH - 1, 1)
                pop.walk(services, prototype, "placement")
                pop.copy_officer(
                    services, prototype, officers - 1,
                    first_batch=POPULATION_FIRST_BATCH, with_reminders=False,
                )  # fmt: skip
                pop.analyse(services)
            finally:
                services.db.dispose()
            self._populated[key] = url
        return self._populated[key]
