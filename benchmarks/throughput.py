"""Update throughput through the real Application against a bare PTB echo bot, same transport."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.app import build_application
from bot.i18n import Catalogs
from bot.local_api import LocalBotApi
from bot.local_user import LocalUser
from bot.settings import EXAMPLE_PROFILE, Settings
from storage import migrate
from storage.crypto import Keyring
from storage.db import create_engine, create_sessionmaker

# A complete food-support intake, as typed and pressed by a resident (see tests/scripts.py).
INTAKE = ["/start", "2", "1", "2", "1", "1", "Skip", "3", "1", "1", "22", "Send"]


async def _timed(user: LocalUser, lines: list[str], latencies: list[float]) -> None:
    """Plays lines as a user, timing each update through the Application."""
    for line in lines:
        keyboard = user.last_keyboard_message()
        buttons = dict((label.split(". ", 1)[0], data) for label, data in user.buttons(keyboard)) if keyboard else {}
        started = time.perf_counter()
        if line in buttons:
            await user.press(keyboard, buttons[line])
        else:
            await user.send(line)
        latencies.append(time.perf_counter() - started)


async def madoguchi_run(residents: int, folder: Path) -> list[float]:
    """Per-update latencies of complete intakes through the real Application on SQLite (WAL)."""
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    settings = Settings(_env_file=None, database_url=url, staff_chat_id=-1,
                        office_profile=EXAMPLE_PROFILE, encryption_key=Keyring.new_key_spec("b1"))
    engine = create_engine(url, settings.keyring())
    api = LocalBotApi()
    app = build_application(settings, create_sessionmaker(engine), api, catalogs=Catalogs(),
                            rate_limit=False)
    latencies: list[float] = []
    update_ids = itertools.count(1)
    async with app:
        for n in range(residents):
            user = LocalUser(app, api, 10_000 + n, "en", update_ids)
            await _timed(user, INTAKE, latencies)
    await engine.dispose()
    return latencies


async def echo_run(updates: int) -> list[float]:
    """Per-update latencies of a bare PTB bot that echoes text, on the same local transport."""
    api = LocalBotApi()
    app = Application.builder().token("0:echo").request(api).get_updates_request(api).build()

    async def echo(update: Update, _context) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    async def answer(update: Update, _context) -> None:
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


def summary(latencies: list[float]) -> tuple[float, float, float]:
    """(updates per second, p50 ms, p99 ms)."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(latencies) / sum(latencies), statistics.median(ordered) * 1000, p99 * 1000


async def throughput_table(residents: int, repeat: int) -> str:
    """Runs both sides `repeat` times and prints medians and the ratio, pair by pair."""
    rows = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            ours = summary(await madoguchi_run(residents, Path(folder)))
        echo = summary(await echo_run(residents * len(INTAKE)))
        rows.append((ours, echo, ours[0] / echo[0]))
    ratios = [r for _, _, r in rows]
    ours_rate = statistics.median(o[0] for o, _, _ in rows)
    echo_rate = statistics.median(e[0] for _, e, _ in rows)
    lines = [
        f"\nUpdate throughput ({residents} complete intakes of {len(INTAKE)} updates, {repeat} runs; "
        "SQLite file, WAL, encryption on; local Bot API at PTB's transport)",
        f"{'':34} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8}",
        f"{'madoguchi intake steps':34} {ours_rate:10.0f} {statistics.median(o[1] for o, _, _ in rows):8.2f} "
        f"{statistics.median(o[2] for o, _, _ in rows):8.2f}",
        f"{'bare PTB echo (floor)':34} {echo_rate:10.0f} {statistics.median(e[1] for _, e, _ in rows):8.2f} "
        f"{statistics.median(e[2] for _, e, _ in rows):8.2f}",
        f"ratio to the echo rate: median {statistics.median(ratios):.2f} "
        f"(runs: {', '.join(f'{r:.2f}' for r in ratios)}; target ≥ 0.25)",
    ]
    return "\n".join(lines)
