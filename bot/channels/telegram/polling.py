"""Long polling that confirms an update to Telegram only once it is handled or stored."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.inbox_worker import InboxWorker, for_inbox
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.reading import keep_unreadable, read_batch, store_in_inbox
from bot.services import Services

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 10
RETRY_SECONDS = 1.0
# The only kinds of update handlers/ registers for (messages, their edits, button presses):
# Telegram is asked for nothing else, so nothing else is stored or handled.
ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY)


# Telegram's getUpdates is given this long beyond its own wait before the call counts as lost.
READ_SLACK_SECONDS = 5.0


async def fetch_updates(
    bot: Bot, offset: int | None, timeout: int, limit: int | None = None
) -> list[Any]:
    """One getUpdates call: what Telegram returned, as JSON, not yet read into Updates (PTB's
    get_updates stops at the first update it cannot read and logs all of them in full)."""
    data = {
        "offset": offset,
        "timeout": timeout,
        "limit": limit,
        "allowed_updates": list(ALLOWED_UPDATES),
    }
    # Bot._post is the step every PTB method shares before building its answer.
    received = await bot._post("getUpdates", data, read_timeout=timeout + READ_SLACK_SECONDS)
    if not isinstance(received, list):
        raise TelegramError("getUpdates did not return a list")
    return received


class UpdateFetcher:
    """Fetches updates and stores them; the next getUpdates offset confirms only stored ones."""

    def __init__(self, app: Application, worker: InboxWorker, notices: OutageNotices) -> None:
        self._app = app
        self._worker = worker
        self._notices = notices
        self._offset: int | None = None

    @property
    def _services(self) -> Services:
        """The application's services."""
        return self._app.bot_data[SERVICES_KEY]

    async def run(self, stop: asyncio.Event) -> None:
        """Polls until `stop` is set, then confirms what was stored with one last call."""
        while not stop.is_set():
            fetch = asyncio.ensure_future(self._fetch())
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if fetch not in done:
                fetch.cancel()
                break
            if not fetch.result():
                await asyncio.sleep(RETRY_SECONDS)
        await self._confirm()

    async def _fetch(self) -> bool:
        """One getUpdates call and the storing of what it returned; False to pause and retry."""
        try:
            received = await fetch_updates(self._app.bot, self._offset, POLL_TIMEOUT_SECONDS)
        except (InvalidToken, Conflict):
            raise
        except (NetworkError, TelegramError) as exc:
            log.warning("getUpdates failed (%s); trying again", type(exc).__name__)
            return False
        if not received:
            return True
        updates, unreadable, last = read_batch(received, self._app.bot)
        if unreadable and not await keep_unreadable(self._services, unreadable):
            return False
        if not updates:
            if last is not None:
                self._offset = last + 1
            return True
        return await self.take(updates, last)

    async def take(self, updates: list[Update], last: int | None = None) -> bool:
        """Hands fetched updates over and moves the offset past those that are safe (and past
        `last`, the batch's highest update id, when all are); False if the database is
        unavailable (Telegram keeps the rest)."""
        remaining = await self._worker.handle_fresh(updates) if self._worker.sole else updates
        if remaining and not await self.store(remaining):
            for update in remaining:
                await self._notices.tell(self._app.bot, update)
            self._offset = remaining[0].update_id
            return False
        self._offset = max(updates[-1].update_id, last or 0) + 1
        return True

    async def store(self, updates: list[Update]) -> bool:
        """Writes updates to the inbox in one transaction; False if the database is unavailable."""
        if not await store_in_inbox(self._services, [for_inbox(u) for u in updates]):
            return False
        self._worker.stored(updates)
        return True

    async def _confirm(self) -> None:
        """Tells Telegram which updates are stored, so they are not sent again after a restart."""
        if self._offset is None:
            return
        try:
            await fetch_updates(self._app.bot, self._offset, 0, limit=1)
        except TelegramError as exc:
            log.info(
                "could not confirm the last updates (%s); they will be redelivered and "
                "dropped as duplicates",
                type(exc).__name__,
            )
