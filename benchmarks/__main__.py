"""`python -m benchmarks`: update throughput against bare PTB, then the digest and monthly
statistics at a million tickets.

Prints one table per database (SQLite file, and PostgreSQL when it answers): the median and
the slowest of several runs of each query through the bot's own code, against a baseline
measured in the same run (a lookup of one ticket by reference) and against the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from benchmarks.scale_data import fill_postgres, fill_sqlite
from benchmarks.throughput import throughput_table
from bot.app import build_application
from bot.context import SERVICES_KEY
from bot.figures import collect_digest, collect_stats, period_bounds
from bot.local_api import LocalBotApi
from bot.settings import EXAMPLE_PROFILE, Settings
from storage import migrate
from storage import repositories as repo
from storage.db import create_engine, create_sessionmaker

NOW = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, a Friday
TARGETS_MS = {"digest": 50.0, "stats month": 200.0}
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/madoguchi_bench"


async def measure(url: str, repeat: int) -> dict[str, list[float]]:
    """Times the baseline, the digest and /stats month through the bot's code."""
    settings = Settings(_env_file=None, database_url=url, staff_chat_id=-1, office_profile=EXAMPLE_PROFILE)
    engine = create_engine(url)
    app = build_application(settings, create_sessionmaker(engine), LocalBotApi(), clock=lambda: NOW)
    services = app.bot_data[SERVICES_KEY]
    label, start, end = period_bounds("month", services.calendar.local_day(NOW))
    work = {
        "baseline: ticket by reference": lambda s: repo.get_ticket_by_reference(s, "0042-4242"),
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
    await engine.dispose()
    return timings


async def prepare_postgres(url: str, count: int, tz: ZoneInfo) -> str | None:
    """Creates (or empties) the benchmark database and fills it; None if PostgreSQL is absent."""
    import asyncpg

    dsn = url.replace("postgresql+asyncpg", "postgresql")
    server, _, name = dsn.rpartition("/")
    try:
        admin = await asyncpg.connect(f"{server}/postgres")
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL skipped: {server} does not answer ({exc})")
        return None
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    await asyncio.to_thread(migrate.upgrade, url)
    await fill_postgres(dsn, count, NOW, tz)
    return url


def table(title: str, timings: dict[str, list[float]], load_seconds: float) -> str:
    """One printed table: median, slowest, ratio to the baseline, target."""
    baseline = statistics.median(timings["baseline: ticket by reference"])
    lines = [f"\n{title} (data generated and loaded in {load_seconds:.1f} s)",
             f"{'query':32} {'median ms':>10} {'max ms':>9} {'× baseline':>11} {'target ms':>10}"]
    for name, values in timings.items():
        median = statistics.median(values)
        target = TARGETS_MS.get(name)
        verdict = "" if target is None else ("  met" if max(values) <= target else "  NOT MET")
        lines.append(f"{name:32} {median:10.2f} {max(values):9.2f} {median / baseline:11.1f} "
                     f"{target if target else '':>10}{verdict}")
    return "\n".join(lines)


async def main() -> None:
    """Runs the scale benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--intakes", type=int, default=30,
                        help="complete intakes per throughput run (default 30)")
    parser.add_argument("--no-scale", action="store_true", help="only the throughput table")
    args = parser.parse_args()
    tz = ZoneInfo("Asia/Tokyo")
    print(f"madoguchi scale benchmark: {args.tickets:,} tickets, {args.repeat} runs each; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(await throughput_table(args.intakes, 3))
    if args.no_scale:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        began = time.perf_counter()
        await asyncio.to_thread(migrate.upgrade, url)
        await asyncio.to_thread(fill_sqlite, str(path), args.tickets, NOW, tz)
        loaded = time.perf_counter() - began
        print(table("SQLite (file, WAL)", await measure(url, args.repeat), loaded))
    if not args.no_postgres:
        pg_url = os.environ.get("MADOGUCHI_BENCH_DATABASE_URL", DEFAULT_PG)
        began = time.perf_counter()
        if await prepare_postgres(pg_url, args.tickets, tz):
            loaded = time.perf_counter() - began
            print(table("PostgreSQL", await measure(pg_url, args.repeat), loaded))


if __name__ == "__main__":
    asyncio.run(main())
