"""A resident's message marks their ticket's activity with one Core UPDATE … RETURNING; a copy
of the ticket the session holds shows the new time too, as after an ORM UPDATE."""

from __future__ import annotations

from datetime import timedelta

from storage.models import Ticket
from storage.tickets import get_ticket, update_ticket
from tests.fakes import Harness
from tests.staff_helpers import resident_request

RESIDENT = 5002


async def test_a_touch_reaches_the_copy_the_session_holds(harness: Harness) -> None:
    _resident, ticket = await resident_request(harness, RESIDENT)
    later = ticket.last_activity_at + timedelta(hours=3)
    async with harness.db.begin() as session:
        held = await session.get(Ticket, ticket.id)  # kept alive, so kept by the session
        assert held is not None and held.last_activity_at == ticket.last_activity_at
        touched = await update_ticket(session, ticket.id, later)
        again = await get_ticket(session, ticket.id)
        assert held.last_activity_at == later
    assert touched.last_activity_at == later
    assert again is not None and again.last_activity_at == later
    async with harness.db() as session:
        stored = await get_ticket(session, ticket.id)
    assert stored is not None and stored.last_activity_at == later
