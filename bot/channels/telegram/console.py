"""`madoguchi chat`: the real Application in a terminal, with Telegram replaced by a local API."""

from __future__ import annotations

import asyncio
import itertools
import sys
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from telegram.ext import Application

from bot.channels.telegram.app import build_application
from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.local_api import LocalBotApi, StoredMessage
from bot.channels.telegram.local_user import LocalUser, bare_label
from bot.screens import plain
from bot.settings import Settings
from storage import migrate
from storage.db import create_engine, create_sessionmaker
from storage.outbox import last_message_id
from storage.traces import traces_outside
from storage.updates import last_processed_update_id

LOCAL_STAFF_CHAT_ID = -1000000000001
LOCAL_RESIDENT_ID = 10001
LOCAL_ADMIN_ID = 90001
# Every chat the console ever writes to or as; a real bot's database holds others.
LOCAL_CHATS = frozenset({LOCAL_STAFF_CHAT_ID, LOCAL_RESIDENT_ID, LOCAL_ADMIN_ID})
CHAT_DATABASE = "madoguchi-chat.sqlite3"
PERSONAS = {
    ":resident": "resident",
    ":staff": "staff",
    ":dm": "dm",
}
HELP = (
    "You are a resident; the bot answers as on Telegram. Buttons are shown in [brackets]: type "
    "a button's number or label to press it; any other text is sent as a message ('>' first "
    "always sends text). Switch who you are with :staff (the staff group, as an admin), :dm "
    "(the admin's private chat with the bot, e.g. for /newticket) and :resident. In the staff "
    "group, '^ text' replies to the bot's newest message there (to answer a resident). Try "
    "/start. End with Ctrl-D."
)


class ConsoleChat:
    """Shows what the bot says in every chat and turns typed lines into updates."""

    def __init__(self, users: dict[str, LocalUser], api: LocalBotApi, out: TextIO) -> None:
        self.users = users
        self.persona = "resident"
        self.api = api
        self.out = out
        self._seen_calls = 0
        self._labels = {
            users["staff"].chat_id: "[staff chat] ",
            users["dm"].chat_id: "[admin DM] ",
            users["resident"].chat_id: "",
        }

    @property
    def user(self) -> LocalUser:
        """The person typing now."""
        return self.users[self.persona]

    def print_new(self) -> None:
        """Prints every message sent or edited since the last call, in every chat."""
        calls = self.api.calls[self._seen_calls :]
        self._seen_calls = len(self.api.calls)
        for call in calls:
            if call.method not in ("sendMessage", "editMessageText", "sendDocument"):
                continue
            message = self._stored(call)
            prefix = self._labels.get(message.chat_id) if message else None
            if prefix is None:
                continue
            edited = " (edited)" if call.method == "editMessageText" else ""
            body = plain(message.text) + edited
            if message.filename:
                body += f" [file: {message.filename}]"
            self.out.write("\n" + prefix + body.replace("\n", "\n" + prefix) + "\n")
            for label, _data in self.user.buttons(message):
                self.out.write(f"{prefix}   [{label}]\n")
        self.out.flush()

    def _stored(self, call) -> StoredMessage | None:
        """The stored message a send or edit call produced."""
        if not isinstance(call.result, dict):
            return None
        return self.api.messages.get((int(call.params["chat_id"]), call.result["message_id"]))

    async def handle_line(self, line: str) -> None:
        """Switches persona, replies ('^'), presses the newest keyboard's button this line
        names (its number or its label), or sends the line as text ('>' forces text)."""
        text = line.rstrip("\n")
        if not text.strip():
            return
        if text.strip() in PERSONAS:
            self.persona = PERSONAS[text.strip()]
            self.out.write(f"(you are now: {self.persona})\n")
            return
        if text.startswith(">"):
            await self.user.send(text[1:])
            return
        if text.startswith("^"):
            newest = self.api.sent_to(self.user.chat_id)
            await self.user.send(text[1:].strip(), reply_to=newest[-1] if newest else None)
            return
        keyboard = self.user.last_keyboard_message()
        typed = text.strip().casefold()
        for label, data in self.user.buttons(keyboard) if keyboard else []:
            number = label.split(". ", 1)[0].lstrip("☐☑ ")
            if typed in (number, bare_label(label).casefold()):
                await self.user.press(keyboard, data)
                return
        await self.user.send(text)


