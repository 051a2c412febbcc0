"""The error handler: logs what failed without any personal data."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import MadoguchiContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: MadoguchiContext) -> None:
    """Logs a handler error with the update id only, never the message content."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
