"""Resident-facing handlers: commands, typed text, buttons and everything else in private chats."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.channels.telegram.context import MadoguchiContext
from bot.channels.telegram.files import fetch_upload
from bot.channels.telegram.replies import run_once, send_reply
from bot.i18n import locale_from_language_code
from bot.resident import desk as frontdesk
from bot.resident.desk import Event, Who
from bot.staff import invitations

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
    """Handles a command such as /start or /help (and /start with a staff invitation)."""
    word, *payload = update.effective_message.text.split(maxsplit=1)
    command = word[1:MAX_COMMAND_LENGTH].split("@", 1)[0].lower()
    if command == "start" and payload and invitations.may_be_token(payload[0]):
        await _start_with_link(update, context, payload[0])
        return
    await _handle(update, context, Event("command", text=command))


async def _start_with_link(update: Update, context: MadoguchiContext, token: str) -> None:
    """/start from a link: a staff invitation if the token names a usable one, else (in the
    same transaction) the normal /start, so a used or expired link reveals nothing."""
    services = context.services
    user = update.effective_user
    opener = invitations.Opener(
        user.id, user.full_name, user.username, locale_from_language_code(user.language_code)
    )

    async def work(session):
        reply = await invitations.open_invitation(session, services, opener, token)
        if reply is None:
            reply = await frontdesk.handle(
                session, services, _who(update), Event("command", text="start")
            )
        return reply

    reply = await run_once(update, context, work)
    if reply is not None:
        await send_reply(update, context, reply)


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
