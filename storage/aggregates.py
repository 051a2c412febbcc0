"""Counts for the digest, statistics and reports: SQL aggregates over indexed columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    DigestRun,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
    open_ticket_condition,
)


@dataclass(frozen=True)
class TargetRule:
    """Tickets of this priority and/or service (None: any) are overdue after `days` business days
    (an exempt rule's tickets never are)."""

    days: int
    priority: str | None = None
    service: str | None = None
    exempt: bool = False


async def counts_by(session: AsyncSession, column, *conditions) -> dict[str, int]:
    """Number of tickets per value of a column, among tickets matching the conditions."""
    rows = await session.execute(select(column, func.count()).where(*conditions).group_by(column))
    return {key if key is not None else "": count for key, count in rows.all()}


def overdue_condition(today_bday: int, rules: Sequence[TargetRule]):
    """Open tickets older than the target of the first rule they match."""
    loosest = min(rule.days for rule in rules if not rule.exempt)
    overdue = []
    earlier: list = []
    for rule in rules:
        matches = and_(
            true(),
            *(
                condition
                for condition in (
                    Ticket.priority == rule.priority if rule.priority else None,
                    Ticket.service == rule.service if rule.service else None,
                )
                if condition is not None
            ),
        )
        if not rule.exempt:
            overdue.append(
                and_(
                    matches,
                    *(not_(e) for e in earlier),
                    Ticket.created_bday + Ticket.paused_bdays < today_bday - rule.days,
                )
            )
        earlier.append(matches)
    return and_(
        open_ticket_condition(),
        # A plain range first, so the planner walks the open-tickets index by intake day.
        Ticket.created_bday < today_bday - loosest,
        # The clock stops while staff wait on the resident; days spent waiting do not count.
        Ticket.status != TicketStatus.WAITING,
        or_(*overdue),
    )


@dataclass(frozen=True)
class OpenTally:
    """How many open tickets share a status, an assignee, being urgent and being over target."""

    status: str
    assignee_id: int | None
    urgent: bool
    late: bool
    count: int


async def open_tallies(session: AsyncSession, overdue) -> list[OpenTally]:
    """Open tickets counted by status, assignee, urgency and being over target (`overdue`, as
    overdue_condition gives it), in one pass over the open-ticket index by assignee."""
    urgent = case((Ticket.priority == Priority.URGENT, 1), else_=0).label("urgent")
    late = case((overdue, 1), else_=0).label("late")
    # Grouped by assignee first: SQLite then reads only the open-ticket index by assignee.
    rows = await session.execute(
        select(Ticket.assignee_id, Ticket.status, urgent, late, func.count())
        .where(open_ticket_condition())
        .group_by(Ticket.assignee_id, Ticket.status, urgent, late)
    )
    return [
        OpenTally(status, assignee, bool(is_urgent), bool(is_late), n)
        for assignee, status, is_urgent, is_late, n in rows.all()
    ]


async def count(session: AsyncSession, *conditions) -> int:
    """Number of tickets matching the conditions."""
    return int(
        await session.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
    )


async def references(
    session: AsyncSession, limit: int, *conditions, order=None
) -> list[tuple[str, int]]:
    """(reference, intake business-day ordinal) of the oldest tickets matching the conditions."""
    rows = await session.execute(
        select(Ticket.reference, Ticket.created_bday)
        .where(*conditions)
        .order_by(order if order is not None else Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    return [(ref, bday) for ref, bday in rows.all()]


async def median_days(
    session: AsyncSession, end_column, start: datetime, end: datetime
) -> float | None:
    """Median business days from intake to `end_column` for tickets received in [start, end)."""
    conditions = (Ticket.created_at >= start, Ticket.created_at < end, end_column.is_not(None))
    n = await count(session, *conditions)
    if n == 0:
        return None
    value = end_column - Ticket.created_bday
    middle = list(
        await session.scalars(
            select(value).where(*conditions).order_by(value).offset((n - 1) // 2).limit(2 - n % 2)
        )
    )
    return sum(middle) / len(middle)


async def claim_digest_day(session: AsyncSession, day: date, now: datetime) -> None:
    """Claims a day's digest in the caller's transaction; raises IntegrityError (at once or
    at commit) when another worker has claimed it."""
    session.add(DigestRun(day=day, claimed_at=now))
    await session.flush()


async def last_digest_before(session: AsyncSession, day: date) -> datetime | None:
    """When the previous day's digest (before `day`) was claimed, if ever."""
    return await session.scalar(
        select(DigestRun.claimed_at)
        .where(DigestRun.day < day)
        .order_by(DigestRun.day.desc())
        .limit(1)
    )


async def event_field_counts(
    session: AsyncSession, kind: str, field: str, start: datetime, end: datetime
) -> dict[str, int]:
    """How often each value of one field of a kind of ticket event was recorded in
    [start, end) (the outcome of closings, the type of logged contacts)."""
    rows = await session.scalars(
        select(TicketEvent.data).where(
            TicketEvent.kind == kind,
            TicketEvent.created_at >= start,
            TicketEvent.created_at < end,
        )
    )
    counts: dict[str, int] = {}
    for data in rows:
        value = (data or {}).get(field)
        if value:
            counts[value] = counts.get(value, 0) + 1
    return counts


async def people_count(session: AsyncSession, *conditions) -> int:
    """Distinct people (実人数) behind the tickets matching the conditions: residents who wrote
    to the bot, plus people staff took by phone or at the counter, one per phone number (one
    each where no number was given)."""
    in_bot = select(func.count(func.distinct(Ticket.resident_id))).where(
        Ticket.resident_id.is_not(None), *conditions
    )
    by_phone = select(func.count(func.distinct(Ticket.phone_hash))).where(
        Ticket.resident_id.is_(None), Ticket.phone_hash.is_not(None), *conditions
    )
    unnamed = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.resident_id.is_(None), Ticket.phone_hash.is_(None), *conditions)
    )
    return sum([int(await session.scalar(q) or 0) for q in (in_bot, by_phone, unnamed)])
