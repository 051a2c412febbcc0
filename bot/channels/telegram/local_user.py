"""A person on the local Bot API: builds the updates Telegram would send for their actions."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.channels.telegram.context import LANES_KEY
from bot.channels.telegram.local_api import LocalBotApi, StoredMessage

_DECORATION = re.compile(r"^(?:[^\w(]+\s*)?(?:\d+\.\s)?|\s*[^\w)]+$")


def bare_label(label: str) -> str:
    """A button label without its number ("3. ") and symbols ("◀ ", " ▶")."""
    return _DECORATION.sub("", label)


class LocalUser:
    """Sends messages and presses buttons as one Telegram user, in their private chat or a group."""

    def __init__(
        self,
        app: Application,
        api: LocalBotApi,
        user_id: int,
        language_code: str | None = "ja",
        update_ids: itertools.count | None = None,
        first_name: str = "Resident",
        group_id: int | None = None,
        username: str | None = None,
    ) -> None:
        self.app = app
        self.api = api
        self.user_id = user_id
        self.language_code = language_code
        self.first_name = first_name
        self.group_id = group_id
        self.username = username
        self._update_ids = update_ids if update_ids is not None else itertools.count(1)
        self.last_update: dict[str, Any] | None = None

    @property
    def chat_id(self) -> int:
        """The group's id, or (for a private chat) the user's id."""
        return self.group_id if self.group_id is not None else self.user_id

    def _user(self) -> dict[str, Any]:
        user = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        if self.username:
            user["username"] = self.username
        return user

    def _chat(self) -> dict[str, Any]:
        if self.group_id is not None:
            return {"id": self.group_id, "type": "supergroup", "title": "staff"}
        return {"id": self.chat_id, "type": "private", "first_name": self.first_name}

    def message_payload(self, **content: Any) -> dict[str, Any]:
        """A Message from this user with the given content (text, sticker, photo …)."""
        return {
            "message_id": self.api.new_message_id(),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self._user(),
            **content,
        }

    async def deliver(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Gives one update to the application, as Telegram would."""
        self.last_update = payload
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        # Locally, a group's answers are awaited too, so that what follows sees them.
        await self.app.bot_data[LANES_KEY].drain()
        return payload

    async def send(
        self, text: str, reply_to: StoredMessage | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Sends a text message (a command if it starts with '/'), perhaps as a reply."""
        content: dict[str, Any] = {"text": text, **extra}
        if reply_to is not None:
            content["reply_to_message"] = self._bot_message(reply_to)
        if text.startswith("/"):
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self.send_content(**content)

    async def send_content(self, **content: Any) -> dict[str, Any]:
        """Sends a message with any content, such as a sticker or a location."""
        return await self.deliver(
            {"update_id": next(self._update_ids), "message": self.message_payload(**content)}
        )

    async def edit(self, original: dict[str, Any], text: str) -> dict[str, Any]:
        """Edits a message this user sent earlier."""
        message = dict(original["message"], text=text, edit_date=int(time.time()))
        return await self.deliver({"update_id": next(self._update_ids), "edited_message": message})

    def _bot_message(self, message: StoredMessage) -> dict[str, Any]:
        """A message the bot sent, as Telegram shows it inside an update."""
        bot_message = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self._chat(),
            "from": {"id": 1, "is_bot": True, "first_name": "madoguchi"},
            "text": message.text,
        }
        if (message.reply_markup or {}).get("inline_keyboard"):
            bot_message["reply_markup"] = message.reply_markup
        return bot_message

    async def press(self, message: StoredMessage, data: str) -> dict[str, Any]:
        """Presses a button with the given data on a message the bot sent."""
        bot_message = self._bot_message(message)
        return await self.deliver(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": self._user(),
                    "chat_instance": str(self.chat_id),
                    "data": data,
                    "message": bot_message,
                },
            }
        )

    def messages(self) -> list[StoredMessage]:
        """Everything the bot sent to this user, oldest first."""
        return self.api.sent_to(self.chat_id)

    def last_keyboard_message(self) -> StoredMessage | None:
        """The newest message to this user that still carries buttons."""
        return next(
            (m for m in reversed(self.messages()) if (m.reply_markup or {}).get("inline_keyboard")),
            None,
        )

    def buttons(self, message: StoredMessage | None = None) -> list[tuple[str, str]]:
        """(label, data) of every button on a message, by default the newest with buttons."""
        if message is None:
            message = self.last_keyboard_message()
        if message is None or not (message.reply_markup or {}).get("inline_keyboard"):
            return []
        return [
            (b["text"], b["callback_data"])
            for row in message.reply_markup["inline_keyboard"]
            for b in row
        ]

    async def click(self, label: str, message: StoredMessage | None = None) -> dict[str, Any]:
        """Presses the button whose label contains `label` on the newest keyboard."""
        message = message or self.last_keyboard_message()
        if message is None:
            raise LookupError("no message with buttons")
        buttons = self.buttons(message)
        matches = [data for text, data in buttons if bare_label(text) == label]
        if not matches:
            matches = [data for text, data in buttons if label in text]
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} buttons match {label!r}: {self.buttons(message)}")
        return await self.press(message, matches[0])
