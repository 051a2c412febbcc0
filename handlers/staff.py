"""Staff-facing handlers: staff commands anywhere, card and list buttons, replies in the group."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.channels.telegram.context import MadoguchiContext
from bot.channels.telegram.replies import run_once, send_reply
from bot.resident import desk as frontdesk
from bot.resident.desk import Event, Who
from bot.staff.commands import STAFF_COMMANDS, run_command
from bot.staff.desk import StaffDesk, StaffWho
from bot.staff.matching import press_ask


def _who(update: Update) -> StaffWho:
    """Who sent a staff update; a message sent on behalf of a chat is anonymous."""
    message = update.effective_message
    user = update.effective_user
    anonymous = bool(message is not None and message.sender_chat is not None) or user is None
    reply_to = message.reply_to_message.message_id if message and message.reply_to_message else None
    replied = message.reply_to_message if message else None
    to_bot = bool(replied and replied.from_user and replied.from_user.id == update.get_bot().id)
    query = update.callback_query
    return StaffWho(
        user_id=user.id if user else 0,
        chat_id=update.effective_chat.id,
        message_id=message.message_id if message and query is None else None,
        pressed_message_id=message.message_id if message and query is not None else None,
        private=update.effective_chat.type == ChatType.PRIVATE,
        first_name=user.first_name if user else "",
        anonymous=anonymous,
        reply_to_message_id=reply_to,
        language_code=user.language_code if user else None,
        reply_to_bot=to_bot,
        username=user.username if user else None,
        bot_username=update.get_bot().username or "",
    )


async def on_staff_command(update: Update, context: MadoguchiContext) -> None:
    """Runs a staff command, refusing anyone who is not staff."""
    services = context.services
    text = update.effective_message.text or ""
    name = text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
    args = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    reply = await run_once(
        update,
        context,
        lambda session: run_command(StaffDesk(session, services, _who(update)), name, args),
    )
    if reply is not None:
        await send_reply(update, context, reply)


async def on_group_help(update: Update, context: MadoguchiContext) -> None:
    """/help in a group: the staff help for staff, the refusal for anyone else."""
    await on_staff_command(update, context)


async def on_staff_button(update: Update, context: MadoguchiContext) -> None:
    """Handles a press on a ticket card or a ticket list."""
    services = context.services
    data = update.callback_query.data
    # Asking a volunteer about a request (/match) has buttons of its own.
    press = press_ask if (data or "").startswith("v:") else StaffDesk.button
    reply = await run_once(
        update, context, lambda session: press(StaffDesk(session, services, _who(update)), data)
    )
    if reply is not None:
        await send_reply(update, context, reply)


async def on_invitation_button(update: Update, context: MadoguchiContext) -> None:
    """Handles Confirm or Decline on an opened staff invitation."""
    services = context.services
    data = update.callback_query.data
    reply = await run_once(
        update,
        context,
        lambda session: StaffDesk(session, services, _who(update)).invitation_button(data),
    )
    if reply is not None:
        await send_reply(update, context, reply)


async def on_reply(update: Update, context: MadoguchiContext) -> None:
    """Relays a staff reply to a resident's message or a reply prompt.

    A photo or file with a caption relays its caption (the outbox carries text only). Any
    other reply stays internal in a group; in a private chat it is what the resident
    conversation would make of it, handled in the same transaction.
    """
    services = context.services
    message = update.effective_message
    text = message.text if message.text is not None else message.caption or ""
    kind = "text" if message.text is not None else "other"
    private = update.effective_chat.type == ChatType.PRIVATE

    async def work(session):
        reply = await StaffDesk(session, services, _who(update)).group_reply(text)
        if reply is None and private:
            user = update.effective_user
            who = Who(user.id, update.effective_chat.id, user.language_code)
            reply = await frontdesk.handle(session, services, who, Event(kind, text=text))
        return reply

    reply = await run_once(update, context, work)
    if reply is not None:
        await send_reply(update, context, reply)


def register(app: Application, group: int) -> None:
    """Registers the staff handlers (before the resident ones in the same group)."""
    app.add_handlers(
        [
            # Edited commands are not run again: an edit must never repeat a reply or a change.
            CommandHandler(
                list(STAFF_COMMANDS), on_staff_command, filters=filters.UpdateType.MESSAGE
            ),
            CommandHandler(
                "help", on_group_help, filters=filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
            ),
            CallbackQueryHandler(on_staff_button, pattern=r"^[sqkv]:"),
            CallbackQueryHandler(on_invitation_button, pattern=r"^i:"),
            MessageHandler(
                filters.REPLY
                & (filters.TEXT | filters.CAPTION)
                & ~filters.COMMAND
                & filters.UpdateType.MESSAGE,
                on_reply,
            ),
        ],
        group=group,
    )
