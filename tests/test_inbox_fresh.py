"""Long polling handles a fetched update at once when its chat has nothing waiting in the inbox:
one commit, no inbox row; anything that cannot be handled so is stored, in order, not lost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from telegram import Update

from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.polling import UpdateFetcher
from bot.channels.telegram.reading import UNREADABLE
from storage.models import InboxUpdate
from tests.fake_telegram import FakeTelegram
from tests.fakes import Harness
from tests.test_inbox import UnreachableDatabase, drain, failing_handler
from tests.test_inbox_sole_worker import inbox_and_handled

MENU = "What can we help you with?"


def polling_parts(harness: Harness) -> tuple[UpdateFetcher, InboxWorker]:
    """The fetcher and the sole inbox worker, as serve() builds them for long polling."""
    notices = OutageNotices(harness.catalogs)
    worker = InboxWorker(harness.app, notices, concurrency=1, sole=True)
    return UpdateFetcher(harness.app, worker, notices), worker


class Fetches:
    """getUpdates answers for one test, update ids rising across answers."""

    def __init__(self, harness: Harness) -> None:
        self._harness = harness
        self._builder = FakeTelegram()

    def __call__(self, *messages: tuple[int, str]) -> list[Update]:
        """(user, text) pairs as getUpdates returns them."""
        first = len(self._builder.updates)
        for user, text in messages:
            self._builder.text_update(user, text, language="en")
        return [
            Update.de_json(payload, self._harness.app.bot)
            for payload in self._builder.updates[first:]
        ]


def handling_order(harness: Harness, monkeypatch: Any) -> list[int]:
    """The update ids the Application runs handlers for, in order, from now on."""
    order: list[int] = []
    original = harness.app.process_update

    async def noting(update: Any) -> None:
        order.append(update.update_id)
        await original(update)

    monkeypatch.setattr(harness.app, "process_update", noting)
    return order


async def test_a_fetched_update_is_handled_in_one_commit_without_an_inbox_row(
    harness: Harness,
) -> None:
    fetcher, worker = polling_parts(harness)
    fetched = Fetches(harness)
    commits: list[int] = []
    inbox_writes: list[str] = []
    engine = harness.engine.sync_engine
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_rest: inbox_writes.append(sql) if "INTO inbox" in sql else None,
    )
    assert await fetcher.take(fetched((5301, "/start")))
    assert (len(commits), inbox_writes) == (1, [])
    assert await inbox_and_handled(harness) == (0, 1)
    assert MENU in harness.api.sent_to(5301)[-1].text
    assert not worker.woken, "nothing was stored, so the worker has nothing to look at"


def count_waiting_queries(harness: Harness) -> list[str]:
    """One entry per query asking the inbox which chats have updates waiting, from now on."""
    asked: list[str] = []
    event.listen(
        harness.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_rest: (
            asked.append(sql) if "DISTINCT inbox.chat_id" in sql else None
        ),
    )
    return asked


async def test_the_inbox_is_not_asked_while_the_worker_knows_it_empty(harness: Harness) -> None:
    """Once the worker found nothing waiting, fetched updates skip the question; anything
    stored (here: an update that failed) makes the next fetch ask again."""
    fetcher, worker = polling_parts(harness)
    fetched = Fetches(harness)
    asked = count_waiting_queries(harness)
    assert await fetcher.take(fetched((5310, "/start")))
    assert len(asked) == 1, "before the worker has looked, the inbox is asked"
    assert await worker.handle_due() == 0  # the worker's loop finds the inbox empty
    first, _ = fetched((5311, "/start"), (5312, "/start"))
    assert await fetcher.take([first])
    assert len(asked) == 1
    tries = failing_handler(harness, "boom", RuntimeError("a bug"))
    boom, after = fetched((5313, "boom"), (5313, "/start"))
    assert await fetcher.take([boom])
    assert len(tries) == 1 and worker.woken
    assert await fetcher.take([after])
    assert len(asked) == 2, "something was stored: the inbox is asked again"
    assert await inbox_and_handled(harness) == (2, 2), "5313's /start waits behind its failure"
    harness.app.handlers[0].pop(0)
    await drain(worker)
    assert await inbox_and_handled(harness) == (0, 4)
    assert await worker.handle_due() == 0
    assert await fetcher.take([_])
    assert len(asked) == 2, "empty again once the worker found nothing waiting"
    harness.errors.clear()


async def test_an_update_waits_behind_its_chat_s_stored_one_while_other_chats_go_on(
    harness: Harness, monkeypatch: Any
) -> None:
    fetcher, worker = polling_parts(harness)
    fetched = Fetches(harness)
    earlier, later, other = fetched((5302, "/start"), (5302, "/help"), (5303, "/start"))
    assert await fetcher.store([earlier])  # stored by an earlier fetch, not handled yet
    order = handling_order(harness, monkeypatch)
    assert await fetcher.take([later, other])
    assert order == [other.update_id], "the other chat is handled at once, 5302 waits"
    assert await inbox_and_handled(harness) == (2, 1)
    assert worker.woken
    await drain(worker)
    assert order == [other.update_id, earlier.update_id, later.update_id]
    assert await inbox_and_handled(harness) == (0, 3)


async def test_a_failing_update_is_stored_with_its_chat_s_next_and_handled_on_retry(
    harness: Harness, monkeypatch: Any
) -> None:
    fetcher, worker = polling_parts(harness)
    fetched = Fetches(harness)
    tries = failing_handler(harness, "boom", RuntimeError("a bug"))
    updates = fetched((5304, "boom"), (5304, "/start"), (5305, "/start"))
    order = handling_order(harness, monkeypatch)
    assert await fetcher.take(updates)
    boom, start, other = (u.update_id for u in updates)
    assert order == [boom, other], "after the failure 5304's /start waits; 5305 goes on"
    assert await inbox_and_handled(harness) == (2, 1)
    harness.app.handlers[0].pop(0)  # the bug is fixed
    await drain(worker)
    assert order == [boom, other, boom, start]
    assert len(tries) == 1
    assert await inbox_and_handled(harness) == (0, 3)
    assert MENU in harness.api.sent_to(5304)[-1].text
    harness.errors.clear()  # the failure was the point


async def test_with_the_database_down_the_offset_stops_at_the_first_update_not_handled(
    harness: Harness,
) -> None:
    """The first update is handled; the database goes away while the second is handled, so it
    can be neither handled nor stored: Telegram is asked for it again, the resident told."""
    from sqlalchemy.exc import OperationalError

    fetcher, worker = polling_parts(harness)
    fetched = Fetches(harness)
    real_db = harness.services.db
    tries = failing_handler(harness, "2", OperationalError("SELECT", {}, OSError("gone")))
    original = harness.app.process_update

    async def database_leaves(update: Any) -> None:
        await original(update)
        if tries:
            object.__setattr__(harness.services, "db", UnreachableDatabase())

    harness.app.process_update = database_leaves  # type: ignore[method-assign]
    first, second = fetched((5306, "/start"), (5306, "2"))
    assert not await fetcher.take([first, second])
    assert fetcher._offset == second.update_id
    told = [m.text for m in harness.api.sent_to(5306)]
    assert MENU in told[0] and len(told) == 2 and "this message is not lost" in told[1]
    object.__setattr__(harness.services, "db", real_db)
    harness.app.handlers[0].pop(0)
    harness.app.process_update = original  # type: ignore[method-assign]
    assert await fetcher.take([second])
    assert fetcher._offset == second.update_id + 1
    # Until a store succeeds, fetched updates go to the inbox: one attempt while it is down.
    assert await inbox_and_handled(harness) == (1, 1)
    await drain(worker)
    assert await inbox_and_handled(harness) == (0, 2)
    assert await fetcher.take(fetched((5306, "/help")))
    assert await inbox_and_handled(harness) == (0, 3), "the database is back: handled at once"
    harness.errors.clear()


def _unreadable_poll(user: int) -> dict[str, Any]:
    """An update's body PTB cannot read: a resident's poll without the fields a Poll needs."""
    return {
        "message": {
            "message_id": 77,
            "date": 1_700_000_000,
            "chat": {"id": user, "type": "private", "first_name": "秘密の名前"},
            "from": {"id": user, "is_bot": False, "first_name": "秘密の名前"},
            "poll": {"id": "1", "question": "家賃が払えない秘密の質問"},
        },
    }


async def test_an_update_that_cannot_be_read_is_kept_and_polling_goes_on(
    harness: Harness, monkeypatch: Any, caplog: Any
) -> None:
    """getUpdates returns an update PTB cannot read between two residents' messages: both
    messages are handled, the unreadable one is kept in the inbox as given up (it blocks no
    chat), the offset moves past all three, and nothing a resident wrote reaches the log."""
    fetcher, _worker = polling_parts(harness)
    builder = FakeTelegram()
    first = builder.text_update(5401, "/start", language="en")
    builder.add_update(_unreadable_poll(5402))
    builder.text_update(5403, "/start", language="en")
    answers = [list(builder.updates)]
    monkeypatch.setattr(
        harness.api, "_api_getUpdates", lambda _params: answers.pop(0) if answers else []
    )
    assert await fetcher._fetch()
    assert fetcher._offset == first + 3
    for resident in (5401, 5403):
        assert MENU in harness.api.sent_to(resident)[0].text
    async with harness.db() as session:
        kept = (await session.scalars(select(InboxUpdate))).all()
    assert [(k.update_id, k.chat_id, k.failed) for k in kept] == [(first + 1, 5402, True)]
    assert kept[0].payload["message"]["poll"]["question"] == "家賃が払えない秘密の質問"
    assert kept[0].last_error == UNREADABLE
    assert "秘密" not in caplog.text and str(first + 1) in caplog.text
    # Nothing is left to fetch, and an update that cannot be read alone moves the offset too.
    answers.append([{"update_id": first + 3, **_unreadable_poll(5402)}])
    assert await fetcher._fetch()
    assert fetcher._offset == first + 4
    # One nothing could store (an id past 64 bits inside) is skipped, not kept, and passed.
    answers.append([{"update_id": first + 4, "message": {"chat": {"id": 2**70}}}])
    assert await fetcher._fetch()
    assert fetcher._offset == first + 5
    async with harness.db() as session:
        assert len((await session.scalars(select(InboxUpdate))).all()) == 2
    await fetcher._confirm()


async def test_an_unreadable_update_waits_with_telegram_while_the_database_is_down(
    harness: Harness, monkeypatch: Any
) -> None:
    """With nowhere to keep an update that cannot be read, the offset stays: Telegram keeps it
    and the readable ones after it."""
    fetcher, _worker = polling_parts(harness)
    builder = FakeTelegram()
    builder.add_update(_unreadable_poll(5404))
    builder.text_update(5405, "/start", language="en")
    monkeypatch.setattr(harness.api, "_api_getUpdates", lambda _params: list(builder.updates))
    object.__setattr__(harness.services, "db", UnreachableDatabase())
    assert not await fetcher._fetch()
    assert fetcher._offset is None
    assert harness.api.sent_to(5405) == []
