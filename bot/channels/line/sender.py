"""Sends outbox rows to LINE residents by push, within LINE's limits and the month's quota."""

from __future__ import annotations

import uuid
from datetime import datetime

from bot.channels.line.api import MAX_MESSAGES_PER_CALL, LineApi, LineApiError
from bot.channels.line.render import screen_from_markup, screen_messages
from bot.numbers.pushes import quota_month_start
from bot.outbox.relay import (
    Prepared,
    RecipientGone,
    Rejected,
    RetryLater,
    Sender,
    SendError,
)
from bot.services import Services
from bot.tickets.deliveries import queue_card_refresh
from storage.line import (
    QUOTA_ERROR,
    is_line_chat,
    line_following,
    line_user_of,
    pushes_since,
    ticket_of_outbox_message,
)

# LINE answers 429 to more than 2,000 pushes a second; the relay's pacing stays far below,
# so a 429 that is not the monthly quota only asks for a short pause.
RATE_LIMIT_PAUSE_SECONDS = 5.0
# Retry keys of one outbox row's pushes: the same row pushed again (after a timeout or a
# crash before its outcome was stored) is accepted by LINE once.
RETRY_KEYS = uuid.UUID("6f1d0f9e-3b0a-4f57-9a43-5b0c1d2e3f40")


def next_month_start(now: datetime) -> datetime:
    """When LINE's monthly quota starts again (the first of next month, Japan time)."""
    start = quota_month_start(now)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month)


def retry_key(outbox_id: int | None, part: int) -> str | None:
    """LINE's X-Line-Retry-Key for one push of an outbox row (None for a row-less push)."""
    return str(uuid.uuid5(RETRY_KEYS, f"{outbox_id}:{part}")) if outbox_id is not None else None


class LineSender:
    """The relay's sender for LINE chats: pushes a prepared message as LINE messages."""

    def __init__(self, services: Services, api: LineApi) -> None:
        self._services = services
        self._api = api

    async def send(self, chat_id: int, prepared: Prepared) -> int:
        """Pushes the message and returns LINE's message id (as an integer)."""
        if prepared.edit_message_id is not None:
            raise Rejected("LINE messages cannot be edited")
        if prepared.delete_message_id is not None:
            return 0  # LINE cannot take a message back (deletions are for staff chats only)
        services = self._services
        limit = services.settings.line_push_monthly_limit
        now = services.clock()
        async with services.db() as session:
            user = await line_user_of(session, chat_id)
            following = await line_following(session, chat_id)
            used = await pushes_since(session, quota_month_start(now)) if limit is not None else 0
        if user is None or not following:
            raise RecipientGone("LINE user unfollowed or unknown")
        if limit is not None and used >= limit:
            raise await self._quota(prepared, now, f"{QUOTA_ERROR}: the plan's {limit} a month")
        messages = screen_messages(screen_from_markup(prepared.text, prepared.reply_markup))
        sent = 0
        try:
            for part, start in enumerate(range(0, len(messages), MAX_MESSAGES_PER_CALL)):
                chunk = messages[start : start + MAX_MESSAGES_PER_CALL]
                sent = await self._api.push(user, chunk, retry_key(prepared.outbox_id, part))
        except LineApiError as exc:
            if exc.quota_exceeded:
                raise await self._quota(prepared, now, f"{QUOTA_ERROR}: {exc.message}") from None
            raise self._named(exc) from None
        return sent

    async def _quota(self, prepared: Prepared, now: datetime, reason: str) -> RetryLater:
        """A quota refusal: the message waits for the next month (not a failed attempt, no
        retry loop) and its ticket's card says so."""
        if prepared.outbox_id is not None:
            async with self._services.db.begin() as session:
                ticket_id = await ticket_of_outbox_message(session, prepared.outbox_id)
                if ticket_id is not None:
                    await queue_card_refresh(session, self._services, ticket_id)
        return RetryLater(reason, (next_month_start(now) - now).total_seconds())

    @staticmethod
    def _named(exc: LineApiError) -> SendError:
        """The relay's name for a LINE failure other than the quota."""
        reason = f"LINE {exc.status}: {exc.message}"
        if exc.status == 429:
            return RetryLater(reason, RATE_LIMIT_PAUSE_SECONDS)
        if exc.status in (401, 403) or exc.status >= 500 or exc.status == 0:
            # A wrong token or LINE's own trouble: this message is tried again later with
            # backoff; the relay does not pause, so Telegram's cards and answers go on.
            return SendError(reason)
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
