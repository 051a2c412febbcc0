"""The inbox worker: handles stored updates once each, in order per chat, retrying failures."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import Update
from telegram.ext import Application

from bot.channels.line.handling import LineEvents, is_line_payload
from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.outage import OutageNotices
from bot.services import Services
from storage import inbox

log = logging.getLogger(__name__)

# Another worker may take an update whose lease ran out: its handler is then run again, and
# the processed-update key lets only one of the two transactions commit.
LEASE = timedelta(seconds=30)
# A handler that fails for a reason other than an unavailable database is tried this often.
MAX_ATTEMPTS = 5
RETRY_SECONDS = (1, 2, 4, 8, 16)
# How long the worker waits between looks at the inbox when nothing woke it.
IDLE_SECONDS = 1.0
# How many updates parsed by whoever stored them are kept for the worker (the oldest go first;
# an update not kept is parsed again from the inbox's JSON).
PARSED_KEPT = 256


def is_unavailable(error: BaseException) -> bool:
    """Whether an error means the database could not be reached (rather than a bug)."""
    if isinstance(error, IntegrityError):
        return False
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or type(error).__name__ in (
            "OperationalError",
            "InterfaceError",
        )
    return isinstance(error, (PoolTimeout, OSError, TimeoutError))


def chat_key(update: Update) -> int:
    """The chat whose updates are handled one at a time (the sender when there is no chat)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else 0


