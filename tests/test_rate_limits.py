"""The outbox relay against a fake Bot API that enforces Telegram's limits (real HTTP, real clock).

Figures are printed (-s shows them); the assertions are the limits themselves.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.channels.telegram.app import build_application
from bot.channels.telegram.context import SERVICES_KEY
from bot.outbox import queue
from bot.screens import Screen
from bot.services import Services
from storage.db import create_engine, create_sessionmaker
from storage.outbox import outbox_backlog, outbox_messages
from tests.fake_telegram import FakeTelegram
from tests.fakes import settings_for_test

# Long fault, rate and process tests: `python3 dev.py test -m "not slow"` leaves them out.
pytestmark = pytest.mark.slow

BURST = 1000


@pytest.fixture
async def limited() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API that answers 429 to anything over Telegram's limits."""
    fake = FakeTelegram(enforce_limits=True, retry_after=3).start()
    yield fake
    fake.stop()


@pytest.fixture
async def app(database_url: str, limited: FakeTelegram) -> AsyncIterator[Application]:
    """The real Application with the rate limiter, talking HTTP to the fake."""
    settings = settings_for_test(
        database_url,
        bot_token="123456:LIMITS",
        bot_api_url=limited.api_url,
        outbox_chat_interval_seconds=1.0,
    )
    engine = create_engine(database_url, settings.keyring())
    application = build_application(settings, create_sessionmaker(engine), updater=False)
    await application.initialize()
    yield application
    await application.shutdown()
    await engine.dispose()


async def enqueue(services: Services, messages: list[tuple[int, str]]) -> None:
    """Writes messages to the outbox in one transaction."""
    async with services.db.begin() as session:
        for chat, text in messages:
            await queue.enqueue(session, chat, "test", Screen(text), services.clock())


async def relay_until(app: Application, done, limit_seconds: float) -> float:
    """Runs the relay until `done()` holds; returns the seconds it took."""
    services: Services = app.bot_data[SERVICES_KEY]
    started = time.monotonic()
    while not await done() and time.monotonic() - started < limit_seconds:
        await services.relay.deliver_due()
    return time.monotonic() - started


def sending_span(fake: FakeTelegram, chats: list[int], since: int) -> float:
    """Seconds, by the fake's own clock, from the first to the last message it accepted for
    these chats among its calls from `since` on: the time spent sending, not waiting to start."""
    wanted = {str(chat) for chat in chats}
    times = [
        call["at"]
        for call in fake.calls[since:]
        if call["method"] == "sendMessage"
        and call["status"] == 200
        and call["params"].get("chat_id") in wanted
    ]
    return max(times[-1] - times[0], 1e-3)


async def waiting(services: Services) -> int:
    """Outbox messages not yet delivered."""
    async with services.db() as session:
        return (await outbox_backlog(session))[0]


async def test_a_burst_to_a_thousand_residents_causes_no_429(
    app: Application,
    limited: FakeTelegram,
) -> None:
    """One message to each of 1,000 chats: close to 30 a second and not a single 429."""
    services: Services = app.bot_data[SERVICES_KEY]
    await enqueue(services, [(100_000 + n, f"receipt {n}") for n in range(BURST)])
    seconds = await relay_until(app, lambda: _none_waiting(services), 120)
    rate = BURST / seconds
    print(
        f"\nburst: {BURST} chats in {seconds:.1f} s = {rate:.1f} messages/s, "
        f"429 answers {limited.too_many_requests}"
    )
    assert await waiting(services) == 0
    assert limited.too_many_requests == 0
    assert rate <= 31, "faster than Telegram allows overall"


async def _none_waiting(services: Services) -> bool:
    """Whether the outbox is empty of undelivered messages."""
    return await waiting(services) == 0


async def test_a_429_storm_on_one_chat_leaves_the_others_flowing(
    app: Application,
    limited: FakeTelegram,
) -> None:
    """One chat answered only with 429: it waits; the other chats keep at least half their pace."""
    services: Services = app.bot_data[SERVICES_KEY]
    others = [200_000 + n for n in range(20)]

    async def others_done() -> bool:
        sent = sum(len(limited.texts(chat)) for chat in others)
        return sent == len(others) * 5 * (rounds + 1)

    rounds = 0
    await enqueue(services, [(chat, f"calm {n}") for n in range(5) for chat in others])
    await relay_until(app, others_done, 60)
    calm = sending_span(limited, others, since=0)
    rounds = 1
    stormy_from = len(limited.calls)
    storm_chat = 299_999
    limited.storm_chats.add(storm_chat)
    before = limited.too_many_requests
    await enqueue(
        services, [(chat, f"storm {n}") for n in range(5) for chat in [storm_chat, *others]]
    )
    await relay_until(app, others_done, 60)
    stormy = sending_span(limited, others, since=stormy_from)
    ratio = calm / stormy
    print(
        f"\n429 storm: other chats' throughput {100 / stormy:.1f}/s vs {100 / calm:.1f}/s "
        f"without the storm (ratio {ratio:.2f}); 429 answers to the storm chat "
        f"{limited.too_many_requests - before}"
    )
    assert await others_done()
    assert limited.texts(storm_chat) == []
    assert ratio >= 0.5
    async with services.db() as session:
        stuck = [m for m in await outbox_messages(session) if m.chat_id == storm_chat]
    assert stuck and all(m.status == "pending" and m.attempts <= 1 for m in stuck), (
        "the storm chat waits without using up its attempts"
    )
