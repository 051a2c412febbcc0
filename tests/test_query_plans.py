"""The digest's and statistics' queries are served by indexes (plans, not timings)."""

from __future__ import annotations

import re

from sqlalchemy import event, text

from bot.numbers.figures import collect_digest, collect_stats, period_bounds
from storage.models import Ticket
from tests.fakes import Harness
from tests.test_digest import make_ticket, tokyo

FULL_SCAN = re.compile(r"SCAN tickets(?! USING)|Seq Scan on tickets")


async def _captured(harness: Harness, work) -> list[tuple[str, object]]:
    """The SQL statements (with their parameters) that `work` runs against tickets."""
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "tickets" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(harness.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with harness.db() as session:
            await work(session)
    finally:
        event.remove(harness.engine.sync_engine, "before_cursor_execute", capture)
    return statements


async def _plans(harness: Harness, statements) -> list[tuple[str, str]]:
    """Each statement with its query plan (sequential scans discouraged on PostgreSQL)."""
    plans = []
    async with harness.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            # A tiny test table is cheaper to scan; the question is whether an index can serve.
            await conn.execute(text("SET enable_seqscan = off"))
        prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        for statement, parameters in statements:
            rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
            plans.append((statement, "\n".join(" ".join(str(v) for v in row) for row in rows)))
    return plans


async def _some_tickets(harness: Harness) -> None:
    for day in range(16, 27):
        await make_ticket(
            harness, tokyo(2026, 11, day, 10), priority="urgent" if day % 3 else "normal"
        )
        await make_ticket(harness, tokyo(2026, 11, day, 11), service="food", status="closed")


async def test_digest_queries_use_indexes(harness: Harness) -> None:
    """No digest query reads the whole tickets table."""
    await _some_tickets(harness)
    now = tokyo(2026, 11, 27, 8, 30)
    statements = await _captured(harness, lambda s: collect_digest(s, harness.services, now))
    assert len(statements) >= 6
    for statement, plan in await _plans(harness, statements):
        assert not FULL_SCAN.search(plan), f"{statement}\n{plan}"


async def test_monthly_statistics_use_indexes(harness: Harness) -> None:
    """No /stats query reads the whole tickets table."""
    await _some_tickets(harness)
    label, start, end = period_bounds("2026-11", None)
    statements = await _captured(
        harness, lambda s: collect_stats(s, harness.services, label, start, end)
    )
    assert len(statements) >= 5
    for statement, plan in await _plans(harness, statements):
        assert not FULL_SCAN.search(plan), f"{statement}\n{plan}"


async def test_digest_counts_of_open_tickets_can_be_answered_from_an_index(
    harness: Harness,
) -> None:
    """The digest counts open tickets (by status, priority, assignee, over target, waiting) in
    one pass that looks only at columns one open-ticket index carries, so the database can
    answer it without reading a row; at a million tickets on SQLite a row read per open
    ticket made three such counts ~30 ms each."""
    await _some_tickets(harness)
    now = tokyo(2026, 11, 27, 8, 30)
    statements = await _captured(harness, lambda s: collect_digest(s, harness.services, now))
    counts = [s for s, _ in statements if "count(" in s and "status IN" in s]
    assert len(counts) == 1
    open_indexes = [
        {column.name for column in index.columns}
        for index in Ticket.__table__.indexes
        if index.dialect_options["sqlite"]["where"] is not None
    ]
    for statement in counts:
        looked_at = set(re.findall(r"tickets\.(\w+)", statement))
        assert any(looked_at <= carried for carried in open_indexes), statement
