"""The error handler: logs what failed without any personal data."""

from __future__ import annotations

import logging
import traceback

from telegram import Update

from bot.channels.telegram.context import MadoguchiContext
from bot.channels.telegram.inbox_worker import is_unavailable

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
    if error is not None and is_unavailable(error):
        # The database is down: expected until it returns; one line, not a traceback each time.
        log.warning(
            "database unavailable while handling %s: %s",
            f"update {update_id}" if update_id is not None else "a job",
            type(error).__name__,
        )
        return
    where = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("error while handling update %s: %s\n%s", update_id, type(error).__name__, where)
