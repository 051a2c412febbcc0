"""The retention job at its boundaries, with a controlled clock; each run recorded without personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.tickets.retention import apply_retention
from storage.runs import retention_runs
from tests.fakes import Harness
from tests.scripts import begin_form
from tests.staff_helpers import add_staff, resident_request, ticket
from tests.test_digest import make_ticket, tokyo


async def test_closed_tickets_are_erased_90_days_after_closing(harness: Harness) -> None:
    """Closed at T: kept at T+90d−1min, erased at T+90d+1min; counts stay."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness, form="consultation")
    await staff.send(f"/close {tk.reference}")
    closed_at = harness.clock()
    assert (await apply_retention(harness.services, closed_at + timedelta(days=90, minutes=-1)))[
        "closed_tickets"
    ] == 0
    assert (await ticket(harness, tk.id)).answers
    counts = await apply_retention(harness.services, closed_at + timedelta(days=90, minutes=1))
    assert counts["closed_tickets"] == 1
    kept = await ticket(harness, tk.id)
    assert (kept.answers, kept.phone, kept.resident_id, kept.erased) == ({}, None, None, True)
    assert (kept.service, kept.status, kept.district_key) == ("consultation", "closed", "d03")
    assert (await apply_retention(harness.services, closed_at + timedelta(days=91)))[
        "closed_tickets"
    ] == 0


async def test_open_tickets_are_never_erased(harness: Harness) -> None:
    """An open ticket keeps its data however old it is."""
    _, tk = await resident_request(harness)
    await apply_retention(harness.services, harness.clock() + timedelta(days=400))
    assert (await ticket(harness, tk.id)).answers


async def test_volunteer_registrations_are_erased_a_year_after_the_last_activity(
    harness: Harness,
) -> None:
    """Idle for a year minus a minute: kept; a year and a minute: erased."""
    created = tokyo(2025, 11, 20, 10)
    registration = await make_ticket(
        harness, created, service="volunteer_registration", status="assigned"
    )
    assert (await apply_retention(harness.services, created + timedelta(days=365, minutes=-1)))[
        "volunteer_registrations"
    ] == 0
    assert (await apply_retention(harness.services, created + timedelta(days=365, minutes=1)))[
        "volunteer_registrations"
    ] == 1
    assert (await ticket(harness, registration.id)).answers == {}


async def test_drafts_expire_after_72_hours_and_runs_are_recorded(harness: Harness) -> None:
    """A draft untouched for 72 hours goes; each run is a row of counts only."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send("2")
    start = harness.clock()
    await apply_retention(harness.services, start + timedelta(hours=71, minutes=59))
    assert await harness.draft_state(resident) is not None
    await apply_retention(harness.services, start + timedelta(hours=72, minutes=1))
    assert await harness.draft_state(resident) is None
    async with harness.db() as session:
        runs = await retention_runs(session)
    assert [r["drafts"] for r in runs] == [0, 1]
    assert set(runs[0]) == {
        "ran_at",
        "drafts",
        "closed_tickets",
        "volunteer_registrations",
        "residents",
    }


async def test_residents_with_nothing_left_are_removed(harness: Harness) -> None:
    """After their only ticket is erased, an idle resident's row goes too."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    await staff.send(f"/close {tk.reference}")
    counts = await apply_retention(harness.services, harness.clock() + timedelta(days=91))
    assert counts["residents"] == 1
    assert await harness.resident_row(resident) is None


async def test_resolved_tickets_and_idle_volunteers_are_erased_and_leave_the_queue(
    harness: Harness,
) -> None:
    """Resolved long ago (never closed) is erased; an erased volunteer registration is closed."""
    staff = await add_staff(harness, 700001, "佐藤")
    _, tk = await resident_request(harness)
    await staff.send(f"/assign {tk.reference} me")
    await staff.send(f"/status {tk.reference} resolved")
    registration = await make_ticket(
        harness, harness.clock(), service="volunteer_registration", status="assigned"
    )
    counts = await apply_retention(harness.services, harness.clock() + timedelta(days=400))
    assert counts["closed_tickets"] == 1 and counts["volunteer_registrations"] == 1
    assert (await ticket(harness, tk.id)).answers == {}
    assert (await ticket(harness, registration.id)).status == "closed"


async def test_erasure_removes_notes_reasons_and_failed_messages(harness: Harness) -> None:
    """Staff notes, close reasons and undelivered relays go with the rest."""
    from sqlalchemy import text as sql

    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    await staff.send(f"/note {tk.reference} 電話で山田さんと話した")
    harness.api.fail_next(
        "sendMessage", status=400, chat_id=resident.chat_id, description="Bad Request"
    )
    await staff.send(f"/reply {tk.reference} 山田さんへのお返事")
    await harness.relay()
    await staff.send(f"/close {tk.reference} 山田さんの件は完了")
    await resident.send("/delete")
    await resident.click("Yes, delete my data")
    async with harness.engine.connect() as conn:
        for table in ("ticket_events", "outbox"):
            dump = repr((await conn.execute(sql(f"SELECT * FROM {table}"))).all())
            assert "山田" not in dump, table


async def test_the_daily_run_refreshes_sqlites_planner_statistics(harness: Harness) -> None:
    """SQLite's planner knows the tickets' indexes after the daily run (a sampled ANALYZE):
    without statistics it cannot tell the small open-ticket indexes from the large ones."""
    if harness.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's autovacuum analyzes the tables by itself")
    await resident_request(harness)

    async def analyzed_indexes() -> set[str]:
        async with harness.db() as session:
            has_table = await session.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            )
            if not has_table:
                return set()
            rows = await session.execute(
                text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'tickets' AND idx IS NOT NULL")
            )
            return {name for (name,) in rows}

    assert "ix_tickets_open_assignee_id" not in await analyzed_indexes()
    await apply_retention(harness.services, harness.clock())
    assert {"ix_tickets_open_assignee_id", "ix_tickets_open_created_bday"} <= (
        await analyzed_indexes()
    )
