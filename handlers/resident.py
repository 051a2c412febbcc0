"""Resident-facing handlers: commands, typed text, buttons and everything else in private chats."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.channels.telegram.context import MadoguchiContext
from bot.channels.telegram.files import fetch_upload
from bot.channels.telegram.replies import run_once, send_reply
from bot.resident import desk as frontdesk
from bot.resident.desk import Event, Who

PRIVATE = filters.ChatType.PRIVATE
# Commands are read by hand rather than with CommandHandler so that an unknown command
# gets a kind answer too, and "/start@ourbot" works as well as "/start".
MAX_COMMAND_LENGTH = 64


def _who(update: Update) -> Who:
    """The resident an update comes from."""
    user = update.effective_user
    return Who(user.id, update.effective_chat.id, user.language_code)


async def _handle(update: Update, context: MadoguchiContext, event: Event) -> None:
    """Handles a resident event in one transaction and replies after commit."""
    services = context.services
    reply = await run_once(
        update,
        context,
        lambda session: frontdesk.handle(session, services, _who(update), event),
    )
    if reply is not None:
        await send_reply(update, context, reply)


async def on_command(update: Update, context: MadoguchiContext) -> None:
    """Handles a command such as /start or /help."""
    word = update.effective_message.text.split(maxsplit=1)[0][1:MAX_COMMAND_LENGTH]
    command = word.split("@", 1)[0].lower()
    await _handle(update, context, Event("command", text=command))


async def on_text(update: Update, context: MadoguchiContext) -> None:
    """Handles typed text: an answer or a choice."""
    await _handle(update, context, Event("text", text=update.effective_message.text))


async def on_button(update: Update, context: MadoguchiContext) -> None:
    """Handles an inline button press in a private chat; buttons elsewhere are not ours yet."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        await update.callback_query.answer()
        return
    await _handle(update, context, Event("button", data=update.callback_query.data))


async def on_other_message(update: Update, context: MadoguchiContext) -> None:
    """Handles a photo or file (fetched from Telegram when it may be kept), a sticker, voice
    note, location or anything else that is not text."""
    message = update.effective_message
    caption = message.caption or ""
    upload = await fetch_upload(message)
    if upload is None:
        await _handle(update, context, Event("other", text=caption))
        return
    await _handle(update, context, Event("upload", text=caption, upload=upload))


async def on_edited_message(update: Update, context: MadoguchiContext) -> None:
    """Handles an edited message, which cannot change an answer already given."""
    message = update.effective_message
    await _handle(update, context, Event("edited", text=message.text or message.caption or ""))


def register(app: Application, group: int) -> None:
    """Registers the resident handlers."""
    app.add_handlers(
        [
            MessageHandler(PRIVATE & filters.UpdateType.EDITED, on_edited_message),
            MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & filters.COMMAND, on_command),
            MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT, on_text),
            MessageHandler(PRIVATE & filters.UpdateType.MESSAGE, on_other_message),
            CallbackQueryHandler(on_button),
        ],
        group=group,
    )
