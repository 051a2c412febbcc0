"""Test doubles: a controllable clock, a user client and a harness around the real Application."""

from __future__ import annotations

import html
import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import TelegramObject
from telegram.ext import Application

from bot.channels.telegram.app import build_application
from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.local_api import LocalBotApi, StoredMessage
from bot.channels.telegram.local_user import LocalUser
from bot.i18n import Catalogs, Translator
from bot.services import Services
from bot.settings import EXAMPLE_PROFILE, Settings
from storage.residents import ResidentDTO, get_draft, get_or_create_resident
from storage.tickets import TicketDTO

STAFF_CHAT_ID = -1001234567890
# A fixed test key (never used outside tests), so every test runs with encryption at rest.
TEST_KEY = "test1:" + "dGVzdC1rZXktZm9yLW1hZG9ndWNoaS10ZXN0cy0wMDE"


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Moves the clock forward."""
        self.now += timedelta(**delta)


class UserClient(LocalUser):
    """A resident in a test: sends, clicks by label, and reads what the bot said."""

    @property
    def last(self) -> StoredMessage:
        """The newest message the bot sent this user."""
        return self.messages()[-1]

    def texts(self) -> list[str]:
        """Every text the bot sent this user, oldest first."""
        return [m.text for m in self.messages()]

    def said(self, fragment: str, since: int = 0) -> bool:
        """Whether any message (from index `since`) contains a fragment."""
        return any(fragment in text for text in self.texts()[since:])

    def labels(self) -> list[str]:
        """Labels of the newest keyboard."""
        return [label for label, _ in self.buttons()]

    async def click(self, label: str, message: StoredMessage | None = None) -> dict[str, Any]:
        """Presses a button by its label; a long option whose button is short is found, as a
        resident finds it, by its numbered line in the message body ("3. label")."""
        message = message or self.last_keyboard_message()
        try:
            return await super().click(label, message)
        except LookupError:
            if message is None:
                raise
            number = _numbered_line(html.unescape(message.text or ""), label)
            if number is None:
                raise
            pattern = re.compile(rf"^[^\w]*{number}\. ")
            [data] = [d for text, d in self.buttons(message) if pattern.match(text)]
            return await self.press(message, data)


def _numbered_line(text: str, label: str) -> int | None:
    """The number of the body line "n. label" that is exactly this label."""
    for line in text.split("\n"):
        match = re.fullmatch(r"(\d+)\. (.*)", re.sub(r"<[^>]+>", "", line).strip())
        if match and match.group(2) == label:
            return int(match.group(1))
    return None


def settings_for_test(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test, independent of the machine's environment and .env file."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "staff_chat_id": STAFF_CHAT_ID,
        "admin_ids": [900001],
        "office_profile": EXAMPLE_PROFILE,
        "outbox_max_attempts": 4,
        "outbox_chat_interval_seconds": 0,
        "encryption_key": TEST_KEY,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class Harness:
    """The real Application with its real handlers and database; Telegram is a LocalBotApi."""

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        db: async_sessionmaker[AsyncSession],
        catalogs: Catalogs,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.db = db
        self.catalogs = catalogs
        self.clock = FakeClock()
        self.api = LocalBotApi()
        self.errors: list[BaseException] = []
        self.update_ids = itertools.count(1)
        self.app: Application = self._build()

    def _build(self) -> Application:
        """A fresh Application on the same database and fake Telegram."""
        app = build_application(
            self.settings,
            self.db,
            self.api,
            clock=self.clock,
            catalogs=self.catalogs,
            rate_limit=False,
        )

        async def collect(_update: object, context: Any) -> None:
            self.errors.append(context.error)

        app.add_error_handler(collect)
        return app

    @property
    def services(self) -> Services:
        """The running application's services."""
        return self.app.bot_data[SERVICES_KEY]

    def ja(self) -> Translator:
        """The Japanese translator."""
        return self.catalogs.translator_for("ja")

    def en(self) -> Translator:
        """The English translator."""
        return self.catalogs.translator_for("en")

    def resident(self, user_id: int = 5001, language: str | None = "en") -> UserClient:
        """A resident using the current application."""
        return UserClient(self.app, self.api, user_id, language, self.update_ids)

    def staff(self, user_id: int, name: str = "Staff", in_group: bool = True) -> UserClient:
        """A person in the staff group (or, with in_group=False, in a private chat with the bot)."""
        return UserClient(
            self.app,
            self.api,
            user_id,
            "ja",
            self.update_ids,
            first_name=name,
            group_id=self.settings.staff_chat_id if in_group else None,
        )

    async def restart(self) -> None:
        """Stops the application and starts a new one on the same database (a restart)."""
        await self.app.shutdown()
        self.app = self._build()
        await self.app.initialize()

    def rebind(self, *users: UserClient) -> None:
        """Points users at the current application after a restart."""
        for user in users:
            user.app = self.app

    async def relay(self) -> int:
        """Runs the outbox relay once."""
        return await self.services.relay.deliver_due()

    def staff_messages(self) -> list[StoredMessage]:
        """What reached the staff chat."""
        return self.api.sent_to(self.settings.staff_chat_id)

    async def tickets(self) -> list[TicketDTO]:
        """Every ticket, oldest first."""
        from sqlalchemy import select

        from storage.models import Ticket

        async with self.db() as session:
            rows = await session.scalars(select(Ticket).order_by(Ticket.id))
            return [TicketDTO.model_validate(r) for r in rows]

    async def draft_state(self, user: UserClient) -> dict[str, Any] | None:
        """The stored draft state of a user, if any."""
        async with self.db() as session:
            resident = await get_or_create_resident(
                session, user.user_id, user.chat_id, user.language_code, self.clock()
            )
            draft = await get_draft(session, resident.id)
            await session.rollback()
            return draft.state if draft else None

    async def resident_row(self, user: UserClient) -> ResidentDTO | None:
        """The stored resident row of a user, if any."""
        from sqlalchemy import select

        from storage.models import Resident

        async with self.db() as session:
            row = await session.scalar(
                select(Resident).where(Resident.telegram_user_id == user.user_id)
            )
            return ResidentDTO.model_validate(row) if row else None


def record_parsing(
    monkeypatch: pytest.MonkeyPatch, cls: type[TelegramObject], key: str
) -> list[Any]:
    """Records data[key] of every dict PTB builds a `cls` from, from now on."""
    seen: list[Any] = []
    original = cls.de_json.__func__  # type: ignore[attr-defined]

    def recording(klass: type[TelegramObject], data: Any, bot: Any = None) -> Any:
        if isinstance(data, dict) and key in data:
            seen.append(data[key])
        return original(klass, data, bot)

    monkeypatch.setattr(cls, "de_json", classmethod(recording))
    return seen
