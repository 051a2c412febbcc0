"""Runs a handler's work in one transaction per update, then renders its Reply as Telegram messages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.telegram.context import MadoguchiContext
from bot.channels.telegram.unread import clear_pressed_keyboard, edit_pressed_text, send_text
from bot.outbox.queue import markup_json
from bot.screens import Document, PrivateDelivery, Reply, Screen, split_text
from storage import inbox
from storage.db import forget_erased
from storage.updates import record_update, update_recorded

log = logging.getLogger(__name__)

Work = Callable[[AsyncSession], Awaitable[Reply]]


async def run_once(update: Update, context: MadoguchiContext, work: Work) -> Reply | None:
    """Runs `work` in a transaction that also records the update id; None for a redelivery."""
    services = context.services
    try:
        async with services.db.begin() as session:
            if not await record_update(session, update.update_id, services.clock()):
                log.info("update %s was already handled; ignoring the redelivery", update.update_id)
                return None
            # Handled and out of the inbox in one commit: never both, never neither.
            if services.outcomes.in_inbox(update.update_id):
                await inbox.remove(session, update.update_id)
            reply = await work(session)
        services.outcomes.record_done(update.update_id)
        if reply is not None and reply.erased:
            await forget_erased(services.db)
        return reply
    except IntegrityError:
        async with services.db() as session:
            if not await update_recorded(session, update.update_id):
                raise
        # Another worker committed the same update id first.
        log.info("update %s was handled concurrently; ignoring", update.update_id)
        return None


async def send_reply(update: Update, context: MadoguchiContext, reply: Reply) -> None:
    """Sends a committed reply: the toast and anything private at once; the rest at once in a
    private chat, or through the group's lane so that no one waits for the group's pace."""
    query = update.callback_query
    if query is not None:
        await _quietly(query.answer(reply.toast), "answer the button press")
    chat = update.effective_chat
    unreachable = None
    if reply.private is not None:
        unreachable = await _send_privately(update, context, reply.private)
    if chat.type == ChatType.PRIVATE:
        await _send_to_chat(update, context, reply, unreachable)
    else:
        context.lanes.submit(
            chat.id, lambda: _send_to_chat(update, context, reply, unreachable), update
        )
    if reply.outbox_waiting:
        deliver_outbox_soon(context)


async def _send_to_chat(
    update: Update, context: MadoguchiContext, reply: Reply, unreachable: Screen | None
) -> None:
    """Edits the pressed message, then sends the screens and files in the update's chat."""
    query = update.callback_query
    if query is not None and reply.replace_pressed is not None:
        screen = reply.replace_pressed
        await _quietly(
            edit_pressed_text(query, screen.text, markup_json(screen)), "edit the pressed message"
        )
    elif query is not None and reply.clear_pressed_keyboard:
        await _quietly(clear_pressed_keyboard(query), "remove the pressed keyboard")
    chat_id = update.effective_chat.id
    screens = [*reply.screens, unreachable] if unreachable is not None else reply.screens
    await send_screens(context, chat_id, screens)
    await send_documents(context, chat_id, reply.documents)


async def _send_privately(
    update: Update, context: MadoguchiContext, private: PrivateDelivery
) -> Screen | None:
    """Sends the private part to the sender's own chat; returns what to say where the update
    came from if that chat cannot be reached (they never started the bot)."""
    user = update.effective_user
    try:
        await send_screens(context, user.id, private.screens)
        await send_documents(context, user.id, private.documents)
    except (Forbidden, BadRequest) as exc:
        unreachable = isinstance(exc, Forbidden) or "chat not found" in exc.message.lower()
        if not unreachable or update.effective_chat.id == user.id or private.unreachable is None:
            raise
        log.info("could not reach a staff member privately: %s", type(exc).__name__)
        return private.unreachable
    return None


async def send_screens(context: MadoguchiContext, chat_id: int, screens: list[Screen]) -> None:
    """Sends screens in order, each split into messages Telegram accepts."""
    for screen in screens:
        parts = [part for part in split_text(screen.text) if part.strip()]
        for number, part in enumerate(parts, start=1):
            markup = markup_json(screen) if number == len(parts) else None
            await send_text(context.bot, chat_id, part, markup)


async def send_documents(
    context: MadoguchiContext, chat_id: int, documents: list[Document]
) -> None:
    """Sends files, and pictures as photos."""
    for document in documents:
        if document.picture:
            await context.bot.send_photo(
                chat_id=chat_id,
                photo=document.content,
                caption=document.caption or None,
                parse_mode=ParseMode.HTML,
            )
            continue
        await context.bot.send_document(
            chat_id=chat_id,
            document=document.content,
            filename=document.filename,
            caption=document.caption or None,
            parse_mode=ParseMode.HTML,
        )


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
