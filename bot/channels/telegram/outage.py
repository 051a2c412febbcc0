"""The one message a resident gets while the database is unavailable."""

from __future__ import annotations

import logging
import time

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.i18n import Catalogs, locale_from_language_code

log = logging.getLogger(__name__)


def outage_text(catalogs: Catalogs, language_code: str | None) -> str:
    """The notice, in the language the resident's Telegram uses."""
    t = catalogs.translator_for(locale_from_language_code(language_code))
    return t.gettext(
        "Sorry, we cannot answer right now because of a technical problem. "
        "Your answers so far are kept, and this message is not lost: we will "
        "continue as soon as the problem is fixed."
    )


# A database that comes and goes must not send a notice each time: one per chat in this long.
QUIET_SECONDS = 900.0


class OutageNotices:
    """Tells each private chat at most once in QUIET_SECONDS that its message will be handled
    later, however often the database comes and goes."""

    def __init__(self, catalogs: Catalogs, quiet_seconds: float = QUIET_SECONDS) -> None:
        self._catalogs = catalogs
        self._quiet = quiet_seconds
        self._told_at: dict[int, float] = {}

    async def tell(self, bot: Bot, update: Update) -> None:
        """Sends the notice to the update's private chat unless it was told recently."""
        chat = update.effective_chat
        now = time.monotonic()
        for told in [c for c, at in self._told_at.items() if now - at >= self._quiet]:
            del self._told_at[told]
        if chat is None or chat.type != ChatType.PRIVATE or chat.id in self._told_at:
            return
        self._told_at[chat.id] = now
        user = update.effective_user
        try:
            await bot.send_message(
                chat.id, outage_text(self._catalogs, user.language_code if user else None)
            )
        except TelegramError as exc:
            log.warning("could not send the outage notice: %s", type(exc).__name__)
