"""SQL for the inbox of received updates and for the leases of single-worker jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import DTO
from storage.models import InboxUpdate, ProcessedUpdate, WorkerLease
from storage.queues import due_heads_query
from storage.sql import insert_or_ignore

# Built once (the inbox worker runs it before every update); only its parameters change.
DUE_HEADS = due_heads_query(
    InboxUpdate,
    ("update_id",),
    lambda m: m.failed.is_(False),
    bindparam("now"),
    bindparam("limit"),
)

# Run for every batch long polling fetches.
_CHATS_WAITING = (
    select(InboxUpdate.chat_id)
    .where(
        InboxUpdate.chat_id.in_(bindparam("chats", expanding=True)),
        InboxUpdate.failed.is_(False),
    )
    .distinct()
)


class InboxDTO(DTO):
    """A stored update waiting to be handled."""

    update_id: int
    chat_id: int
    payload: dict[str, Any]
    attempts: int


async def store_updates(
    session: AsyncSession,
    received: list[tuple[int, dict[str, Any]]],
    now: datetime,
    *,
    given_up: str | None = None,
) -> None:
    """Stores (chat id, raw update) pairs unless already stored or handled; with `given_up`
    (why), as updates kept for an operator that no worker takes.

    The chat id orders the work: one chat's updates are handled one at a time.
    """
    ids = [payload["update_id"] for _chat, payload in received]
    handled = set(
        await session.scalars(
            select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id.in_(ids))
        )
    )
    rows = [
        {
            "update_id": payload["update_id"],
            "chat_id": chat,
            "payload": payload,
            "received_at": now,
            "not_before": now,
            "attempts": 0,
            "failed": given_up is not None,
            "last_error": given_up,
        }
        for chat, payload in received
        if payload["update_id"] not in handled
    ]
    if rows:
        await session.execute(insert_or_ignore(session, InboxUpdate, "update_id"), rows)


async def chats_waiting(session: AsyncSession, chats: set[int]) -> set[int]:
    """Those of `chats` with an update waiting in the inbox (taken or not; not given up on)."""
    if not chats:
        return set()
    return set(await session.scalars(_CHATS_WAITING, {"chats": list(chats)}))


async def due_heads(session: AsyncSession, now: datetime, limit: int) -> list[InboxDTO]:
    """Returns, for each chat, its oldest waiting update if that one may be taken now."""
    rows = await session.scalars(DUE_HEADS, {"now": now, "limit": limit})
    return [InboxDTO.model_validate(row) for row in rows]


async def claim(
    session: AsyncSession, update_id: int, now: datetime, lease_until: datetime
) -> bool:
    """Takes a waiting update for this worker until `lease_until`; False if another has it."""
    result = await session.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.update_id == update_id,
            InboxUpdate.failed.is_(False),
            InboxUpdate.not_before <= now,
        )
        .values(not_before=lease_until)
    )
    return result.rowcount == 1


async def remove(session: AsyncSession, update_id: int) -> None:
    """Deletes a handled update (nothing happens if it is not there)."""
    await session.execute(delete(InboxUpdate).where(InboxUpdate.update_id == update_id))


async def retry_later(
    session: AsyncSession,
    update_id: int,
    retry_at: datetime,
    error: str,
    *,
    count_attempt: bool,
    max_attempts: int,
) -> None:
    """Schedules another try of an update; after the last counted attempt it stops blocking."""
    values: dict[str, Any] = {"not_before": retry_at, "last_error": error[:200]}
    if count_attempt:
        values["attempts"] = InboxUpdate.attempts + 1
        values["failed"] = InboxUpdate.attempts + 1 >= max_attempts
    await session.execute(
        update(InboxUpdate).where(InboxUpdate.update_id == update_id).values(**values)
    )


async def release_all(session: AsyncSession, now: datetime) -> int:
    """Frees every lease at once (a single worker starting after a crash); returns how many."""
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.failed.is_(False), InboxUpdate.not_before > now)
        .values(not_before=now)
    )
    return result.rowcount or 0


async def forget_failed_before(session: AsyncSession, cutoff: datetime) -> int:
    """Deletes updates given up on that arrived before the cutoff; returns how many."""
    result = await session.execute(
        delete(InboxUpdate).where(InboxUpdate.failed.is_(True), InboxUpdate.received_at < cutoff)
    )
    return result.rowcount or 0


async def backlog(session: AsyncSession) -> tuple[int, int]:
    """How many updates wait in the inbox, and how many were given up."""
    rows = dict(
        (failed, count)
        for failed, count in await session.execute(
            select(InboxUpdate.failed, func.count()).group_by(InboxUpdate.failed)
        )
    )
    return rows.get(False, 0), rows.get(True, 0)


async def hold_lease(
    session: AsyncSession, name: str, holder: str, now: datetime, until: datetime
) -> bool:
    """Takes or renews a named lease for `holder`; False while another worker holds it."""
    result = await session.execute(
        update(WorkerLease)
        .where(
            WorkerLease.name == name,
            (WorkerLease.expires_at <= now) | (WorkerLease.holder == holder),
        )
        .values(holder=holder, expires_at=until)
    )
    if result.rowcount == 1:
        return True
    if await session.get(WorkerLease, name) is not None:
        return False
    inserted = await session.execute(
        insert_or_ignore(session, WorkerLease, "name").values(
            name=name, holder=holder, expires_at=until
        )
    )
    return (inserted.rowcount or 0) == 1


async def drop_lease(session: AsyncSession, name: str, holder: str | None) -> None:
    """Gives a lease up if `holder` has it (whoever has it, when holder is None)."""
    query = delete(WorkerLease).where(WorkerLease.name == name)
    if holder is not None:
        query = query.where(WorkerLease.holder == holder)
    await session.execute(query)
