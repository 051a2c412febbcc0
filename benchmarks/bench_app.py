"""The real Application on a benchmark database: one way to build it for every section."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application
from telegram.request import BaseRequest

from benchmarks.inbox_path import InboxUser
from benchmarks.lean_api import LeanBotApi
from bot.channels.telegram.app import build_application
from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.local_user import LocalUser
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.polling import UpdateFetcher
from bot.heap import settle_start_up_heap
from bot.i18n import Catalogs
from bot.services import Services, utc_now
from bot.settings import EXAMPLE_PROFILE, Settings
from storage.crypto import Keyring
from storage.db import create_engine, create_sessionmaker

STAFF_CHAT_ID = -1001000000001
ADMIN_ID = 900001


def bench_settings(url: str, **overrides: Any) -> Settings:
    """Settings for a benchmark: the example office, a staff group, one admin, encryption on."""
    values: dict[str, Any] = {
        "database_url": url,
        "staff_chat_id": STAFF_CHAT_ID,
        "admin_ids": [ADMIN_ID],
        "office_profile": EXAMPLE_PROFILE,
        "encryption_key": Keyring.new_key_spec("bench"),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class BenchApp:
    """A running Application, the fake Telegram it talks to (if local) and its update ids."""

    app: Application
    api: LeanBotApi | None
    update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # Set, the local users' updates go through the inbox as in production (long polling).
    through_inbox: bool = False
    _inbox: tuple[UpdateFetcher, InboxWorker] | None = None
    engine: AsyncEngine | None = None
    # Statements sent to the database since the application started (count_statements).
    statements_sent: int = 0

    @property
    def services(self) -> Services:
        """The application's services (database, relay, clock …)."""
        return self.app.bot_data[SERVICES_KEY]

    @property
    def settings(self) -> Settings:
        """The application's settings."""
        return self.services.settings

    def user(self, user_id: int, language: str = "en", group_id: int | None = None) -> LocalUser:
        """A person on the local Bot API (in the staff group when group_id is given)."""
        assert self.api is not None, "only an application on the local Bot API has local users"
        if not self.through_inbox:
            return LocalUser(
                self.app, self.api, user_id, language, self.update_ids, group_id=group_id
            )
        fetcher, worker = self._inbox_parts()
        return InboxUser(
            self.app,
            self.api,
            user_id,
            language,
            self.update_ids,
            group_id=group_id,
            fetcher=fetcher,
            worker=worker,
        )

    def _inbox_parts(self) -> tuple[UpdateFetcher, InboxWorker]:
        """The fetcher that stores updates and the worker that handles them, as serve() has."""
        if self._inbox is None:
            notices = OutageNotices(self.services.catalogs)
            concurrency = 4 if self.settings.is_postgres else 1
            worker = InboxWorker(self.app, notices, concurrency=concurrency, sole=True)
            self._inbox = (UpdateFetcher(self.app, worker, notices), worker)
        return self._inbox

    async def start_inbox(self) -> None:
        """Lets the inbox worker look at the (empty) inbox once, as its loop does at start."""
        _fetcher, worker = self._inbox_parts()
        if await worker.handle_due():
            raise RuntimeError("the benchmark's inbox was not empty")

    def staff_member(self) -> LocalUser:
        """The admin, typing in the staff group (an admin counts as staff)."""
        return self.user(self.settings.admin_ids[0], "ja", group_id=self.settings.staff_chat_id)

    def count_statements(self) -> None:
        """Counts every statement the application's engine sends from now on."""
        assert self.engine is not None

        def counted(*_args: Any) -> None:
            """Adds one statement."""
            self.statements_sent += 1

        event.listen(self.engine.sync_engine, "before_cursor_execute", counted)

    async def count(self, sql: str) -> int:
        """The single number a counting query returns."""
        async with self.services.db() as session:
            return int((await session.execute(text(sql))).scalar_one())


@asynccontextmanager
async def bench_app(
    url: str,
    *,
    local: bool = True,
    rate_limit: bool = False,
    updater: bool = True,
    clock: Callable[[], datetime] = utc_now,
    catalogs: Catalogs | None = None,
    through_inbox: bool = False,
    **settings: Any,
) -> AsyncIterator[BenchApp]:
    """Builds and runs the Application on a database, on a LeanBotApi or (local=False) HTTP;
    through_inbox sends the local users' updates through the inbox and its worker."""
    configured = bench_settings(url, **settings)
    engine = create_engine(url, configured.keyring())
    api = LeanBotApi() if local else None
    request: BaseRequest | None = api
    app = build_application(
        configured,
        create_sessionmaker(engine),
        request,
        clock=clock,
        catalogs=catalogs,
        rate_limit=rate_limit,
        updater=updater,
    )
    try:
        async with app:
            bench = BenchApp(app, api, through_inbox=through_inbox, engine=engine)
            if through_inbox and local:
                await bench.start_inbox()
            # As serve() does once the application has started.
            settle_start_up_heap()
            yield bench
    finally:
        await engine.dispose()
