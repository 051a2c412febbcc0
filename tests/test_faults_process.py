"""Faults around the real bot process: kill -9 mid-intake, several webhook workers.

The bot runs as `python -m bot run` against a fake Bot API on loopback that keeps every update
until a later getUpdates offset confirms it, as Telegram does. Figures are printed (-s shows
them) for the issue notes; the assertions are about what was lost or duplicated.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.process_helpers import (
    Database, bot_env, expected_household, food_script, start_bot, stop_bot, wait_for,
)

RESIDENTS = int(os.environ.get("MADOGUCHI_FAULT_RESIDENTS", "1000"))
FIRST_RESIDENT = 7_000_000


def queue_intakes(fake: FakeTelegram, residents: range) -> None:
    """Queues every resident's intake, step by step across residents (all talk at once)."""
    scripts = {r: food_script(r) for r in residents}
    for step in range(len(food_script(0))):
        for r in residents:
            fake.text_update(FIRST_RESIDENT + r, scripts[r][step])


def assert_every_intake_once(tickets: dict[int, list[dict]], residents: range) -> None:
    """Each resident has exactly one ticket, with the household their script gave."""
    missing = [r for r in residents if FIRST_RESIDENT + r not in tickets]
    doubled = [user for user, found in tickets.items() if len(found) > 1]
    assert missing == [], f"{len(missing)} completed intakes lost"
    assert doubled == [], f"{len(doubled)} residents got duplicate tickets"
    for r in residents:
        [answers] = tickets[FIRST_RESIDENT + r]
        assert (answers["adults"], answers["children"]) == expected_household(r), r


async def test_kill_9_at_random_points_loses_and_duplicates_nothing(
    database_url: str, tmp_path: Path,
) -> None:
    """Thousands of updates, the bot killed with SIGKILL again and again: every intake ends
    complete, once, with the answers each resident gave (so each resumed at the right step)."""
    fake = FakeTelegram().start()
    residents = range(RESIDENTS)
    queue_intakes(fake, residents)
    env = bot_env(fake, database_url, tmp_path)
    database = Database(database_url)
    rng = random.Random(20261127)
    kills, started = 0, time.monotonic()
    try:
        async def finished() -> bool:
            return not fake.unconfirmed() and await database.inbox_left() == 0

        while True:
            process = start_bot(env, tmp_path / "bot.log")
            if await wait_for(finished, timeout=rng.uniform(2.5, 6.0)):
                break
            process.kill()
            process.wait()
            kills += 1
        assert stop_bot(process) == 0
        tickets = await database.tickets_by_user()
        elapsed = time.monotonic() - started
        print(f"\nkill -9: {len(fake.updates)} updates, {RESIDENTS} intakes, {kills} kills, "
              f"{elapsed:.0f} s; tickets {sum(map(len, tickets.values()))}, "
              f"lost {RESIDENTS - len(tickets)}, "
              f"duplicated {sum(len(t) - 1 for t in tickets.values())}, "
              f"drafts left {await database.drafts()}")
        assert kills > 0, "the bot was never killed: the test proved nothing"
        assert_every_intake_once(tickets, residents)
        assert await database.drafts() == 0
    finally:
        await database.close()
        fake.stop()
