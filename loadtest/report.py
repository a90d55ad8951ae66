"""The summary printed after a run: throughput, conflicts, sends, and the verdict."""

from __future__ import annotations

from loadtest.load import LoadRun
from loadtest.verify import Verification


def summary(backend: str, run: LoadRun, verification: Verification) -> str:
    seconds = run.size.seconds
    writes = [w for r in run.workers for w in r.writes]
    attempts = len(writes) + sum(r.conflicts + r.refused for r in run.workers)
    sent = sum(len(d.sent) for d in run.dispatchers)
    lines = [
        f"== {backend}: {run.size.name} size, {run.size.workers} workers, "
        f"{run.size.dispatchers} dispatchers, {run.size.officers} officers, {seconds:g} s "
        f"(seeded in {run.seed_seconds:.1f} s)",
        f"actions: {attempts} tried, {len(writes)} succeeded ({len(writes) / seconds:.1f}/s), "
        f"{sum(r.conflicts for r in run.workers)} conflicts, "
        f"{sum(r.refused for r in run.workers)} refused (moved on since read); "
        f"{sum(r.reads for r in run.workers)} officer reads",
    ]
    for r in run.workers:
        lines.append(
            f"  worker {r.worker}: {len(r.writes)} ok, {r.conflicts} conflicts, "
            f"{r.refused} refused, {len(r.unexpected)} unexpected"
        )
    lines.append(
        f"reminders: {sent} sent ({sent / seconds:.1f}/s), {len(run.received)} received; "
        + ", ".join(f"{d.dispatcher}: {len(d.sent)} in {d.passes} passes" for d in run.dispatchers)
    )
    drain = max((d.seconds for d in run.dispatchers), default=seconds) - seconds
    lines.append(
        f"  rows by status: {dict(sorted(verification.reminders_by_status.items()))}; "
        f"the last pass ended {drain:.1f} s after the run (what fell due and was not yet sent)"
    )
    lines.append(
        f"officers by state: {dict(sorted(verification.officers_by_state.items()))}; "
        f"{verification.audit_events} audit events"
    )
    for check, findings in verification.findings.items():
        verdict = "holds" if not findings else f"{len(findings)} FINDINGS"
        lines.append(f"  {check}: {verdict}")
        lines += [f"    {finding}" for finding in findings[:20]]
        if len(findings) > 20:
            lines.append(f"    ... and {len(findings) - 20} more")
    lines.append("VERIFIED" if verification.holds else "VERIFICATION FAILED")
    return "\n".join(lines)