def for_inbox(update: Update, payload: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """An update as the inbox stores it: its chat key and its raw JSON."""
    return chat_key(update), payload if payload is not None else update.to_dict()


class InboxWorker:
    """Takes the head update of each chat from the inbox and runs the Application's handlers."""

    def __init__(
        self,
        app: Application,
        notices: OutageNotices,
        concurrency: int = 4,
        line: LineEvents | None = None,
        *,
        sole: bool = False,
    ) -> None:
        self._app = app
        # The only worker on the database (long polling): it takes updates without committing
        # a lease first, since no other process takes them (see _take).
        self._sole = sole
        # Updates this worker is handling right now (kept only by a sole worker).
        self._taken: set[int] = set()
        # Handles the inbox's LINE events when LINE is on (bot/channels/line/handling.py).
        self._line = line
        self._notices = notices
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        # Updates this worker could not hand back while the database was down.
        self._unreleased: set[int] = set()
        # Set by a sole worker that found no update waiting and saw nothing stored since:
        # fetched updates are then handled without asking the inbox which chats wait.
        self._inbox_empty = False
        # Set when handling a fetched update found the database unavailable: fetched updates
        # then go to the inbox (one attempt each time) until a store succeeds again.
        self._database_down = False
        # Stored updates as the fetcher or webhook parsed them, by update id, so that the
        # worker need not parse them again; only a cache: the inbox row is what is handled.
        self._parsed: dict[int, Update] = {}

    @property
    def _services(self) -> Services:
        """The application's services."""
        return self._app.bot_data[SERVICES_KEY]

    @property
    def sole(self) -> bool:
        """Whether this is the only worker on the database (long polling)."""
        return self._sole

    @property
    def woken(self) -> bool:
        """Whether updates were stored since the worker last looked at the inbox."""
        return self._wake.is_set()

    def wake(self) -> None:
        """Asks the worker to look at the inbox now (something was stored in it)."""
        self._inbox_empty = False
        self._wake.set()

    def stored(self, updates: list[Update]) -> None:
        """Keeps updates just committed to the inbox as parsed, and wakes the worker."""
        self._database_down = False
        for update in updates:
            self._parsed[update.update_id] = update
        while len(self._parsed) > PARSED_KEPT:
            del self._parsed[next(iter(self._parsed))]
        self.wake()

    async def release_leases(self) -> None:
        """Frees updates left leased by a crashed run (only when this is the only worker)."""
        async with self._services.db.begin() as session:
            freed = await inbox.release_all(session, self._services.clock())
        if freed:
            log.info("took back %d updates a previous run had started", freed)

    async def run(self, stop: asyncio.Event) -> None:
        """Handles updates until `stop` is set; waits calmly while the database is down."""
        while not stop.is_set():
            try:
                handled = await self.handle_due()
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                log.warning("inbox not readable (%s); trying again", type(exc).__name__)
                handled = 0
            if handled:
                continue
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=IDLE_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def handle_due(self) -> int:
        """Handles the due head update of every chat once; returns how many were handled."""
        # Cleared before the inbox is read, so that anything stored from now on wakes the next
        # look instead of waiting for the idle timeout.
        self._wake.clear()
        services = self._services
        if self._unreleased:
            async with services.db.begin() as session:
                for update_id in self._unreleased:
                    await inbox.retry_later(
                        session,
                        update_id,
                        services.clock(),
                        "released",
                        count_attempt=False,
                        max_attempts=MAX_ATTEMPTS,
                    )
            self._unreleased.clear()
        waiting = None
        async with services.db() as session:
            heads = await inbox.due_heads(session, services.clock(), limit=100)
            if not heads and self._sole:
                waiting, _given_up = await inbox.backlog(session)
        if not heads:
            # Empty, and nothing was stored while we looked (a store wakes the worker).
            if waiting == 0 and not self._wake.is_set():
                self._inbox_empty = True
            return 0
        limit = asyncio.Semaphore(self._concurrency)

        async def one(head: inbox.InboxDTO) -> bool:
            async with limit:
                return await self._handle(head)

        results = await asyncio.gather(*(one(head) for head in heads))
        return sum(results)

    async def _take(self, head: inbox.InboxDTO) -> bool:
        """Takes an update for this worker; False if it is already being handled.

        Several workers claim it: a lease committed before the handlers run. A sole worker
        only notes it here: no other process takes updates, and its own handle_due runs
        read each chat's head and handle distinct chats; a redelivery is still stopped by
        the processed-update id in the handling transaction.
        """
        if self._sole:
            if head.update_id in self._taken:
                return False
            self._taken.add(head.update_id)
            return True
        now = self._services.clock()
        async with self._services.db.begin() as session:
            return await inbox.claim(session, head.update_id, now, now + LEASE)

    async def _handle(self, head: inbox.InboxDTO) -> bool:
        """Takes one update, runs its handlers and records the outcome; True when done."""
        if not await self._take(head):
            return False
        try:
            return await self._run(head)
        finally:
            self._taken.discard(head.update_id)

    async def _run(self, head: inbox.InboxDTO) -> bool:
        """Runs a taken update's handlers and records the outcome; True when done."""
        services = self._services
        line = self._line if is_line_payload(head.payload) else None
        update = None if line is not None else self._parsed.pop(head.update_id, None)
        if line is None and update is None:
            update = Update.de_json(head.payload, self._app.bot)
        services.outcomes.watch(head.update_id)
        try:
            if line is not None:
                await self._line_event(line, head)
            else:
                await self._app.process_update(update)
        finally:
            outcome = services.outcomes.take(head.update_id)
        error = outcome.error
        if error is None:
            if not outcome.committed:  # no handler took it, or it was a redelivery
                async with services.db.begin() as session:
                    await inbox.remove(session, head.update_id)
            services.metrics.updates_handled.inc()
            return True
        await self._after_failure(update, head, error)
        return False

    async def handle_fresh(self, updates: list[Update]) -> list[Update]:
        """Handles fetched updates without storing them first, each chat's in order, where the
        chat has nothing waiting in the inbox; returns those left to store (from a chat's first
        failure on, a waiting chat's all; every one if the inbox cannot be read or the database
        was found unavailable).

        Only a sole worker does this: each update's id is recorded in its handling transaction,
        and Telegram keeps an update until the next getUpdates offset confirms it, which the
        fetcher moves past an update only once it is handled or stored.
        """
        if self._database_down:
            return updates
        try:
            waiting = await self._chats_waiting(updates)
        except (SQLAlchemyError, OSError, TimeoutError):
            return updates
        by_chat: dict[int, list[Update]] = {}
        for update in updates:
            by_chat.setdefault(chat_key(update), []).append(update)
        limit = asyncio.Semaphore(self._concurrency)

        async def one_chat(chat: int, chat_updates: list[Update]) -> list[Update]:
            if chat in waiting:
                return chat_updates
            async with limit:
                for number, update in enumerate(chat_updates):
                    if self._database_down or not await self._handle_one_fresh(update):
                        return chat_updates[number:]
            return []

        left = await asyncio.gather(*(one_chat(c, u) for c, u in by_chat.items()))
        to_store = {update.update_id for chat_updates in left for update in chat_updates}
        return [update for update in updates if update.update_id in to_store]

    async def _chats_waiting(self, updates: list[Update]) -> set[int]:
        """The chats of these updates that have updates waiting in the inbox (none without a
        query when this worker last found the inbox empty and nothing was stored since)."""
        if self._inbox_empty:
            return set()
        async with self._services.db() as session:
            return await inbox.chats_waiting(session, {chat_key(u) for u in updates})

    async def _handle_one_fresh(self, update: Update) -> bool:
        """Runs an unstored update's handlers; True when done, False when it failed."""
        services = self._services
        services.outcomes.watch(update.update_id, stored=False)
        try:
            await self._app.process_update(update)
        finally:
            outcome = services.outcomes.take(update.update_id)
        if outcome.error is not None:
            self._database_down = self._count_failure(outcome.error) or self._database_down
            log.warning(
                "update %s failed (%s); stored for another try",
                update.update_id,
                type(outcome.error).__name__,
            )
            return False
        services.metrics.updates_handled.inc()
        return True

    async def _line_event(self, line: LineEvents, head: inbox.InboxDTO) -> None:
        """Runs a LINE event, noting a failure as the error handler does for Telegram's."""
        try:
            await line.process(head.payload)
        except Exception as exc:  # noqa: BLE001 - every failure is kept for another try
            log.warning("LINE event %s failed (%s)", head.update_id, type(exc).__name__)
            self._services.outcomes.record_failure(head.update_id, exc)

    def _count_failure(self, error: BaseException) -> bool:
        """Counts a failed update in the metrics; True if the database was unavailable."""
        unavailable = is_unavailable(error)
        self._services.metrics.handler_errors.labels("database" if unavailable else "handler").inc()
        return unavailable

    async def _after_failure(
        self, update: Update | None, head: inbox.InboxDTO, error: BaseException
    ) -> None:
        """Keeps a failed update for another try; tells the resident once if the database is down."""
        services = self._services
        unavailable = self._count_failure(error)
        if unavailable and update is not None:
            await self._notices.tell(self._app.bot, update)
        seconds = 1 if unavailable else RETRY_SECONDS[min(head.attempts, len(RETRY_SECONDS) - 1)]
        retry_at = services.clock() + timedelta(seconds=seconds)
        try:
            async with services.db.begin() as session:
                await inbox.retry_later(
                    session,
                    head.update_id,
                    retry_at,
                    type(error).__name__,
                    count_attempt=not unavailable,
                    max_attempts=MAX_ATTEMPTS,
                )
        except (SQLAlchemyError, OSError, TimeoutError):
            log.warning("could not schedule update %s for another try", head.update_id)
            self._unreleased.add(head.update_id)
        if not unavailable and head.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "update %s failed %d times; kept in the inbox for an operator",
                head.update_id,
                MAX_ATTEMPTS,
            )
