"""The production path of an update: stored in the inbox, claimed by the inbox worker, handled
and answered — as long polling does it (bot/channels/telegram/polling.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.channels.telegram.context import LANES_KEY
from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.local_user import LocalUser
from bot.channels.telegram.polling import UpdateFetcher


class InboxUser(LocalUser):
    """A LocalUser whose updates go through the inbox instead of straight to the handlers."""

    def __init__(self, *args: Any, fetcher: UpdateFetcher, worker: InboxWorker, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._fetcher = fetcher
        self._worker = worker

    async def deliver(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Stores the update, lets the worker claim and handle it, and waits for the answers."""
        self.last_update = payload
        if not await self._fetcher.store([Update.de_json(payload, self.app.bot)]):
            raise RuntimeError("the benchmark database did not store an update")
        handled = await self._worker.handle_due()
        if handled != 1:
            raise RuntimeError(f"the inbox worker handled {handled} updates instead of 1")
        await self.app.bot_data[LANES_KEY].drain()
        return payload
