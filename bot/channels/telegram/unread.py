"""Bot API calls whose answer nothing reads: sent as PTB sends them, the answer left as JSON.

PTB turns every answer into objects (the sent Message, its chat, its sender, every button of its
keyboard); for a reply whose answer is thrown away that cost more than building and sending the
request (see the README's Performance section). These go through the bot's own request path
(its defaults, its rate limiter, its transport) and skip only that last step.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, CallbackQuery, LinkPreviewOptions
from telegram.constants import ParseMode

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def _post(bot: Bot, endpoint: str, data: dict[str, Any]) -> None:
    """Sends one request through the bot's request path and drops the answer unparsed."""
    # Bot._post is the step every PTB method shares before building its answer.
    await bot._post(endpoint, data)


async def send_text(bot: Bot, chat_id: int, text: str, keyboard: dict[str, Any] | None) -> None:
    """Sends an HTML message without a link preview, with the keyboard (inline keyboard JSON)
    if any."""
    await _post(
        bot,
        "sendMessage",
        {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": keyboard,
            "link_preview_options": NO_PREVIEW,
        },
    )


def _pressed(query: CallbackQuery) -> dict[str, Any]:
    """Where the pressed message is: an inline message's id, or its chat and message id."""
    if query.inline_message_id:
        return {"inline_message_id": query.inline_message_id}
    message = query.message
    return {"chat_id": message.chat.id, "message_id": message.message_id}


async def edit_pressed_text(
    query: CallbackQuery, text: str, keyboard: dict[str, Any] | None
) -> None:
    """Replaces the pressed message's text (HTML) and keyboard."""
    await _post(
        query.get_bot(),
        "editMessageText",
        {**_pressed(query), "text": text, "parse_mode": ParseMode.HTML, "reply_markup": keyboard},
    )


async def clear_pressed_keyboard(query: CallbackQuery) -> None:
    """Removes the pressed message's keyboard."""
    await _post(query.get_bot(), "editMessageReplyMarkup", _pressed(query))
