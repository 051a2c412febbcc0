"""The handlers' context: PTB's CallbackContext that carries our Services."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from bot.channels.telegram.lanes import ChatLanes
from bot.services import Services

SERVICES_KEY = "madoguchi.services"
LANES_KEY = "madoguchi.lanes"


class MadoguchiContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext that exposes our services to handlers and jobs."""

    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The services of this Application."""
        return self.application.bot_data[SERVICES_KEY]

    @property
    def lanes(self) -> ChatLanes:
        """The group chats' answer lanes of this Application."""
        return self.application.bot_data[LANES_KEY]