def chat_settings(settings: Settings, database: str | None = None) -> Settings:
    """The bot's settings turned into the console's: its own database (a URL or a SQLite file;
    by default CHAT_DATABASE in the data directory, never the bot's), its own local chats."""
    if database is None:
        url = f"sqlite+aiosqlite:///{settings.data_dir / CHAT_DATABASE}"
    else:
        url = database if "://" in database else f"sqlite+aiosqlite:///{database}"
    return settings.model_copy(
        update={
            "database_url": url,
            "bot_token": None,
            "staff_chat_id": LOCAL_STAFF_CHAT_ID,
            "oncall_chat_id": None,
            "admin_ids": [LOCAL_ADMIN_ID],
            # The local stand-in for Telegram has no limits to respect: no pause between sends.
            "outbox_chat_interval_seconds": 0.0,
        }
    )


# Why a database with such traces is not the console's own.
FOREIGN = {
    "inbox": "its inbox has held updates from Telegram",
    "residents": "it has residents from Telegram",
    "outbox": "its outbox has messages for chats on Telegram",
}


async def foreign_use(session: AsyncSession) -> str | None:
    """Why this database is not the console's own (a real bot used it), or None.

    A real bot's inbox takes updates from Telegram, and its residents and outbox rows name
    chats the console never uses; the console writes only its LOCAL_CHATS and no inbox.
    """
    traces = await traces_outside(session, LOCAL_CHATS)
    return FOREIGN[traces[0]] if traces else None


async def refuse_foreign(app: Application, out: TextIO) -> None:
    """Stops the console (exit status 2) on a database a real bot has used, before the outbox
    relay could mark a real resident's message as sent to this local fake."""
    async with app.bot_data[SERVICES_KEY].db() as session:
        reason = await foreign_use(session)
    if reason is not None:
        out.write(
            f"\nThis database is not the local chat's own: {reason}. The local chat never "
            f"runs on a real bot's database; use its own (the default, {CHAT_DATABASE} in "
            "MADOGUCHI_DATA_DIR) or another new file with --database.\n"
        )
        out.flush()
        raise SystemExit(2)


async def open_chat_database(settings: Settings) -> AsyncEngine:
    """The engine of a local chat's database, migrated first when the settings say so."""
    url = settings.resolved_database_url
    if settings.auto_migrate:
        if not settings.is_postgres:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(migrate.upgrade, url)
    return create_engine(url, settings.keyring())


async def run_chat(
    settings: Settings,
    language: str,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    database: str | None = None,
) -> None:
    """Runs the local chat on its own database until end of input."""
    settings = chat_settings(settings, database)
    url = settings.resolved_database_url
    engine = await open_chat_database(settings)
    api = LocalBotApi(only_chats=LOCAL_CHATS)
    app = build_application(settings, create_sessionmaker(engine), api, rate_limit=False)
    try:
        await refuse_foreign(app, out)
        # Update ids go on from the last run's, as Telegram's do, so none is taken for a redelivery.
        async with app.bot_data[SERVICES_KEY].db() as session:
            last_update_id = await last_processed_update_id(session)
            # Message ids too: a reply to an old message must never find a newer one.
            api.continue_after(await last_message_id(session))
        update_ids = itertools.count(last_update_id + 1)
        admin = LOCAL_ADMIN_ID
        users = {
            "resident": LocalUser(app, api, LOCAL_RESIDENT_ID, language, update_ids),
            "staff": LocalUser(
                app, api, admin, "ja", update_ids, "Admin", group_id=LOCAL_STAFF_CHAT_ID
            ),
            "dm": LocalUser(app, api, admin, "ja", update_ids, "Admin"),
        }
        chat = ConsoleChat(users, api, out)
        out.write(f"madoguchi local chat\n{HELP}\nDatabase: {url}\n")
        await _converse(app, chat, stdin, out)
    finally:
        await engine.dispose()


async def _converse(app: Application, chat: ConsoleChat, stdin: TextIO, out: TextIO) -> None:
    """Reads lines until end of input; before each relay run, checks the database is still ours."""
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
            await refuse_foreign(app, out)
            await app.bot_data[SERVICES_KEY].relay.deliver_due()
            chat.print_new()
