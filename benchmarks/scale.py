"""Staff queries, the digest and monthly statistics at scale (100,000 tickets, or a million
with --full)."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.bench_app import bench_app
from benchmarks.databases import DatabaseUnavailable, reset_postgres, sqlite_url
from benchmarks.report import Heading, Line, figure
from benchmarks.scale_data import fill_postgres, fill_sqlite
from bot.numbers.figures import collect_digest, collect_stats, period_bounds
from storage import migrate
from storage.tickets import TicketQuery, get_ticket_by_reference, ticket_events, ticket_page

NOW = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, a Friday
TZ = ZoneInfo("Asia/Tokyo")
BASELINE = "baseline: ticket by reference"
TARGETS_MS = {
    "/queue first page": 5.0,
    "/ticket": 5.0,
    "/search by reference": 5.0,
    "digest": 50.0,
    "stats month": 200.0,
}
# Ticket number 42,425 of the generated ones: there with the default 100,000 and with --full.
REFERENCE = "0004-2424"


async def measure(url: str, repeat: int) -> dict[str, list[float]]:
    """Times the baseline, the digest and /stats month through the bot's code, in ms."""
    # The generated tickets are in plain text, which the keyring reads as it is.
    async with bench_app(url, clock=lambda: NOW) as bench:
        services = bench.services
        label, start, end = period_bounds("month", services.calendar.local_day(NOW))
        work = {
            BASELINE: lambda s: get_ticket_by_reference(s, REFERENCE),
            "/queue first page": lambda s: ticket_page(
                s, TicketQuery(open_only=True), 0, services.settings.staff_page_size
            ),
            "/ticket": lambda s: ticket_with_history(s, REFERENCE),
            "/search by reference": lambda s: ticket_page(
                s, TicketQuery(reference=REFERENCE), 0, services.settings.staff_page_size
            ),
            "digest": lambda s: collect_digest(s, services, NOW),
            "stats month": lambda s: collect_stats(s, services, label, start, end),
        }
        timings: dict[str, list[float]] = {name: [] for name in work}
        async with services.db() as session:
            for name, job in work.items():
                await job(session)  # warm-up: caches and connection
                for _ in range(repeat):
                    began = time.perf_counter()
                    await job(session)
                    timings[name].append((time.perf_counter() - began) * 1000)
    return timings


async def ticket_with_history(session, reference: str) -> list:
    """What /ticket reads: the ticket by reference and its history."""
    ticket = await get_ticket_by_reference(session, reference)
    return await ticket_events(session, ticket.id) if ticket else []


def scale_rows(title: str, timings: dict[str, list[float]], load_seconds: float) -> list[Line]:
    """Rows: each query's median and spread over the timed runs, its p99 (which the target
    judges), its ratio to the baseline."""
    baseline = statistics.median(timings[BASELINE])
    lines: list[Line] = [Heading(f"{title} (data generated and loaded in {load_seconds:.1f} s)")]
    for name, values in timings.items():
        ratio = statistics.median(values) / baseline if baseline else 0.0
        lines.append(
            figure(
                name,
                values,
                "ms",
                2,
                at_most=TARGETS_MS.get(name),
                note="" if name == BASELINE else f"median {ratio:.1f} × baseline",
                p99=True,
            )
        )
    return lines


async def sqlite_scale(folder: Path, tickets: int, repeat: int) -> list[Line]:
    """Generates `tickets` into a SQLite file and times the queries on it."""
    path = folder / "scale.sqlite3"
    url = sqlite_url(path)
    began = time.perf_counter()
    await asyncio.to_thread(migrate.upgrade, url)
    await asyncio.to_thread(fill_sqlite, str(path), tickets, NOW, TZ)
    loaded = time.perf_counter() - began
    return scale_rows(
        f"Scale: {tickets:,} tickets on SQLite (file, WAL), {repeat} timed runs per query",
        await measure(url, repeat),
        loaded,
    )


async def postgres_scale(url: str, tickets: int, repeat: int) -> list[Line]:
    """Recreates the PostgreSQL benchmark database with `tickets` and times the queries on it."""
    began = time.perf_counter()
    try:
        await reset_postgres(url)
    except DatabaseUnavailable as exc:
        return [Heading(f"Scale on PostgreSQL skipped: {exc}")]
    await fill_postgres(url.replace("postgresql+asyncpg", "postgresql"), tickets, NOW, TZ)
    loaded = time.perf_counter() - began
    return scale_rows(
        f"Scale: {tickets:,} tickets on PostgreSQL, {repeat} timed runs per query",
        await measure(url, repeat),
        loaded,
    )
