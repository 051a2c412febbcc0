"""Runs a handler's work in one transaction per update, then renders its Reply as Telegram messages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.channels.telegram.context import MadoguchiContext
from bot.screens import Reply, Screen, split_text
from storage import inbox
from storage.updates import record_update, update_recorded

log = logging.getLogger(__name__)

Work = Callable[[AsyncSession], Awaitable[Reply]]


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    """Turns a screen's button rows into an inline keyboard."""
    if not screen.rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in screen.rows]
    )


async def run_once(update: Update, context: MadoguchiContext, work: Work) -> Reply | None:
    """Runs `work` in a transaction that also records the update id; None for a redelivery."""
    services = context.services
    try:
        async with services.db.begin() as session:
            if not await record_update(session, update.update_id, services.clock()):
                log.info("update %s was already handled; ignoring the redelivery", update.update_id)
                return None
            # Handled and out of the inbox in one commit: never both, never neither.
            await inbox.remove(session, update.update_id)
            reply = await work(session)
        services.outcomes.record_done(update.update_id)
        return reply
    except IntegrityError:
        async with services.db() as session:
            if not await update_recorded(session, update.update_id):
                raise
        # Another worker committed the same update id first.
        log.info("update %s was handled concurrently; ignoring", update.update_id)
        return None


async def send_reply(update: Update, context: MadoguchiContext, reply: Reply) -> None:
    """Sends a committed reply: the toast, keyboard changes, then the screens in order."""
    query = update.callback_query
    if query is not None:
        await _quietly(query.answer(reply.toast), "answer the button press")
        if reply.replace_pressed is not None:
            await _quietly(
                _edit_pressed(query.edit_message_text, reply.replace_pressed),
                "edit the pressed message",
            )
        elif reply.clear_pressed_keyboard:
            await _quietly(
                _edit_pressed(query.edit_message_reply_markup, None), "remove the pressed keyboard"
            )
    chat = update.effective_chat
    for screen in reply.screens:
        parts = [part for part in split_text(screen.text) if part.strip()]
        for number, part in enumerate(parts, start=1):
            await context.bot.send_message(
                chat_id=chat.id,
                text=part,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(screen) if number == len(parts) else None,
                disable_web_page_preview=True,
            )
    for document in reply.documents:
        if document.picture:
            await context.bot.send_photo(
                chat_id=chat.id,
                photo=document.content,
                caption=document.caption or None,
                parse_mode=ParseMode.HTML,
            )
            continue
        await context.bot.send_document(
            chat_id=chat.id,
            document=document.content,
            filename=document.filename,
            caption=document.caption or None,
            parse_mode=ParseMode.HTML,
        )
    if reply.outbox_waiting:
        deliver_outbox_soon(context)


async def _edit_pressed(edit: Callable[..., Awaitable[object]], screen: Screen | None) -> None:
    """Edits the message whose button was pressed."""
    if screen is None:
        await edit(reply_markup=None)
    else:
        await edit(text=screen.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(screen))


async def _quietly(call: Awaitable[object], what: str) -> None:
    """Runs a courtesy call whose failure (an old query, an unchanged message) must not stop
    the reply that follows."""
    try:
        await call
    except TelegramError as exc:
        log.info("could not %s: %s", what, type(exc).__name__)


async def deliver_outbox(context: MadoguchiContext) -> None:
    """Delivers every outbox message that is due."""
    await context.services.relay.deliver_due()


def deliver_outbox_soon(context: MadoguchiContext) -> None:
    """Asks the relay to run now instead of at its next tick (a running relay picks new
    messages up by itself)."""
    if context.services.relay.busy:
        return
    if context.job_queue is not None and context.job_queue.scheduler.running:
        context.job_queue.run_once(deliver_outbox, 0, name="outbox-now")
