"""Every figure, by the name ``--only`` takes, in the order they are reported."""

from __future__ import annotations

from collections.abc import Callable

from bench import (
    advance_latency,
    advance_throughput,
    console_pages,
    dispatch_limit,
    dispatch_scale,
    memory_growth,
    preview,
    programme_year,
    scheduling,
    startup,
)
from bench.context import Bench
from bench.report import Result

FIGURES: dict[str, Callable[[Bench], list[Result]]] = {
    "throughput": advance_throughput.run,
    "latency": advance_latency.run,
    "memory": memory_growth.run,
    "scheduling": scheduling.run,
    "dispatch": dispatch_scale.run,
    "smtp": dispatch_limit.run,
    "preview": preview.run,
    "year": programme_year.run,
    "startup": startup.run,
    "console": console_pages.run,
}
# The row names each figure reports (the smoke test checks every one is in the table).
ROWS: dict[str, tuple[str, ...]] = {
    "throughput": (advance_throughput.NAME,),
    "latency": (advance_latency.NAME,),
    "memory": (memory_growth.NAME,),
    "scheduling": (scheduling.NAME,),
    "dispatch": (dispatch_scale.NAME, dispatch_scale.IDLE_NAME),
    "smtp": (dispatch_limit.NAME,),
    "preview": (preview.NAME,),
    "year": (programme_year.NAME,),
    "startup": (startup.HELP_NAME, startup.SHOW_NAME),
    "console": (console_pages.BOARD_NAME, console_pages.ATTENTION_NAME),
}
