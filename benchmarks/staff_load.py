"""Staff commands in the staff group under load: /queue and /ticket <reference>."""

from __future__ import annotations

import time

from sqlalchemy import text

from benchmarks.bench_app import BenchApp


async def ticket_references(bench: BenchApp) -> list[str]:
    """Every ticket's reference, oldest first."""
    async with bench.services.db() as session:
        references = await session.scalars(text("SELECT reference FROM tickets ORDER BY id"))
        return list(references.all())


async def staff_commands(bench: BenchApp, count: int) -> dict[str, list[float]]:
    """The admin alternates /queue and /ticket in the staff group; seconds per update."""
    references = await ticket_references(bench)
    if not references:
        raise RuntimeError("no tickets to look at: run intakes first")
    staff = bench.staff_member()
    # Untimed, as each workload's first update: an admin becomes a staff member on first use,
    # and the first of each command compiles its statements.
    await staff.send("/queue")
    await staff.send(f"/ticket {references[-1]}")
    latencies: dict[str, list[float]] = {"/queue": [], "/ticket": []}
    for n in range(count):
        for name, line in (
            ("/queue", "/queue"),
            ("/ticket", f"/ticket {references[n % len(references)]}"),
        ):
            started = time.perf_counter()
            await staff.send(line)
            latencies[name].append(time.perf_counter() - started)
    return latencies
