"""Sends the outbox relay's prepared messages through Telegram and names each failure."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, ForceReply, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.outbox.relay import (
    Prepared,
    RecipientGone,
    Rejected,
    RetryLater,
    SendError,
    Unreachable,
)


class TelegramSender:
    """The relay's sender for Telegram chats: HTML messages, edits, deletions, photos,
    force-reply."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, prepared: Prepared) -> int:
        """Sends or edits the message and returns its Telegram message id."""
        try:
            return await self._send(chat_id, prepared)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise RetryLater(f"RetryAfter {seconds:.0f}s", seconds) from exc
        except Forbidden as exc:
            raise RecipientGone(f"Forbidden: {exc.message}") from exc
        except BadRequest as exc:
            raise Rejected(
                f"BadRequest: {exc.message}", not_modified="not modified" in exc.message
            ) from exc
        except NetworkError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc.message}") from exc
        except TelegramError as exc:
            raise SendError(f"{type(exc).__name__}: {exc.message}") from exc

    async def _send(self, chat_id: int, prepared: Prepared) -> int:
        """Makes the one Bot API call a prepared message needs."""
        bot = self._bot
        if prepared.delete_message_id is not None:
            await bot.delete_message(chat_id=chat_id, message_id=prepared.delete_message_id)
            return prepared.delete_message_id
        markup: InlineKeyboardMarkup | ForceReply | None = None
        if prepared.force_reply:
            markup = ForceReply(selective=False)
        elif prepared.reply_markup:
            markup = InlineKeyboardMarkup.de_json(prepared.reply_markup, bot)
        if prepared.photo is not None:
            sent = await bot.send_photo(
                chat_id=chat_id,
                photo=prepared.photo,
                caption=prepared.text,
                parse_mode=ParseMode.HTML,
            )
            return sent.message_id
        if prepared.edit_message_id is not None:
            result = await bot.edit_message_text(
                chat_id=chat_id,
                message_id=prepared.edit_message_id,
                text=prepared.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
            return result.message_id if isinstance(result, Message) else prepared.edit_message_id
        reply = (
            ReplyParameters(prepared.reply_to_message_id, allow_sending_without_reply=True)
            if prepared.reply_to_message_id
            else None
        )
        sent = await bot.send_message(
            chat_id=chat_id,
            text=prepared.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=reply,
            disable_web_page_preview=True,
        )
        return sent.message_id
