"""The one message a resident gets while the database is unavailable."""

from __future__ import annotations

import logging

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.i18n import Catalogs, locale_from_language_code

log = logging.getLogger(__name__)


def outage_text(catalogs: Catalogs, language_code: str | None) -> str:
    """The notice, in the language the resident's Telegram uses."""
    t = catalogs.translator_for(locale_from_language_code(language_code))
    return t.gettext("Sorry, we cannot answer right now because of a technical problem. "
                     "Your answers so far are kept, and this message is not lost: we will "
                     "continue as soon as the problem is fixed.")


class OutageNotices:
    """Tells each private chat at most once per outage that its message will be handled later."""

    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs
        self._told: set[int] = set()

    async def tell(self, bot: Bot, update: Update) -> None:
        """Sends the notice to the update's private chat unless it was told during this outage."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE or chat.id in self._told:
            return
        self._told.add(chat.id)
        user = update.effective_user
        try:
            await bot.send_message(chat.id, outage_text(self._catalogs,
                                                        user.language_code if user else None))
        except TelegramError as exc:
            log.warning("could not send the outage notice: %s", type(exc).__name__)

    def over(self) -> None:
        """The database answers again: a later outage may be announced anew."""
        self._told.clear()
