"""One row per figure and backend, and the Markdown table they make."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COLUMNS = ("Figure", "Backend", "Ours (median)", "Baseline (median)", "Ratio", "Goal", "Met")


@dataclass(frozen=True)
class Result:
    figure: str  # a stable name: the smoke test looks every figure up by it
    backend: str  # sqlite, postgresql, or "-" where the database does not matter
    ours: str
    baseline: str
    ratio: float | None
    goal: str  # "" where the issue sets none
    met: bool | None  # None: no goal, or not measured
    note: str = ""


def skipped(figure: str, backend: str, why: str) -> Result:
    return Result(figure, backend, "not measured", "not measured", None, "", None, why)


def rate(count: float, seconds: float, unit: str) -> str:
    return f"{count / seconds:,.0f} {unit}/s"


def duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:,.2f} s"
    return f"{seconds * 1000:,.2f} ms"


def megabytes(count: float) -> str:
    return f"{count:,.1f} MB"


def table(results: Sequence[Result]) -> str:
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for r in results:
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        met = {True: "yes", False: "**NO**", None: ""}[r.met]
        cells = (r.figure, r.backend, r.ours, r.baseline, ratio, r.goal, met)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    notes = [f"- **{r.figure}** ({r.backend}): {r.note}" for r in results if r.note]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
