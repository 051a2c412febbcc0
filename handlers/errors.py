"""The error handler: logs what failed without any personal data."""

from __future__ import annotations

import logging
import traceback

from telegram import Update

from bot.context import MadoguchiContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: MadoguchiContext) -> None:
    """Logs a handler error: the update id, the error's type and where it happened.

    The error's message is left out because it may quote what a resident typed.
    """
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if update_id is not None and error is not None:
        # The inbox worker keeps the update for another try instead of counting it handled.
        context.services.outcomes.record_failure(update_id, error)
    where = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("error while handling update %s: %s\n%s", update_id, type(error).__name__, where)
