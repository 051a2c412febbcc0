"""`madoguchi chat --channel line`: a LINE resident in the terminal, through the real webhook,
inbox, desk, LINE renderer and outbox, with LINE's API replaced by a local stand-in."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import sys
import time
from typing import Any, TextIO

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette
from telegram.ext import Application

from bot.channels.line.local_api import LocalLineApi
from bot.channels.line.wiring import line_events, line_webhook, use_line_api
from bot.channels.telegram.app import build_application
from bot.channels.telegram.console import (
    LOCAL_ADMIN_ID,
    LOCAL_CHATS,
    LOCAL_STAFF_CHAT_ID,
    open_chat_database,
)
from bot.channels.telegram.console import chat_settings as telegram_chat_settings
from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.local_api import LocalBotApi
from bot.channels.telegram.local_user import LocalUser
from bot.channels.telegram.outage import OutageNotices
from bot.screens import plain
from bot.services import Services
from bot.settings import Settings
from storage.db import create_sessionmaker
from storage.line import LINE_CHAT_BASE, last_telegram_update_id
from storage.outbox import last_message_id
from storage.traces import traces_outside

LINE_CHAT_DATABASE = "madoguchi-line-chat.sqlite3"
LOCAL_LINE_USER = "U" + "0" * 31 + "1"
# The local LINE user is the first LINE user of the console's own database.
LOCAL_LINE_CHAT = LINE_CHAT_BASE + 1
LOCAL_SECRET = "local-line-channel-secret"
HELP = (
    "You are a resident on LINE; the bot answers as on LINE (plain text, quick replies shown "
    "in [brackets]). Type a quick reply's number or label to press it; any other text is sent "
    "as a message ('>' first always sends text). :staff switches to the Telegram staff group "
    "(as an admin; '^ text' replies to its newest message), :resident back. Try /start. End "
    "with Ctrl-D."
)


def line_chat_settings(settings: Settings, database: str | None) -> Settings:
    """The console's settings: its own database and chats, LINE on with local credentials."""
    base = telegram_chat_settings(settings, database or str(settings.data_dir / LINE_CHAT_DATABASE))
    return base.model_copy(
        update={
            "line_channel_secret": SecretStr(LOCAL_SECRET),
            "line_channel_access_token": SecretStr("local"),
            "line_push_monthly_limit": None,
        }
    )


