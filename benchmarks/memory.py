"""Resident-set growth: residents parked mid-form, and a soak of complete intakes.

Each run is a fresh process (`python -m benchmarks.memory --parked N --soak M`, which prints
its readings as JSON), so one run's allocations do not hide or inflate the next one's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import resource
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.bench_app import BenchApp, bench_app
from benchmarks.databases import SqliteFiles
from benchmarks.report import Heading, Line, figure, run_count
from benchmarks.residents import INTAKE, PARKED, play

MB = 1024 * 1024
WARM_UP_RESIDENTS = 20
# The second half of the soak counts as flat when it grows by no more than this.
FLAT_MB = 2.0


@dataclass(frozen=True)
class MemoryRun:
    """One process's readings, in bytes."""

    source: str
    parked: int
    before_parking: int
    after_parking: int
    soak_updates: int
    samples: list[tuple[int, int]]  # (updates done, resident set)


def rss_bytes() -> tuple[int, str]:
    """The resident set now (VmRSS), or the peak (ru_maxrss) where /proc is absent; and which."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024, "VmRSS"
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (peak if sys.platform == "darwin" else peak * 1024), "ru_maxrss"


def settled_rss() -> int:
    """The resident set after a full garbage collection."""
    gc.collect()
    return rss_bytes()[0]


async def park(bench: BenchApp, first_id: int, count: int) -> None:
    """`count` residents each start the food form, accept the consent and go quiet."""
    assert bench.api is not None
    for user_id in range(first_id, first_id + count):
        await play(bench.user(user_id), PARKED)
        bench.api.forget(user_id)  # the fake Telegram's copy is not the bot's memory


async def intake(bench: BenchApp, user_id: int) -> None:
    """One new resident completes an intake."""
    assert bench.api is not None
    await play(bench.user(user_id), INTAKE)
    bench.api.forget(user_id)


async def soak(bench: BenchApp, first_id: int, updates: int, samples: int) -> list[tuple[int, int]]:
    """New residents complete intakes for about `updates` updates; (updates, RSS) readings."""
    intakes = math.ceil(updates / len(INTAKE))
    every = max(1, intakes // samples)
    readings = [(0, settled_rss())]
    for n in range(intakes):
        await intake(bench, first_id + n)
        if (n + 1) % every == 0 or n + 1 == intakes:
            readings.append(((n + 1) * len(INTAKE), settled_rss()))
    return readings


async def measure(parked: int, soak_updates: int, samples: int) -> MemoryRun:
    """Warms up, parks `parked` residents, then soaks; all on a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        url = await SqliteFiles(Path(folder)).fresh()
        async with bench_app(url) as bench:
            await park(bench, 1_000_000, WARM_UP_RESIDENTS)
            for n in range(2):
                await intake(bench, 1_500_000 + n)
            before = settled_rss()
            await park(bench, 2_000_000, parked)
            after = settled_rss()
            readings = await soak(bench, 3_000_000, soak_updates, samples)
    return MemoryRun(rss_bytes()[1], parked, before, after, readings[-1][0], readings)


async def measure_in_process(parked: int, soak_updates: int, samples: int) -> MemoryRun:
    """Runs `measure` in a fresh Python process and reads its JSON."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.memory",
        "--parked",
        str(parked),
        "--soak",
        str(soak_updates),
        "--samples",
        str(samples),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the memory run failed (exit {process.returncode})")
    data = json.loads(out.decode().strip().splitlines()[-1])
    return MemoryRun(**{**data, "samples": [tuple(s) for s in data["samples"]]})


def _half_way(run: MemoryRun) -> int:
    """The reading nearest the middle of the soak."""
    middle = run.soak_updates / 2
    return min(run.samples, key=lambda sample: abs(sample[0] - middle))[1]


def memory_rows(runs: list[MemoryRun]) -> list[Line]:
    """Rows for the table from several runs."""
    first = runs[0]
    parked_growth = [(r.after_parking - r.before_parking) / MB for r in runs]
    start = [r.samples[0][1] / MB for r in runs]
    end = [r.samples[-1][1] / MB for r in runs]
    second_half = [(r.samples[-1][1] - _half_way(r)) / MB for r in runs]
    per_resident = statistics.median(parked_growth) * 1024 / max(first.parked, 1)
    return [
        Heading(
            f"Memory, {run_count(len(runs))}, each in a fresh process on a SQLite file: "
            f"resident set ({first.source}) after gc.collect(), after warming up with "
            f"{WARM_UP_RESIDENTS} parked residents and 2 intakes"
        ),
        figure(
            f"{first.parked:,} residents parked mid-form: growth",
            parked_growth,
            "MB",
            1,
            note=f"≈ {per_resident:.1f} KB per resident",
        ),
        figure(f"soak of {first.soak_updates:,} intake updates: RSS at start", start, "MB", 1),
        figure("soak: RSS at end", end, "MB", 1),
        figure("soak: growth", [e - s for s, e in zip(start, end, strict=False)], "MB", 1),
        figure(
            "soak: growth over the second half",
            second_half,
            "MB",
            1,
            at_most=FLAT_MB,
            target=f"~0 (≤ {FLAT_MB:g})",
            note=f"{len(first.samples)} readings",
        ),
    ]


async def memory_section(
    parked: int, soak_updates: int, runs: int, samples: int = 20
) -> list[Line]:
    """Measures memory `runs` times, one fresh process after another, and returns the rows."""
    results = [await measure_in_process(parked, soak_updates, samples) for _ in range(runs)]
    return memory_rows(results)


def main() -> None:
    """Entry point of one memory run: prints a MemoryRun as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__)
    parser.add_argument("--parked", type=int, default=1_000)
    parser.add_argument("--soak", type=int, default=5_000, help="updates in the soak")
    parser.add_argument("--samples", type=int, default=20, help="readings during the soak")
    args = parser.parse_args()
    run = asyncio.run(measure(args.parked, args.soak, args.samples))
    print(json.dumps(asdict(run)))


if __name__ == "__main__":
    main()
