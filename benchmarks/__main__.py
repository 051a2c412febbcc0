"""`python -m benchmarks`: one table of the issue's figures, section by section.

1. update throughput and per-update latency (intakes, follow-ups, staff /queue and /ticket)
   on SQLite and PostgreSQL, each run paired with a bare PTB echo bot on the same transport;
2. memory: residents parked mid-form and a soak of complete intakes, in fresh processes;
3. the outbox at Telegram's limits against a fake Bot API that answers 429 past them;
4. the digest and monthly statistics at 100,000 tickets (a million with --full).

--quick takes under a minute (no scale, no PostgreSQL); --full uses the issue's sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.databases import (
    BenchDatabases,
    DatabaseUnavailable,
    PostgresDatabase,
    SqliteFiles,
    postgres_url,
)
from benchmarks.memory import memory_section
from benchmarks.outbox_limits import chat_bursts, group_runs, outbox_rows
from benchmarks.report import header, render
from benchmarks.safety import safety_rows
from benchmarks.scale import postgres_scale, sqlite_scale
from benchmarks.throughput import throughput_section


@dataclass(frozen=True)
class Sizes:
    """How much each section does; tickets None means no scale section."""

    intakes: int
    runs: int
    parked: int
    soak: int
    memory_runs: int
    chats: int
    group_messages: int
    tickets: int | None
    repeat: int
    postgres: bool


QUICK = Sizes(
    intakes=5,
    runs=3,
    parked=200,
    soak=1_000,
    memory_runs=1,
    chats=100,
    group_messages=8,
    tickets=None,
    repeat=100,
    postgres=False,
)
DEFAULT = Sizes(
    intakes=30,
    runs=3,
    parked=1_000,
    soak=5_000,
    memory_runs=1,
    chats=300,
    group_messages=8,
    tickets=100_000,
    repeat=100,
    postgres=True,
)
FULL = Sizes(
    intakes=30,
    runs=3,
    parked=10_000,
    soak=100_000,
    memory_runs=1,
    chats=1_000,
    group_messages=25,
    tickets=1_000_000,
    repeat=100,
    postgres=True,
)


def parse_arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    size.add_argument(
        "--full",
        action="store_true",
        help="a million tickets and the issue's memory and outbox sizes",
    )
    parser.add_argument(
        "--tickets",
        type=int,
        help="tickets in the scale section "
        "(default 100,000; 1,000,000 with --full; none with --quick)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="timed runs of each scale query (default 100; the target judges their p99)",
    )
    parser.add_argument(
        "--runs", type=int, help="runs of the throughput and outbox figures (default 3)"
    )
    parser.add_argument(
        "--intakes",
        type=int,
        help="complete intakes per throughput run (default 30; 5 with --quick)",
    )
    parser.add_argument("--parked", type=int, help="residents parked mid-form (default 1,000)")
    parser.add_argument("--soak", type=int, help="updates in the memory soak (default 5,000)")
    parser.add_argument(
        "--memory-runs", type=int, help="memory runs, each a fresh process (default 1)"
    )
    parser.add_argument(
        "--chats", type=int, help="distinct chats in the outbox burst (default 300)"
    )
    parser.add_argument(
        "--group-messages", type=int, help="messages to one group in the outbox section (default 8)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-outbox", action="store_true")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--no-safety", action="store_true")
    return parser.parse_args()


def sizes_from(args: argparse.Namespace) -> Sizes:
    """The profile (--quick, --full or default) with the options that override it."""
    sizes = QUICK if args.quick else FULL if args.full else DEFAULT
    overrides = {
        name: getattr(args, name)
        for name in (
            "intakes",
            "runs",
            "parked",
            "soak",
            "memory_runs",
            "chats",
            "group_messages",
            "tickets",
            "repeat",
        )
        if getattr(args, name) is not None
    }
    sizes = replace(sizes, **overrides)
    if args.no_scale:
        sizes = replace(sizes, tickets=None)
    if args.no_postgres:
        sizes = replace(sizes, postgres=False)
    return sizes


def describe(sizes: Sizes, args: argparse.Namespace) -> str:
    """One line saying what runs at which size."""
    parts = []
    if not args.no_throughput:
        parts.append(f"throughput {sizes.intakes} intakes × {sizes.runs} runs")
    if not args.no_memory:
        parts.append(
            f"memory {sizes.parked:,} parked + {sizes.soak:,}-update soak × {sizes.memory_runs}"
        )
    if not args.no_outbox:
        parts.append(
            f"outbox {sizes.chats:,} chats, {sizes.group_messages} group messages × {sizes.runs}"
        )
    parts.append(
        f"scale {sizes.tickets:,} tickets × {sizes.repeat}" if sizes.tickets else "no scale"
    )
    parts.append("PostgreSQL if it answers" if sizes.postgres else "no PostgreSQL")
    return "sizes: " + "; ".join(parts)


async def open_postgres(sizes: Sizes) -> PostgresDatabase | None:
    """The PostgreSQL benchmark database, prepared; None when not wanted or not answering."""
    if not sizes.postgres:
        return None
    database = PostgresDatabase(postgres_url())
    try:
        await database.prepare()
    except DatabaseUnavailable as exc:
        print(f"PostgreSQL skipped: {exc}", flush=True)
        return None
    return database


async def outbox_and_memory(sizes: Sizes, sqlite: SqliteFiles, args: argparse.Namespace) -> None:
    """Memory, then the outbox, with the outbox's group runs going on during the memory runs."""
    # The group runs mostly wait out the group's interval, while the memory runs work in
    # processes of their own: neither disturbs what the other measures.
    groups = (
        asyncio.create_task(group_runs(sqlite, sizes.group_messages, sizes.runs))
        if not args.no_outbox
        else None
    )
    try:
        if not args.no_memory:
            print(
                render(await memory_section(sizes.parked, sizes.soak, sizes.memory_runs)),
                flush=True,
            )
        if groups is not None:
            bursts = await chat_bursts(sqlite, sizes.chats, sizes.runs)
            print(
                render(outbox_rows(sizes.chats, bursts, sizes.group_messages, await groups)),
                flush=True,
            )
    finally:
        if groups is not None and not groups.done():
            groups.cancel()


async def main() -> None:
    """Runs the sections and prints the table as each one finishes."""
    args = parse_arguments()
    sizes = sizes_from(args)
    print(header())
    print(describe(sizes, args))
    print(render([], with_columns=True), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteFiles(Path(folder))
        if not args.no_throughput:
            postgres = await open_postgres(sizes)
            databases: list[BenchDatabases] = [sqlite] + ([postgres] if postgres else [])
            print(
                render(await throughput_section(sizes.intakes, sizes.runs, databases)), flush=True
            )
        await outbox_and_memory(sizes, sqlite, args)
        if not args.no_safety:
            print(render(safety_rows(sizes.runs)), flush=True)
        if sizes.tickets:
            print(render(await sqlite_scale(Path(folder), sizes.tickets, sizes.repeat)), flush=True)
            if sizes.postgres:
                print(
                    render(await postgres_scale(postgres_url(), sizes.tickets, sizes.repeat)),
                    flush=True,
                )


if __name__ == "__main__":
    asyncio.run(main())