def signed(body: bytes) -> str:
    """LINE's signature of a body with the local channel secret."""
    digest = hmac.new(LOCAL_SECRET.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class LineConsole:
    """Turns typed lines into LINE events and prints what the resident and staff see."""

    def __init__(self, app: Application, api: LocalLineApi, bot_api: LocalBotApi, out: TextIO):
        self.app = app
        self.api = api
        self.bot_api = bot_api
        self.out = out
        self.persona = "resident"
        self._events = itertools.count(1)
        self._shown = 0
        self._staff_seen = 0
        services = self.services
        self.worker = InboxWorker(
            app, OutageNotices(services.catalogs), line=line_events(app, services)
        )
        webhook = line_webhook(services, None)
        assert webhook is not None
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(Starlette(routes=[webhook.route()])),
            base_url="http://local",
        )
        self.staff: LocalUser | None = None

    @property
    def services(self) -> Services:
        """The application's services."""
        return self.app.bot_data[SERVICES_KEY]

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        """A new event of the local LINE user."""
        return {
            "type": kind,
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": LOCAL_LINE_USER},
            "webhookEventId": f"local{time.time_ns()}{next(self._events)}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": self.api.token_for(LOCAL_LINE_USER),
            **fields,
        }

    async def post(self, event: dict[str, Any]) -> None:
        """Posts an event to the real webhook and lets the inbox worker handle it."""
        body = json.dumps({"destination": "Ulocal", "events": [event]}).encode()
        answer = await self.client.post(
            "/line", content=body, headers={"x-line-signature": signed(body)}
        )
        answer.raise_for_status()
        while await self.worker.handle_due():
            pass

    def quick_replies(self) -> list[dict[str, Any]]:
        """The newest message's quick replies (LINE shows only those)."""
        mine = [message for user, message in self.api.shown if user == LOCAL_LINE_USER]
        return (mine[-1].get("quickReply") or {}).get("items", []) if mine else []

    async def handle_line(self, line: str) -> None:
        """Switches persona, presses a quick reply the line names, or sends the line as text."""
        text = line.rstrip("\n")
        if not text.strip():
            return
        if text.strip() in (":staff", ":resident"):
            self.persona = text.strip()[1:]
            self.out.write(f"(you are now: {self.persona})\n")
            return
        if self.persona == "staff":
            await self.staff_line(text)
            return
        if text.startswith(">"):
            await self.send_text(text[1:])
            return
        typed = text.strip().casefold()
        for item in self.quick_replies():
            action = item["action"]
            full = action.get("displayText", action["label"])
            number = full.split(". ", 1)[0].lstrip("☐☑ ")
            if typed in (number, full.casefold(), full.split(". ", 1)[-1].casefold()):
                await self.post(self.event("postback", postback={"data": action["data"]}))
                return
        await self.send_text(text)

    async def send_text(self, text: str) -> None:
        """Sends a text message as the LINE resident."""
        message = {"type": "text", "id": str(next(self._events)), "text": text, "quoteToken": "q"}
        await self.post(self.event("message", message=message))

    async def staff_line(self, text: str) -> None:
        """A line typed in the staff group ('^ text' answers the group's newest message)."""
        assert self.staff is not None
        if text.startswith("^"):
            newest = self.bot_api.sent_to(LOCAL_STAFF_CHAT_ID)
            await self.staff.send(text[1:].strip(), reply_to=newest[-1] if newest else None)
        else:
            await self.staff.send(text)

    def print_new(self) -> None:
        """Prints what the resident was shown on LINE and what reached the staff group."""
        for user, message in self.api.shown[self._shown :]:
            if user != LOCAL_LINE_USER:
                continue
            self.out.write("\n" + message["text"] + "\n")
            for item in (message.get("quickReply") or {}).get("items", []):
                self.out.write(f"   [{item['action']['label']}]\n")
        self._shown = len(self.api.shown)
        staff = self.bot_api.sent_to(LOCAL_STAFF_CHAT_ID)
        for message in staff[self._staff_seen :]:
            body = plain(message.text).replace("\n", "\n[staff chat] ")
            self.out.write(f"\n[staff chat] {body}\n")
        self._staff_seen = len(staff)
        self.out.flush()


async def refuse_foreign(services: Services, out: TextIO) -> None:
    """Stops (exit status 2) on a database a real bot has used."""
    async with services.db() as session:
        traces = await traces_outside(session, LOCAL_CHATS | {LOCAL_LINE_CHAT})
    if traces:
        out.write(
            f"\nThis database is not the local LINE chat's own ({traces[0]} of other chats); "
            f"use its own ({LINE_CHAT_DATABASE} in MADOGUCHI_DATA_DIR) or a new file.\n"
        )
        out.flush()
        raise SystemExit(2)


async def run_line_chat(
    settings: Settings,
    language: str,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    database: str | None = None,
) -> None:
    """Runs the local LINE chat on its own database until end of input."""
    settings = line_chat_settings(settings, database)
    url = settings.resolved_database_url
    engine = await open_chat_database(settings)
    bot_api = LocalBotApi(only_chats=LOCAL_CHATS)
    app = build_application(settings, create_sessionmaker(engine), bot_api, rate_limit=False)
    api = LocalLineApi(language=language)
    use_line_api(app, app.bot_data[SERVICES_KEY], api)
    console = LineConsole(app, api, bot_api, out)
    try:
        services = console.services
        await refuse_foreign(services, out)
        async with services.db() as session:
            update_ids = itertools.count(await last_telegram_update_id(session) + 1)
            bot_api.continue_after(await last_message_id(session))
        console.staff = LocalUser(
            app, bot_api, LOCAL_ADMIN_ID, "ja", update_ids, "Admin", group_id=LOCAL_STAFF_CHAT_ID
        )
        out.write(f"madoguchi local chat on LINE\n{HELP}\nDatabase: {url}\n")
        await _converse(console, stdin, out)
    finally:
        await console.client.aclose()
        await engine.dispose()


async def _converse(console: LineConsole, stdin: TextIO, out: TextIO) -> None:
    """Reads lines until end of input, relaying the outbox after each."""
    interactive = stdin.isatty()
    loop = asyncio.get_running_loop()
    async with console.app:
        while True:
            if interactive:
                out.write("\n> ")
                out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            if not interactive:
                out.write(f"\n> {line.rstrip()}\n")
            await console.handle_line(line)
            await refuse_foreign(console.services, out)
            await console.services.relay.deliver_due()
            console.print_new()
