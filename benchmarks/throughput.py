"""Update throughput and latency through the real Application on long polling's path, against
two floors measured in the same run: a bare PTB echo bot and the durable floor (one committed
row per update on the same database)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.bench_app import BenchApp, bench_app
from benchmarks.databases import BenchDatabases
from benchmarks.floors import durable_run, echo_run
from benchmarks.report import Heading, Line, figure, percentile, run_count
from benchmarks.residents import INTAKE, follow_up, play
from benchmarks.staff_load import staff_commands
from bot.i18n import Catalogs

INTAKES = "intake steps"
FOLLOW_UPS = "follow-up relays"
QUEUE = "staff /queue"
TICKET = "staff /ticket"
WORKLOADS = (INTAKES, FOLLOW_UPS, QUEUE, TICKET)
# The untimed first intake of each run, reported on its own row: a new engine compiles each
# statement once, and the first of a process also loads catalogues and calendars.
COLD_INTAKE = "first intake of a run (untimed in the rows above)"
# The targets, as shares of the durable floor's rate measured in the same run.
FLOOR_RATIO_TARGETS = {INTAKES: 0.5, FOLLOW_UPS: 0.4, QUEUE: 0.4, TICKET: 0.4}
# An intake step's p99 at most this many times its p50.
TAIL_TARGET = 3.0


@dataclass(frozen=True)
class LatencySummary:
    """Serial updates per second and per-update latency percentiles of one run."""

    rate: float
    p50_ms: float
    p99_ms: float

    @classmethod
    def of(cls, latencies: Sequence[float]) -> LatencySummary:
        """Summarizes per-update seconds."""
        p99 = percentile(latencies, 0.99)
        return cls(len(latencies) / sum(latencies), statistics.median(latencies) * 1000, p99 * 1000)


@dataclass
class DatabaseRuns:
    """One database's summaries, a list of one per run for each row group."""

    floor: list[LatencySummary]
    inbox: dict[str, list[LatencySummary]]
    handler_only: list[LatencySummary]
    cold: list[LatencySummary]
    # Per workload: statements per update, and the floor that makes as many (one per run).
    statements: dict[str, list[float]] = field(default_factory=dict)
    matched_floor: dict[str, list[LatencySummary]] = field(default_factory=dict)


@dataclass
class WorkloadRun:
    """One run's per-update seconds and statements per update, by workload."""

    latencies: dict[str, list[float]]
    statements: dict[str, float]


async def check_workload(bench: BenchApp, intakes: int, follow_ups: int) -> None:
    """Fails loudly if the scripts no longer do what the rows say (the forms changed)."""
    tickets = await bench.count("SELECT count(*) FROM tickets")
    relayed = await bench.count(
        "SELECT count(*) FROM ticket_events WHERE kind = 'resident_message'"
    )
    if tickets != intakes or relayed != follow_ups:
        raise RuntimeError(
            f"expected {intakes} tickets and {follow_ups} follow-ups, found {tickets} tickets "
            f"and {relayed} follow-ups: benchmarks/residents.py needs updating"
        )


async def madoguchi_run(
    url: str, intakes: int, catalogs: Catalogs, *, through_inbox: bool
) -> WorkloadRun:
    """Per-update seconds and statements of each workload on one empty database, after one
    untimed resident (intake and follow-up; its intake under COLD_INTAKE); only the intakes
    when the updates skip the inbox (the handler-only rows)."""
    latencies: dict[str, list[float]] = {name: [] for name in (*WORKLOADS, COLD_INTAKE)}
    statements: dict[str, float] = {}
    async with bench_app(url, catalogs=catalogs, through_inbox=through_inbox) as bench:
        bench.count_statements()

        def counted(name: str, sent_before: int) -> None:
            """Notes the statements per update of the workload just played."""
            statements[name] = (bench.statements_sent - sent_before) / len(latencies[name])

        first, *residents = [bench.user(10_000 + n) for n in range(intakes + 1)]
        await play(first, INTAKE, latencies[COLD_INTAKE])
        sent = bench.statements_sent
        for resident in residents:
            await play(resident, INTAKE, latencies[INTAKES])
        counted(INTAKES, sent)
        if not through_inbox:
            await check_workload(bench, intakes + 1, 0)
            return WorkloadRun(latencies, statements)
        await follow_up(first, [])
        sent = bench.statements_sent
        for resident in residents:
            await follow_up(resident, latencies[FOLLOW_UPS])
        counted(FOLLOW_UPS, sent)
        staff = await staff_commands(bench, intakes)
        latencies[QUEUE], latencies[TICKET] = staff.latencies["/queue"], staff.latencies["/ticket"]
        statements[QUEUE], statements[TICKET] = (
            staff.statements["/queue"],
            staff.statements["/ticket"],
        )
        await check_workload(bench, intakes + 1, intakes + 1)
    return WorkloadRun(latencies, statements)


def _ratios(ours: list[LatencySummary], floor: list[LatencySummary]) -> list[float]:
    """Run-by-run rate ratios."""
    return [o.rate / f.rate for o, f in zip(ours, floor, strict=True)]


