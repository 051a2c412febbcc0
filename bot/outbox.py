"""The outbox: messages written in the caller's transaction and delivered by a relay with retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, ForceReply, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.screens import Screen, split_text
from storage import repositories as repo
from storage.repositories import OutboxDTO

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 1800


async def enqueue(
    session: AsyncSession, chat_id: int, kind: str, screen: Screen, now: datetime,
    ticket_id: int | None = None, meta: dict[str, Any] | None = None,
) -> None:
    """Writes a screen to the outbox, split into parts under Telegram's text limit."""
    parts = [part for part in split_text(screen.text) if part.strip()] or [screen.text]
    markup = markup_json(screen)
    for number, part in enumerate(parts, start=1):
        part_meta = dict(meta or {})
        if len(parts) > 1:
            # Only the last part stands for the whole message in what follows its delivery.
            part_meta.update(part=number, parts=len(parts))
        await repo.add_outbox_message(
            session, chat_id, kind, part, now, ticket_id=ticket_id,
            reply_markup=markup if number == len(parts) else None, meta=part_meta,
        )


def is_last_part(message: OutboxDTO) -> bool:
    """Whether an outbox row is the whole message or its last part."""
    return message.meta.get("part", 1) == message.meta.get("parts", 1)


def markup_json(screen: Screen) -> dict[str, Any] | None:
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


@dataclass(frozen=True)
class Prepared:
    """What to do with an outbox row right now: send a message, or edit one."""

    text: str
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_message_id: int | None = None
    force_reply: bool = False
    photo: bytes | None = None


class DeliveryHooks(Protocol):
    """What the domain does around a delivery: render at send time, react to the outcome."""

    async def prepare(self, session: AsyncSession, message: OutboxDTO) -> Prepared | None:
        """Returns what to send, or None when there is nothing to send any more."""
        ...

    async def delivered(self, session: AsyncSession, message: OutboxDTO,
                        telegram_message_id: int | None) -> None:
        """Reacts to a delivered message."""
        ...

    async def failed(self, session: AsyncSession, message: OutboxDTO, error: str,
                     forbidden: bool) -> None:
        """Reacts to a message that will not be delivered."""
        ...


class PlainHooks:
    """Sends each row as it was written and does nothing after."""

    async def prepare(self, session: AsyncSession, message: OutboxDTO) -> Prepared | None:
        """Sends the row's own text and buttons."""
        return Prepared(message.text, message.reply_markup)

    async def delivered(self, session: AsyncSession, message: OutboxDTO,
                        telegram_message_id: int | None) -> None:
        """Nothing to do."""

    async def failed(self, session: AsyncSession, message: OutboxDTO, error: str,
                     forbidden: bool) -> None:
        """Nothing to do."""


class OutboxRelay:
    """Delivers due outbox messages in order per chat, retrying what Telegram did not take."""

    def __init__(
        self, db: async_sessionmaker[AsyncSession], clock: Callable[[], datetime],
        max_attempts: int, hooks: DeliveryHooks | None = None, batch_size: int = 50,
        max_per_run: int = 500,
    ) -> None:
        self._db = db
        self._clock = clock
        self._max_attempts = max_attempts
        self._hooks: DeliveryHooks = hooks or PlainHooks()
        self._batch_size = batch_size
        self._max_per_run = max_per_run
        self._lock = asyncio.Lock()

    def use_hooks(self, hooks: DeliveryHooks) -> None:
        """Sets the domain's delivery hooks (wired once, when the application is built)."""
        self._hooks = hooks

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

    async def _deliver(self, bot: Bot, message: OutboxDTO) -> bool:
        """Claims, sends and records one message; returns whether it was delivered."""
        now = self._clock()
        async with self._db.begin() as session:
            if not await repo.claim_outbox_message(session, message.id, now, now + LEASE):
                return False
        async with self._db() as session:
            prepared = await self._hooks.prepare(session, message)
        if prepared is None:
            await self._finish(message, "sent", telegram_message_id=None)
            return True
        attempts = message.attempts + 1
        try:
            sent_id = await self._send(bot, message, prepared)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            # Telegram asked us to slow down: that is not a failed attempt.
            await self._finish(message, "pending", error=f"RetryAfter {seconds:.0f}s",
                               attempts=message.attempts,
                               retry_at=self._clock() + timedelta(seconds=seconds))
            return False
        except Forbidden as exc:
            await self._give_up(message, f"Forbidden: {exc.message}", forbidden=True)
            return False
        except BadRequest as exc:
            if prepared.edit_message_id and "not modified" in exc.message:
                await self._finish(message, "sent", telegram_message_id=prepared.edit_message_id)
                return True
            await self._give_up(message, f"BadRequest: {exc.message}", forbidden=False)
            return False
        except (NetworkError, TelegramError) as exc:
            await self._retry(message, attempts, f"{type(exc).__name__}: {exc.message}",
                              backoff_seconds(attempts))
            return False
        await self._finish(message, "sent", telegram_message_id=sent_id)
        return True

    async def _send(self, bot: Bot, message: OutboxDTO, prepared: Prepared) -> int:
        """Sends or edits the message and returns its Telegram message id."""
        markup: InlineKeyboardMarkup | ForceReply | None = None
        if prepared.force_reply:
            markup = ForceReply(selective=False)
        elif prepared.reply_markup:
            markup = InlineKeyboardMarkup.de_json(prepared.reply_markup, bot)
        if prepared.photo is not None:
            sent = await bot.send_photo(chat_id=message.chat_id, photo=prepared.photo,
                                        caption=prepared.text, parse_mode=ParseMode.HTML)
            return sent.message_id
        if prepared.edit_message_id is not None:
            result = await bot.edit_message_text(
                chat_id=message.chat_id, message_id=prepared.edit_message_id,
                text=prepared.text, parse_mode=ParseMode.HTML, reply_markup=markup,
                disable_web_page_preview=True,
            )
            return result.message_id if isinstance(result, Message) else prepared.edit_message_id
        reply = (ReplyParameters(prepared.reply_to_message_id, allow_sending_without_reply=True)
                 if prepared.reply_to_message_id else None)
        sent = await bot.send_message(
            chat_id=message.chat_id, text=prepared.text, parse_mode=ParseMode.HTML,
            reply_markup=markup, reply_parameters=reply, disable_web_page_preview=True,
        )
        return sent.message_id

    async def _retry(self, message: OutboxDTO, attempts: int, error: str, seconds: float) -> None:
        """Schedules another attempt, or gives up after the last allowed one."""
        if attempts >= self._max_attempts:
            log.error("outbox message %s failed after %s attempts: %s", message.id, attempts, error)
            await self._give_up(message, error, forbidden=False)
            return
        log.warning("outbox message %s not delivered (%s); retrying in %.0fs",
                    message.id, error, seconds)
        await self._finish(message, "pending", error=error,
                           retry_at=self._clock() + timedelta(seconds=seconds))

    async def _give_up(self, message: OutboxDTO, error: str, forbidden: bool) -> None:
        """Marks a message failed for good and lets the domain react, in one transaction."""
        async with self._db.begin() as session:
            await repo.finish_outbox_message(session, message.id, "failed", self._clock(),
                                             error=error)
            await self._hooks.failed(session, message, error, forbidden)

    async def _finish(self, message: OutboxDTO, status: str, **fields: Any) -> None:
        """Records the result of an attempt, and lets the domain react to a delivery."""
        async with self._db.begin() as session:
            await repo.finish_outbox_message(session, message.id, status, self._clock(), **fields)
            if status == "sent":
                await self._hooks.delivered(session, message, fields.get("telegram_message_id"))
