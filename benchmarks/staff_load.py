"""Staff commands in the staff group under load: /queue and /ticket <reference>."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text

from benchmarks.bench_app import BenchApp


async def ticket_references(bench: BenchApp) -> list[str]:
    """Every ticket's reference, oldest first."""
    async with bench.services.db() as session:
        references = await session.scalars(text("SELECT reference FROM tickets ORDER BY id"))
        return list(references.all())


@dataclass
class StaffRun:
    """Seconds per update and statements per update of each command."""

    latencies: dict[str, list[float]]
    statements: dict[str, float]


async def staff_commands(bench: BenchApp, count: int) -> StaffRun:
    """The admin alternates /queue and /ticket in the staff group; seconds and statements per
    update (statements if bench.count_statements() was called)."""
    references = await ticket_references(bench)
    if not references:
        raise RuntimeError("no tickets to look at: run intakes first")
    staff = bench.staff_member()
    # Untimed, as each workload's first update: an admin becomes a staff member on first use,
    # and the first of each command compiles its statements.
    await staff.send("/queue")
    await staff.send(f"/ticket {references[-1]}")
    latencies: dict[str, list[float]] = {"/queue": [], "/ticket": []}
    sent = {"/queue": 0, "/ticket": 0}
    for n in range(count):
        for name, line in (
            ("/queue", "/queue"),
            ("/ticket", f"/ticket {references[n % len(references)]}"),
        ):
            sent_before = bench.statements_sent
            started = time.perf_counter()
            await staff.send(line)
            latencies[name].append(time.perf_counter() - started)
            sent[name] += bench.statements_sent - sent_before
    return StaffRun(latencies, {name: sent[name] / count for name in sent})
