"""Nothing personal outlives /delete: erased tickets stay as they are, alerts about the resident
go, and an embedded database keeps its files to itself."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import create_engine
from storage.outbox import outbox_messages
from storage.tickets import ticket_events
from tests.fakes import Harness
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
