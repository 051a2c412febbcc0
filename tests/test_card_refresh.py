"""A ticket's card is refreshed by one outbox row at a time: a refresh asked for while one is
still waiting untaken adds nothing (that one draws the card as it is when sent); once the
relay has taken it, the next change queues a new one."""

from __future__ import annotations

from sqlalchemy import func, select, update

from bot.tickets.deliveries import queue_card_refresh
from storage.models import OutboxMessage
from tests.fakes import Harness
from tests.staff_helpers import resident_request


async def card_edits(harness: Harness, ticket_id: int) -> list[tuple[int, str, int]]:
    """(id, status, attempts) of the card refreshes queued for a ticket, oldest first."""
    async with harness.db() as session:
        rows = await session.execute(
            select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts)
            .where(OutboxMessage.kind == "card_edit", OutboxMessage.ticket_id == ticket_id)
            .order_by(OutboxMessage.id)
        )
        return [tuple(row) for row in rows.all()]


async def test_one_refresh_waits_at_a_time(harness: Harness) -> None:
    _resident, ticket = await resident_request(harness, 5003)
    _other_resident, other = await resident_request(harness, 5004)
    before = len(await card_edits(harness, ticket.id))
    for _ in range(3):
        async with harness.db.begin() as session:
            await queue_card_refresh(session, harness.services, ticket.id)
    queued = await card_edits(harness, ticket.id)
    assert len(queued) == before + 1
    new_id, status, attempts = queued[-1]
    assert (status, attempts) == ("pending", 0)
    async with harness.db.begin() as session:
        # Another ticket's card is refreshed on its own.
        await queue_card_refresh(session, harness.services, other.id)
        # The relay takes the waiting refresh: the next change needs a new one.
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == new_id).values(status="sending")
        )
    assert any(row[1:] == ("pending", 0) for row in await card_edits(harness, other.id))
    async with harness.db.begin() as session:
        await queue_card_refresh(session, harness.services, ticket.id)
    after = await card_edits(harness, ticket.id)
    assert len(after) == before + 2 and after[-1][1:] == ("pending", 0)
    async with harness.db() as session:
        text = await session.scalar(
            select(OutboxMessage.text).where(OutboxMessage.id == after[-1][0])
        )
        lane = await session.scalar(
            select(func.max(OutboxMessage.lane)).where(OutboxMessage.id == after[-1][0])
        )
    assert text == "…" and lane == 2
