"""Answers to group chats, sent in order per chat by tasks of their own.

Telegram lets a bot post about twenty messages a minute into one group, and the rate limiter
holds each send to that pace. Answers to private chats are sent by the handler; answers to a
group are handed to its lane here, so the inbox worker goes on to the next resident at once
instead of waiting for the group's pace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Send = Callable[[], Awaitable[None]]
# Hands a failed send to the application's error handlers, with the update it answered.
OnError = Callable[[object, Exception], Awaitable[object]]


class ChatLanes:
    """One ordered lane of sends per chat, each lane a chain of tasks."""

    def __init__(self, on_error: OnError) -> None:
        self._on_error = on_error
        self._tails: dict[int, asyncio.Task[None]] = {}

    def submit(self, chat_id: int, send: Send, update: object = None) -> None:
        """Queues `send` after everything already queued for the chat."""
        task = asyncio.ensure_future(self._after(self._tails.get(chat_id), send, update))
        self._tails[chat_id] = task
        task.add_done_callback(lambda done: self._forget(chat_id, done))

    def waiting(self, chat_id: int) -> bool:
        """Whether anything is still queued or being sent for the chat."""
        return chat_id in self._tails

    async def drain(self, timeout: float | None = None) -> None:
        """Waits until every lane is empty (or `timeout` seconds have passed)."""
        async with asyncio.timeout(timeout):
            while self._tails:
                await asyncio.gather(*self._tails.values(), return_exceptions=True)

    def _forget(self, chat_id: int, done: asyncio.Task[None]) -> None:
        """Drops a finished lane tail (a newer tail stays)."""
        if self._tails.get(chat_id) is done:
            del self._tails[chat_id]

    async def _after(self, previous: asyncio.Task[None] | None, send: Send, update: object) -> None:
        """Runs `send` once the previous send of the chat has finished, however it ended."""
        if previous is not None:
            await asyncio.wait([previous])
        try:
            await send()
        except Exception as exc:  # noqa: BLE001 - one failed answer must not stop the lane
            # The update was committed before this send; a failure loses only this answer.
            await self._on_error(update, exc)
