"""A ticket closed twice at the same moment (the group's card and a private copy) tells its
resident once: the second close finds it closed."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.staff.triage import Triage
from storage.models import OutboxMessage
from storage.staff import StaffDTO, get_staff_by_user
from tests.fakes import Harness
from tests.staff_helpers import ADMIN_ID, resident_request

RESIDENT = 5001


async def admin(harness: Harness) -> StaffDTO:
    """The admin as a staff member (an admin becomes one on first use)."""
    await harness.staff(ADMIN_ID, "Admin").send("/queue")
    async with harness.db() as session:
        staff = await get_staff_by_user(session, ADMIN_ID)
    assert staff is not None
    return staff


async def messages_to_resident(harness: Harness) -> int:
    """How many outbox messages were written for the resident's chat."""
    async with harness.db() as session:
        return await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == RESIDENT)
        )


def already_closed(harness: Harness, reference: str) -> str:
    """The staff member's answer to closing a closed ticket."""
    return harness.ja().gettext("{reference} is already closed.").format(reference=reference)


async def test_a_close_from_an_old_copy_of_the_ticket_tells_the_resident_nothing_more(
    harness: Harness,
) -> None:
    _resident, ticket = await resident_request(harness, RESIDENT)
    staff = await admin(harness)
    async with harness.db.begin() as session:
        await Triage(session, harness.services, staff).close(ticket)
    told = await messages_to_resident(harness)
    async with harness.db.begin() as session:
        # `ticket` was read before the first close: it still says the request is open.
        said = await Triage(session, harness.services, staff).close(ticket)
    assert said == already_closed(harness, ticket.reference)
    assert await messages_to_resident(harness) == told


async def test_two_closes_at_the_same_moment_tell_the_resident_once(harness: Harness) -> None:
    if not harness.settings.is_postgres:
        pytest.skip(
            "SQLite lets one transaction write at a time: the second close cannot write after "
            "the first commits and is tried again from the inbox, where it finds the ticket closed"
        )
    _resident, ticket = await resident_request(harness, RESIDENT)
    staff = await admin(harness)
    told = await messages_to_resident(harness)
    async with harness.db() as first, harness.db() as second:
        await first.begin()
        await second.begin()
        closed = harness.ja().gettext("{reference} is closed.").format(reference=ticket.reference)
        assert await Triage(first, harness.services, staff).close(ticket) == closed
        racing = asyncio.create_task(Triage(second, harness.services, staff).close(ticket))
        await asyncio.sleep(0.3)
        assert not racing.done(), "the second close waits for the first one's transaction"
        await first.commit()
        said = await racing
        await second.commit()
    assert said == already_closed(harness, ticket.reference)
    assert await messages_to_resident(harness) == told + 1
