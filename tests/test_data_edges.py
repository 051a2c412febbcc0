"""Nothing personal outlives /delete: erased tickets stay as they are, alerts about the resident
go, and an embedded database keeps its files to itself."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.i18n import Catalogs
from storage import migrate
from storage.db import create_engine, create_sessionmaker
from storage.outbox import outbox_messages
from storage.tickets import ticket_events
from tests.fakes import TEST_KEY, Harness, settings_for_test
from tests.staff_helpers import add_staff, resident_request, ticket


async def erase(harness: Harness, resident) -> None:
    """The resident deletes their data."""
    await resident.send("/delete")
    await resident.click("Yes, delete my data")


async def test_an_erased_ticket_cannot_be_reopened_noted_or_closed(harness: Harness) -> None:
    """After /delete, /note, /reopen and /close are refused and change nothing."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness, form="opinion")
    await erase(harness, resident)
    erased = await ticket(harness, tk.id)
    assert erased.erased
    async with harness.db() as session:
        before = len(await ticket_events(session, tk.id))
    for command in (
        f"/note {tk.reference} 本人から電話あり",
        f"/reopen {tk.reference}",
        f"/close {tk.reference} 理由",
    ):
        await staff.send(command)
        assert "削除済み" in staff.last.text, command
    async with harness.db() as session:
        assert len(await ticket_events(session, tk.id)) == before
    assert (await ticket(harness, tk.id)).status == erased.status


async def test_an_alert_about_a_resident_without_a_request_goes_with_their_data(
    harness: Harness,
) -> None:
    """A crisis alert not yet sent (or given up on) for someone with no request holds their
    words: /delete removes it."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.send("I want to die tonight, I have the pills ready")
    async with harness.db() as session:
        assert [m for m in await outbox_messages(session, "crisis_alert")]
    await erase(harness, resident)
    async with harness.db() as session:
        left = await outbox_messages(session, "crisis_alert")
    assert not [m for m in left if "pills" in m.text]


async def test_an_embedded_database_is_private_and_overwrites_what_it_deletes(
    harness: Harness, tmp_path: Path
) -> None:
    """A new SQLite file is readable by its owner only, and deleted content is overwritten."""
    if harness.engine.dialect.name != "sqlite":
        pytest.skip("file permissions and secure_delete are SQLite's; PostgreSQL keeps its own")
    path = tmp_path / "new" / "madoguchi.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA secure_delete"))).scalar() == 1
            await connection.execute(text("CREATE TABLE t (x TEXT)"))
            await connection.commit()
    finally:
        await engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


async def test_delete_removes_the_residents_words_from_the_staff_group(harness: Harness) -> None:
    """A follow-up relayed to the group and a crisis alert: after /delete the bot deletes both
    messages there; the card stays (it shows no personal data)."""
    resident, tk = await resident_request(harness, form="consultation")
    await resident.send("one more thing about my landlord")
    await resident.send("I want to die tonight, I have the pills ready")
    await harness.relay()
    said = "\n".join(m.text for m in harness.staff_messages())
    assert "landlord" in said and "pills" in said
    await erase(harness, resident)
    await harness.relay()
    left = "\n".join(m.text for m in harness.staff_messages())
    assert "landlord" not in left and "pills" not in left
    assert tk.reference in left, "the card and the erasure notice stay"
    deletions = [c for c in harness.api.calls if c.method == "deleteMessage"]
    assert len(deletions) >= 2


async def test_copies_older_than_telegram_allows_are_not_asked_for(harness: Harness) -> None:
    """Telegram lets a bot delete its messages for 48 hours: older relays are left (the notice
    says so) and nothing fails trying."""
    resident, _ = await resident_request(harness, form="consultation")
    await resident.send("one more thing about my landlord")
    await harness.relay()
    harness.clock.advance(hours=49)
    await erase(harness, resident)
    await harness.relay()
    assert not [c for c in harness.api.calls if c.method == "deleteMessage"]
    assert harness.errors == []


@pytest.mark.parametrize("keyed", [False, True], ids=["no key", "key"])
async def test_after_delete_no_file_of_the_database_holds_the_residents_words(
    tmp_path: Path, catalogs: Catalogs, keyed: bool
) -> None:
    """A SQLite database, with and without a key: after /delete (the word was written many
    times, so old pages sit in the write-ahead log) neither the file nor its -wal holds it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'madoguchi.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    settings = settings_for_test(url, encryption_key=TEST_KEY if keyed else None, data_dir=tmp_path)
    engine = create_engine(url, settings.keyring() if keyed else None)
    harness = Harness(settings, engine, create_sessionmaker(engine), catalogs)
    await harness.app.initialize()
    try:
        resident, _ = await resident_request(harness, form="consultation")
        for number in range(20):
            await resident.send(f"Zanthoxylum secret number {number}")
        await harness.relay()
        await erase(harness, resident)
        await harness.relay()
        files = [p for p in tmp_path.iterdir() if p.name.startswith("madoguchi.sqlite3")]
        assert files
        for path in files:
            assert b"Zanthoxylum" not in path.read_bytes(), path.name
    finally:
        await harness.app.shutdown()
        await engine.dispose()
