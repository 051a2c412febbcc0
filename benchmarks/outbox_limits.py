"""The outbox relay at Telegram's limits: the real Application (HTTP, AIORateLimiter) against
tests.fake_telegram.FakeTelegram(enforce_limits=True), which answers 429 past 1/s per private
chat, 20/min per group and 30/s overall."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.bench_app import bench_app
from benchmarks.databases import BenchDatabases
from benchmarks.report import Heading, Line, figure, run_count
from bot.outbox.queue import enqueue
from bot.screens import Screen
from bot.services import Services
from storage.outbox import outbox_backlog
from tests.fake_telegram import SENDS, FakeTelegram

BOT_TOKEN = "123456:BENCHMARK"
FIRST_CHAT_ID = 100_000
GROUP_CHAT_ID = -1002000000002
# A regression row, not a target: the limiter paces a steady 28 a second (bot/channels/telegram/
# app.py), so the relay must keep that pace without a single 429.
CHATS_PER_SECOND_FLOOR = 28.0
GROUP_PER_MINUTE_LIMIT = 20.0
# Pause between relay runs that delivered nothing (a chat or group still inside its interval).
IDLE_PAUSE = 0.05


@dataclass(frozen=True)
class OutboxRun:
    """What the fake Telegram saw while the relay emptied the outbox."""

    delivered: int
    seconds: float  # from the first relay run until nothing waited
    span: float  # from the first to the last send Telegram accepted
    too_many_requests: int

    @property
    def per_second(self) -> float:
        """Sends accepted per second, first to last (n sends make n - 1 intervals)."""
        return (self.delivered - 1) / self.span if self.delivered > 1 and self.span > 0 else 0.0


async def _waiting(services: Services) -> int:
    """Outbox messages not yet delivered."""
    async with services.db() as session:
        return (await outbox_backlog(session))[0]


async def relay_all(url: str, messages: Sequence[tuple[int, str]], time_limit: float) -> OutboxRun:
    """Writes messages to the outbox, then relays until none waits, against a fresh limited fake."""
    fake = FakeTelegram(enforce_limits=True).start()
    try:
        async with bench_app(
            url,
            local=False,
            rate_limit=True,
            updater=False,
            bot_token=BOT_TOKEN,
            bot_api_url=fake.api_url,
            outbox_chat_interval_seconds=1.0,
        ) as bench:
            services = bench.services
            async with services.db.begin() as session:
                for chat_id, text in messages:
                    await enqueue(session, chat_id, "benchmark", Screen(text), services.clock())
            started = time.monotonic()
            while await _waiting(services) and time.monotonic() - started < time_limit:
                if not await services.relay.deliver_due():
                    await asyncio.sleep(IDLE_PAUSE)
            seconds = time.monotonic() - started
    finally:
        fake.stop()
    accepted = sorted(
        call["at"] for call in fake.calls if call["method"] in SENDS and call["status"] == 200
    )
    span = accepted[-1] - accepted[0] if accepted else 0.0
    return OutboxRun(len(accepted), seconds, span, fake.too_many_requests)


async def chat_burst(url: str, chats: int) -> OutboxRun:
    """One message to each of `chats` private chats."""
    messages = [(FIRST_CHAT_ID + n, f"receipt {n}") for n in range(chats)]
    return await relay_all(url, messages, time_limit=30 + chats / 10)


async def group_run(url: str, count: int) -> OutboxRun:
    """`count` messages to one group chat."""
    messages = [(GROUP_CHAT_ID, f"group message {n}") for n in range(count)]
    return await relay_all(url, messages, time_limit=30 + count * 4)


async def group_runs(databases: BenchDatabases, count: int, runs: int) -> list[OutboxRun]:
    """`runs` group runs side by side, each with its own application, fake and database."""
    urls = [await databases.fresh() for _ in range(runs)]
    return list(await asyncio.gather(*(group_run(url, count) for url in urls)))


async def chat_bursts(databases: BenchDatabases, chats: int, runs: int) -> list[OutboxRun]:
    """`runs` chat bursts, one after another."""
    return [await chat_burst(await databases.fresh(), chats) for _ in range(runs)]


def outbox_rows(
    chats: int, bursts: list[OutboxRun], group_messages: int, groups: list[OutboxRun]
) -> list[Line]:
    """Rows for the table."""
    return [
        Heading(
            f"Outbox at Telegram's limits, {run_count(len(bursts))}: real Application over "
            "HTTP with AIORateLimiter and the relay, against FakeTelegram(enforce_limits=True); "
            "rates from the fake's clock, first to last accepted send; regression rows: the "
            "limiter's steady 28 a second with no 429"
        ),
        figure(
            f"{chats:,} distinct chats: sends per second",
            [r.per_second for r in bursts],
            "msg/s",
            1,
            at_least=CHATS_PER_SECOND_FLOOR,
            note=f"all sent in {min(r.seconds for r in bursts):.1f}–"
            f"{max(r.seconds for r in bursts):.1f} s",
        ),
        figure(
            f"{chats:,} distinct chats: 429 answers",
            [r.too_many_requests for r in bursts],
            "429s",
            0,
            at_most=0,
            target="0",
        ),
        figure(
            f"{chats:,} distinct chats: delivered",
            [r.delivered for r in bursts],
            "msgs",
            0,
            at_least=chats,
        ),
        Heading(
            f"{group_messages} messages to one group chat, {run_count(len(groups))} side by "
            "side (each its own application, fake and database); Telegram allows 20 a minute"
        ),
        figure(
            "one group: sends per minute",
            [r.per_second * 60 for r in groups],
            "msg/min",
            1,
            at_most=GROUP_PER_MINUTE_LIMIT,
        ),
        figure(
            "one group: 429 answers",
            [r.too_many_requests for r in groups],
            "429s",
            0,
            at_most=0,
            target="0",
        ),
        figure(
            "one group: delivered",
            [r.delivered for r in groups],
            "msgs",
            0,
            at_least=group_messages,
        ),
    ]
