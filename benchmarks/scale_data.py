"""Generates a large, realistic ticket table quickly, straight through the database drivers."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import BusinessCalendar
from bot.forms.definitions import FORMS

SERVICES = list(FORMS)
OPEN = ("new", "assigned", "in_progress", "waiting", "referred")
PARTNERS = ("ward_life_support", "care_plaza", "minsei_iin", "district_council", None, None, None)
COLUMNS = (
    "id",
    "reference",
    "resident_id",
    "service",
    "status",
    "priority",
    "district_key",
    "contact_method",
    "phone",
    "answers",
    "locale",
    "source",
    "assignee_id",
    "entered_by_id",
    "referred_to",
    "card_message_id",
    "resident_unreachable",
    "first_action_at",
    "resolved_at",
    "closed_at",
    "last_activity_at",
    "created_bday",
    "first_action_bday",
    "resolved_bday",
    "created_at",
    "updated_at",
    "erased",
    "minor",
)
STAFF = 20


def ticket_rows(count: int, end: datetime, tz: ZoneInfo, seed: int = 7) -> Iterator[tuple]:
    """Yields `count` ticket rows spread over the four years before `end`, oldest first."""
    # About 3% are still open, mostly recent; the rest were resolved and closed.
    rng = random.Random(seed)
    calendar = BusinessCalendar(tz)
    span = timedelta(days=4 * 365)
    start = end - span
    ordinals: dict[date, int] = {}

    def ordinal(moment: datetime) -> int:
        """The business-day ordinal of a moment's local date, cached by day."""
        day = moment.astimezone(tz).date()
        if day not in ordinals:
            ordinals[day] = calendar.ordinal(day)
        return ordinals[day]

    step = span / count
    answers = json.dumps(
        {"situation": "（ベンチマーク用の回答）", "contact_method": "chat"}, ensure_ascii=False
    )
    for i in range(count):
        created = start + step * i
        age = end - created
        is_open = rng.random() < (0.6 if age < timedelta(days=30) else 0.01)
        first = created + timedelta(hours=rng.randint(1, 96))
        resolved = first + timedelta(days=rng.randint(0, 20))
        status = rng.choice(OPEN) if is_open else "closed"
        yield (
            i + 1,
            f"{i // 10000:04d}-{i % 10000:04d}",
            None,
            rng.choice(SERVICES),
            status,
            rng.choices(("urgent", "high", "normal", "low"), (2, 10, 80, 8))[0],
            f"d{rng.randint(1, 21):02d}",
            "chat",
            None,
            answers,
            "ja",
            "resident",
            rng.randint(1, STAFF) if status != "new" else None,
            None,
            rng.choice(PARTNERS),
            None,
            False,
            first if status != "new" else None,
            None if is_open else resolved,
            None if is_open else resolved,
            resolved if not is_open else first,
            ordinal(created),
            ordinal(first) if status != "new" else None,
            None if is_open else ordinal(resolved),
            created,
            resolved,
            False,
            False,
        )


def staff_rows(now: datetime) -> Iterator[tuple]:
    """The staff members tickets are assigned to."""
    for i in range(1, STAFF + 1):
        yield (i, 700000 + i, f"職員{i:02d}", "[]", True, now, now)


def naive(value: object) -> object:
    """A datetime as naive UTC, the way the SQLite schema stores it; anything else unchanged."""
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value


def fill_sqlite(path: str, count: int, end: datetime, tz: ZoneInfo) -> None:
    """Bulk-loads tickets into a migrated SQLite file and refreshes the planner's statistics."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    connection.executemany(
        "INSERT INTO staff (id, telegram_user_id, display_name, districts, active, created_at, "
        "updated_at) VALUES (?,?,?,?,?,?,?)",
        [tuple(naive(v) for v in row) for row in staff_rows(end)],
    )
    insert = f"INSERT INTO tickets ({','.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})"
    batch = []
    for row in ticket_rows(count, end, tz):
        batch.append(tuple(naive(v) for v in row))
        if len(batch) == 50_000:
            connection.executemany(insert, batch)
            batch.clear()
    if batch:
        connection.executemany(insert, batch)
    connection.commit()
    # The statistics the bot itself keeps (storage.db.refresh_planner_statistics).
    connection.execute("ANALYZE")
    connection.close()


async def fill_postgres(dsn: str, count: int, end: datetime, tz: ZoneInfo) -> None:
    """Bulk-loads tickets into a migrated PostgreSQL database with COPY, then ANALYZE."""
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table(
            "staff",
            records=[(i, u, n, d, a, c, up) for i, u, n, d, a, c, up in staff_rows(end)],
            columns=[
                "id",
                "telegram_user_id",
                "display_name",
                "districts",
                "active",
                "created_at",
                "updated_at",
            ],
        )
        await connection.copy_records_to_table(
            "tickets", records=ticket_rows(count, end, tz), columns=list(COLUMNS)
        )
        # What autovacuum does on a running server: statistics and the visibility map
        # (without which index-only scans still visit the table).
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
