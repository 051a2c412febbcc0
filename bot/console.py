"""`madoguchi chat`: the real Application in a terminal, with Telegram replaced by a local API."""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
from typing import TextIO

from bot.app import build_application
from bot.context import SERVICES_KEY
from bot.local_api import LocalBotApi, StoredMessage
from bot.local_user import LocalUser, bare_label
from bot.settings import Settings
from storage import repositories as repo
from storage.db import create_engine, create_sessionmaker

LOCAL_STAFF_CHAT_ID = -1000000000001
LOCAL_RESIDENT_ID = 10001
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Turns the bot's HTML into terminal text."""
    return html.unescape(_TAG.sub("", text))


class ConsoleChat:
    """Shows what the bot says and turns typed lines into updates."""

    def __init__(self, user: LocalUser, api: LocalBotApi, staff_chat_id: int, out: TextIO) -> None:
        self.user = user
        self.api = api
        self.staff_chat_id = staff_chat_id
        self.out = out
        self._seen_calls = 0

    def print_new(self) -> None:
        """Prints every message sent or edited since the last call."""
        calls = self.api.calls[self._seen_calls:]
        self._seen_calls = len(self.api.calls)
        for call in calls:
            if call.method not in ("sendMessage", "editMessageText"):
                continue
            chat_id = int(call.params["chat_id"])
            message = self._stored(call)
            if message is None:
                continue
            if chat_id == self.staff_chat_id:
                self.out.write("\n[staff chat] " + plain(message.text).replace("\n", "\n[staff chat] ") + "\n")
            elif chat_id == self.user.chat_id:
                self._print_message(message)
        self.out.flush()

    def _stored(self, call) -> StoredMessage | None:
        """The stored message a send or edit call produced."""
        if not isinstance(call.result, dict):
            return None
        return self.api.messages.get((int(call.params["chat_id"]), call.result["message_id"]))

    def _print_message(self, message: StoredMessage) -> None:
        """Prints a message to the resident with its buttons numbered."""
        self.out.write("\n" + plain(message.text) + "\n")
        for label, _data in self.user.buttons(message):
            self.out.write(f"   [{label}]\n")

    async def handle_line(self, line: str) -> None:
        """Presses the newest keyboard's button this line names (its number or its label);
        anything else is sent as text, as are lines that start with '>'."""
        text = line.rstrip("\n")
        if not text.strip():
            return
        if text.startswith(">"):
            await self.user.send(text[1:])
            return
        keyboard = self.user.last_keyboard_message()
        typed = text.strip().casefold()
        for label, data in self.user.buttons(keyboard) if keyboard else []:
            number = label.split(". ", 1)[0].lstrip("☐☑ ")
            if typed in (number, bare_label(label).casefold()):
                await self.user.press(keyboard, data)
                return
        await self.user.send(text)


async def run_chat(settings: Settings, language: str, stdin: TextIO = sys.stdin,
                   out: TextIO = sys.stdout) -> None:
    """Runs the local chat until end of input."""
    staff_chat_id = settings.staff_chat_id or LOCAL_STAFF_CHAT_ID
    settings = settings.model_copy(update={"staff_chat_id": staff_chat_id, "bot_token": None})
    engine = create_engine(settings.resolved_database_url)
    api = LocalBotApi()
    app = build_application(settings, create_sessionmaker(engine), api, rate_limit=False)
    # Update ids go on from the last run's, as Telegram's do, so none is taken for a redelivery.
    async with app.bot_data[SERVICES_KEY].db() as session:
        last_update_id = await repo.last_processed_update_id(session)
    user = LocalUser(app, api, LOCAL_RESIDENT_ID, language, itertools.count(last_update_id + 1))
    chat = ConsoleChat(user, api, staff_chat_id, out)
    out.write(
        "madoguchi local chat — you are a resident; the bot answers as on Telegram.\n"
        "Buttons are shown in [brackets]: type a button's number or label to press it; any other "
        "text is sent as a message ('>' first always sends text). Try /start. End with Ctrl-D.\n"
        f"Database: {settings.resolved_database_url}\n"
    )
    interactive = stdin.isatty()
    loop = asyncio.get_running_loop()
    async with app:
        chat.print_new()
        while True:
            if interactive:
                out.write("\n> ")
                out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            if not interactive:
                out.write(f"\n> {line.rstrip()}\n")
            await chat.handle_line(line)
            await app.bot_data[SERVICES_KEY].relay.deliver_due(app.bot)
            chat.print_new()
    await engine.dispose()
