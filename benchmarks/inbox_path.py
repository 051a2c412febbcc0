"""The production path of an update with long polling (bot/channels/telegram/polling.py): handled
as it is fetched when its chat has nothing waiting, else stored in the inbox and handled by the
inbox worker; then answered."""

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
        """Hands the update to the fetcher as getUpdates would (handled at once, or stored and
        then handled by the worker) and waits for the answers."""
        self.last_update = payload
        if not await self._fetcher.take([Update.de_json(payload, self.app.bot)]):
            raise RuntimeError("the benchmark database did not take an update")
        if self._worker.woken and await self._worker.handle_due() != 1:
            raise RuntimeError("the inbox worker did not handle the stored update")
        await self.app.bot_data[LANES_KEY].drain()
        return payload