def _basic_rows(name: str, runs: list[LatencySummary]) -> list[Line]:
    """Rate, p50 and p99."""
    return [
        figure(f"{name}: rate", [r.rate for r in runs], "updates/s", 0),
        figure(f"{name}: p50", [r.p50_ms for r in runs], "ms", 2),
        figure(f"{name}: p99", [r.p99_ms for r in runs], "ms", 2),
    ]


def _database_rows(label: str, runs: DatabaseRuns, echo: list[LatencySummary]) -> list[Line]:
    """A database's durable floor, its inbox-path workloads and its handler-only intakes."""
    lines: list[Line] = [Heading(f"{label}: durable floor (one committed row, then the answer)")]
    lines.extend(_basic_rows("durable floor", runs.floor))
    lines.append(
        figure("durable floor: × echo rate, run by run", _ratios(runs.floor, echo), "ratio", 3)
    )
    lines.append(
        Heading(
            f"{label}: madoguchi on long polling's path (handled as fetched, or stored and "
            "taken from the inbox; then answered)"
        )
    )
    for name in WORKLOADS:
        ours = runs.inbox[name]
        lines.extend(_basic_rows(name, ours))
        if name == INTAKES:
            lines.append(
                figure(
                    f"{name}: p99 / p50",
                    [r.p99_ms / r.p50_ms for r in ours],
                    "ratio",
                    2,
                    at_most=TAIL_TARGET,
                )
            )
        lines.append(
            figure(
                f"{name}: × durable floor, run by run",
                _ratios(ours, runs.floor),
                "ratio",
                3,
                at_least=FLOOR_RATIO_TARGETS[name],
            )
        )
    lines.append(
        figure(
            f"{INTAKES}: × echo rate, run by run", _ratios(runs.inbox[INTAKES], echo), "ratio", 3
        )
    )
    lines.append(
        figure(
            f"{COLD_INTAKE}: mean step",
            [1000 / r.rate for r in runs.cold],
            "ms",
            2,
        )
    )
    lines.append(
        Heading(
            f"{label}: floors that make as many statements as each workload (the durable floor's "
            "row, then reads of it by its key, in one transaction); for reference, no targets"
        )
    )
    for name in WORKLOADS:
        lines.append(figure(f"{name}: statements per update", runs.statements[name], "stmts", 1))
        lines.append(
            figure(
                f"{name}: that floor × durable floor",
                _ratios(runs.matched_floor[name], runs.floor),
                "ratio",
                3,
            )
        )
        lines.append(
            figure(
                f"{name}: × floor of as many statements",
                _ratios(runs.inbox[name], runs.matched_floor[name]),
                "ratio",
                3,
            )
        )
    lines.append(Heading(f"{label}: the same intake steps handed to the handlers directly"))
    lines.extend(_basic_rows(f"{INTAKES}, handler only", runs.handler_only))
    lines.append(
        figure(
            f"{INTAKES}, handler only: × durable floor",
            _ratios(runs.handler_only, runs.floor),
            "ratio",
            3,
        )
    )
    return lines


async def throughput_section(
    intakes: int, runs: int, databases: Sequence[BenchDatabases]
) -> list[Line]:
    """Runs the floors and the workloads on every database `runs` times; the table's rows."""
    catalogs = Catalogs()
    results = {
        db.label: DatabaseRuns([], {name: [] for name in WORKLOADS}, [], []) for db in databases
    }
    echo: list[LatencySummary] = []
    floor_updates = intakes * len(INTAKE)
    for _ in range(runs):
        # The floors' first updates are untimed too, as many as madoguchi's first intake.
        echo.append(LatencySummary.of(await echo_run(floor_updates, len(INTAKE))))
        for db in databases:
            result = results[db.label]
            result.floor.append(
                LatencySummary.of(await durable_run(await db.fresh(), floor_updates, len(INTAKE)))
            )
            ours = await madoguchi_run(await db.fresh(), intakes, catalogs, through_inbox=True)
            for name in WORKLOADS:
                result.inbox[name].append(LatencySummary.of(ours.latencies[name]))
                result.statements.setdefault(name, []).append(ours.statements[name])
                matched = await durable_run(
                    await db.fresh(),
                    floor_updates,
                    len(INTAKE),
                    statements=ours.statements[name],
                )
                result.matched_floor.setdefault(name, []).append(LatencySummary.of(matched))
            direct = await madoguchi_run(await db.fresh(), intakes, catalogs, through_inbox=False)
            result.handler_only.append(LatencySummary.of(direct.latencies[INTAKES]))
            result.cold.append(LatencySummary.of(ours.latencies[COLD_INTAKE]))
    lines: list[Line] = [
        Heading(
            f"Update throughput, {run_count(runs)}: real Application, handlers and database "
            f"(encryption on), Telegram replaced at PTB's transport; per run {intakes} "
            f"complete intakes ({len(INTAKE)} updates each), then {intakes} follow-ups, "
            f"{intakes} /queue and {intakes} /ticket in the staff group; every ratio pairs "
            "figures of the same run"
        ),
        Heading(f"floor: bare PTB echo bot, same transport, {floor_updates} updates per run"),
        *_basic_rows("echo", echo),
    ]
    for db in databases:
        lines.extend(_database_rows(db.label, results[db.label], echo))
    return lines
