"""Update throughput and latency through the real Application, against a bare PTB echo bot."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from benchmarks.bench_app import BenchApp, bench_app
from benchmarks.databases import BenchDatabases
from benchmarks.lean_api import LeanBotApi
from benchmarks.report import Heading, Line, figure, run_count
from benchmarks.residents import INTAKE, follow_up, play
from benchmarks.staff_load import staff_commands
from bot.channels.telegram.local_user import LocalUser
from bot.i18n import Catalogs

INTAKES = "intake steps"
FOLLOW_UPS = "follow-up relays"
QUEUE = "staff /queue"
TICKET = "staff /ticket"
WORKLOADS = (INTAKES, FOLLOW_UPS, QUEUE, TICKET)
# The floor for complete intakes, as a share of the bare echo bot's rate.
INTAKE_RATIO_TARGET = 0.25


@dataclass(frozen=True)
class LatencySummary:
    """Serial updates per second and per-update latency percentiles of one run."""

    rate: float
    p50_ms: float
    p99_ms: float

    @classmethod
    def of(cls, latencies: Sequence[float]) -> LatencySummary:
        """Summarizes per-update seconds."""
        ordered = sorted(latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return cls(len(ordered) / sum(ordered), statistics.median(ordered) * 1000, p99 * 1000)


async def check_workload(bench: BenchApp, intakes: int) -> None:
    """Fails loudly if the scripts no longer do what the rows say (the forms changed)."""
    tickets = await bench.count("SELECT count(*) FROM tickets")
    follow_ups = await bench.count(
        "SELECT count(*) FROM ticket_events WHERE kind = 'resident_message'"
    )
    if tickets != intakes or follow_ups != intakes:
        raise RuntimeError(
            f"expected {intakes} tickets and follow-ups, found {tickets} tickets "
            f"and {follow_ups} follow-ups: benchmarks/residents.py needs updating"
        )


async def madoguchi_run(url: str, intakes: int, catalogs: Catalogs) -> dict[str, list[float]]:
    """Per-update seconds of each workload (intakes, follow-ups, staff) on one empty database."""
    latencies: dict[str, list[float]] = {name: [] for name in WORKLOADS}
    async with bench_app(url, catalogs=catalogs) as bench:
        residents = [bench.user(10_000 + n) for n in range(intakes)]
        for resident in residents:
            await play(resident, INTAKE, latencies[INTAKES])
        for resident in residents:
            await follow_up(resident, latencies[FOLLOW_UPS])
        staff = await staff_commands(bench, intakes)
        latencies[QUEUE], latencies[TICKET] = staff["/queue"], staff["/ticket"]
        await check_workload(bench, intakes)
    return latencies


async def echo_run(updates: int) -> list[float]:
    """Per-update seconds of a bare PTB bot that echoes text, on the same local transport."""
    api = LeanBotApi()
    app = Application.builder().token("0:echo").request(api).get_updates_request(api).build()

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Sends the text back."""
        await update.effective_message.reply_text(update.effective_message.text)

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answers a button press."""
        await update.callback_query.answer()

    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    latencies: list[float] = []
    async with app:
        user = LocalUser(app, api, 42, "en")
        for i in range(updates):
            started = time.perf_counter()
            await user.send(f"echo {i}")
            latencies.append(time.perf_counter() - started)
    return latencies


def _workload_rows(name: str, runs: list[LatencySummary], echo: list[LatencySummary]) -> list[Line]:
    """Rate, p50, p99 and the ratio to the echo bot of the same run."""
    ratios = [ours.rate / floor.rate for ours, floor in zip(runs, echo, strict=False)]
    target = INTAKE_RATIO_TARGET if name == INTAKES else None
    return [
        figure(f"{name}: rate", [r.rate for r in runs], "updates/s", 0),
        figure(f"{name}: p50", [r.p50_ms for r in runs], "ms", 2),
        figure(f"{name}: p99", [r.p99_ms for r in runs], "ms", 2),
        figure(f"{name}: × echo rate, run by run", ratios, "ratio", 3, at_least=target),
    ]


async def throughput_section(
    intakes: int, runs: int, databases: Sequence[BenchDatabases]
) -> list[Line]:
    """Runs the workloads on every database and the echo floor `runs` times; the table's rows."""
    # Each ratio pairs one run with the echo run made right after it.
    catalogs = Catalogs()
    ours: dict[str, dict[str, list[LatencySummary]]] = {
        db.label: {name: [] for name in WORKLOADS} for db in databases
    }
    echo: list[LatencySummary] = []
    echo_updates = intakes * len(INTAKE)
    for _ in range(runs):
        for db in databases:
            latencies = await madoguchi_run(await db.fresh(), intakes, catalogs)
            for name in WORKLOADS:
                ours[db.label][name].append(LatencySummary.of(latencies[name]))
        echo.append(LatencySummary.of(await echo_run(echo_updates)))
    lines: list[Line] = [
        Heading(
            f"Update throughput, {run_count(runs)}: real Application, handlers and database "
            f"(encryption on), Telegram replaced at PTB's transport; per run {intakes} "
            f"complete intakes ({len(INTAKE)} updates each), then {intakes} follow-ups, "
            f"{intakes} /queue and {intakes} /ticket in the staff group"
        ),
        Heading(f"floor: bare PTB echo bot, same transport, {echo_updates} updates per run"),
        figure("echo: rate", [e.rate for e in echo], "updates/s", 0),
        figure("echo: p50", [e.p50_ms for e in echo], "ms", 2),
        figure("echo: p99", [e.p99_ms for e in echo], "ms", 2),
    ]
    for db in databases:
        lines.append(Heading(f"madoguchi on {db.label}"))
        for name in WORKLOADS:
            lines.extend(_workload_rows(name, ours[db.label][name], echo))
    return lines
