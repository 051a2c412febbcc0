"""The outbox: messages written in the caller's transaction and delivered by a relay with retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.screens import Screen, split_text
from storage import repositories as repo

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 1800


async def enqueue(
    session: AsyncSession, chat_id: int, kind: str, screen: Screen, now: datetime,
    ticket_id: int | None = None,
) -> None:
    """Writes a screen to the outbox, split into parts under Telegram's text limit."""
    parts = [part for part in split_text(screen.text) if part.strip()]
    markup = _markup(screen)
    for number, part in enumerate(parts, start=1):
        await repo.add_outbox_message(
            session, chat_id, kind, part, now, ticket_id=ticket_id,
            reply_markup=markup if number == len(parts) else None,
        )


def _markup(screen: Screen) -> dict[str, Any] | None:
    """Returns a screen's buttons as Telegram's inline keyboard JSON."""
    if not screen.rows:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in screen.rows
        ]
    }


def backoff_seconds(attempts: int) -> int:
    """Returns how long to wait before trying again after a number of failed attempts."""
    return min(2 ** max(attempts, 1), MAX_BACKOFF_SECONDS)


class OutboxRelay:
    """Delivers due outbox messages in order per chat, retrying what Telegram did not take."""

    def __init__(
        self, db: async_sessionmaker[AsyncSession], clock: Callable[[], datetime],
        max_attempts: int, batch_size: int = 50, max_per_run: int = 500,
    ) -> None:
        self._db = db
        self._clock = clock
        self._max_attempts = max_attempts
        self._batch_size = batch_size
        self._max_per_run = max_per_run
        self._lock = asyncio.Lock()

    async def deliver_due(self, bot: Bot) -> int:
        """Sends every message that is due now and returns how many were delivered."""
        async with self._lock:
            delivered = 0
            failed_chats: set[int] = set()
            # Round by round, the head of every chat's queue: chats take turns.
            while delivered < self._max_per_run:
                async with self._db() as session:
                    heads = await repo.outbox_heads(
                        session, self._clock(), self._batch_size, failed_chats
                    )
                if not heads:
                    break
                for message in heads:
                    if await self._deliver(bot, message):
                        delivered += 1
                    else:
                        failed_chats.add(message.chat_id)
            return delivered

    async def _deliver(self, bot: Bot, message: repo.OutboxDTO) -> bool:
        """Claims, sends and records one message; returns whether it was delivered."""
        now = self._clock()
        async with self._db.begin() as session:
            if not await repo.claim_outbox_message(session, message.id, now, now + LEASE):
                return False
        attempts = message.attempts + 1
        try:
            sent = await bot.send_message(
                chat_id=message.chat_id,
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=InlineKeyboardMarkup.de_json(message.reply_markup, bot)
                if message.reply_markup else None,
                disable_web_page_preview=True,
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            # Telegram asked us to slow down: that is not a failed attempt.
            await self._finish(message.id, "pending", error=f"RetryAfter {seconds:.0f}s",
                               attempts=message.attempts,
                               retry_at=self._clock() + timedelta(seconds=seconds))
            return False
        except Forbidden as exc:
            await self._finish(message.id, "failed", error=f"Forbidden: {exc.message}")
            return False
        except BadRequest as exc:
            await self._finish(message.id, "failed", error=f"BadRequest: {exc.message}")
            return False
        except (NetworkError, TelegramError) as exc:
            await self._retry(message.id, attempts, f"{type(exc).__name__}: {exc.message}",
                              backoff_seconds(attempts))
            return False
        await self._finish(message.id, "sent", telegram_message_id=sent.message_id)
        return True

    async def _retry(self, message_id: int, attempts: int, error: str, seconds: float) -> None:
        """Schedules another attempt, or gives up after the last allowed one."""
        if attempts >= self._max_attempts:
            log.error("outbox message %s failed after %s attempts: %s", message_id, attempts, error)
            await self._finish(message_id, "failed", error=error)
            return
        log.warning("outbox message %s not delivered (%s); retrying in %.0fs",
                    message_id, error, seconds)
        await self._finish(message_id, "pending", error=error,
                           retry_at=self._clock() + timedelta(seconds=seconds))

    async def _finish(self, message_id: int, status: str, **fields: Any) -> None:
        """Records the result of an attempt in its own transaction."""
        async with self._db.begin() as session:
            await repo.finish_outbox_message(session, message_id, status, self._clock(), **fields)
