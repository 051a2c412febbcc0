"""Sends outbox rows to LINE residents by push, within LINE's limits and the month's quota."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.line.api import MAX_MESSAGES_PER_CALL, LineApi, LineApiError
from bot.channels.line.render import screen_from_markup, screen_messages
from bot.outbox.relay import (
    Prepared,
    RecipientGone,
    Rejected,
    RetryLater,
    Sender,
    SendError,
    Unreachable,
)
from storage.line import is_line_chat, line_following, line_user_of, pushes_since

# LINE answers 429 to more than 2,000 pushes a second; the relay's pacing stays far below,
# so a 429 that is not the monthly quota only asks for a short pause.
RATE_LIMIT_PAUSE_SECONDS = 5.0
LINE_TIME = ZoneInfo("Asia/Tokyo")


def next_month_start(now: datetime) -> datetime:
    """When LINE's monthly quota starts again (the first of next month, Japan time)."""
    local = now.astimezone(LINE_TIME)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=LINE_TIME)


def month_start(now: datetime) -> datetime:
    """The start of the quota month `now` is in."""
    local = now.astimezone(LINE_TIME)
    return datetime(local.year, local.month, 1, tzinfo=LINE_TIME)


class QuotaUsedUp(RetryLater):
    """The month's push quota is used up: the message waits for next month, kept as it is."""


class LineSender:
    """The relay's sender for LINE chats: pushes a prepared message as LINE messages."""

    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        api: LineApi,
        clock: Callable[[], datetime],
        monthly_limit: int | None = None,
    ) -> None:
        self._db = db
        self._api = api
        self._clock = clock
        self._monthly_limit = monthly_limit

    async def send(self, chat_id: int, prepared: Prepared) -> int:
        """Pushes the message and returns LINE's message id (as an integer)."""
        if prepared.edit_message_id is not None:
            raise Rejected("LINE messages cannot be edited")
        now = self._clock()
        async with self._db() as session:
            user = await line_user_of(session, chat_id)
            following = await line_following(session, chat_id)
            used = (
                await pushes_since(session, month_start(now))
                if self._monthly_limit is not None
                else 0
            )
        if user is None or not following:
            raise RecipientGone("LINE user unfollowed or unknown")
        if self._monthly_limit is not None and used >= self._monthly_limit:
            raise self._quota(now, "LINE monthly limit of this council's plan")
        messages = screen_messages(screen_from_markup(prepared.text, prepared.reply_markup))
        if not messages:
            return 0
        sent = 0
        try:
            for start in range(0, len(messages), MAX_MESSAGES_PER_CALL):
                sent = await self._api.push(user, messages[start : start + MAX_MESSAGES_PER_CALL])
        except LineApiError as exc:
            raise self._named(exc, now) from None
        return sent

    def _quota(self, now: datetime, reason: str) -> QuotaUsedUp:
        """A quota refusal: wait until the month turns (not a failed attempt, no retry loop)."""
        return QuotaUsedUp(reason, (next_month_start(now) - now).total_seconds())

    def _named(self, exc: LineApiError, now: datetime) -> SendError:
        """The relay's name for a LINE failure."""
        reason = f"LINE {exc.status}: {exc.message}"
        if exc.quota_exceeded:
            return self._quota(now, reason)
        if exc.status == 429:
            return RetryLater(reason, RATE_LIMIT_PAUSE_SECONDS)
        if exc.status in (401, 403) or exc.status >= 500 or exc.status == 0:
            # A wrong token or LINE's own trouble: the whole relay pauses and tries again.
            return Unreachable(reason)
        if exc.status == 404:
            return RecipientGone(reason)
        return Rejected(reason)


class ChannelSender:
    """Routes each outbox row to its channel's sender by the chat id's range."""

    def __init__(self, telegram: Sender, line: Sender) -> None:
        self._telegram = telegram
        self._line = line

    async def send(self, chat_id: int, prepared: Prepared) -> int:
        """Sends through LINE for a LINE chat, else through Telegram."""
        sender = self._line if is_line_chat(chat_id) else self._telegram
        return await sender.send(chat_id, prepared)
