"""A resident's row is not written for a change that changes nothing (a message about their
ticket leaves them on the menu, where they were); once the row is an hour old it is written
again, so that a resident who is about is never taken for idle by retention."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Resident
from tests.fakes import Harness
from tests.staff_helpers import resident_request

RESIDENT = 5005


async def last_written(harness: Harness) -> tuple[str, object]:
    """The resident's screen and when their row was last written."""
    async with harness.db() as session:
        row = (
            await session.execute(
                select(Resident.screen, Resident.updated_at).where(
                    Resident.telegram_user_id == RESIDENT
                )
            )
        ).one()
    return row.screen, row.updated_at


async def test_a_change_that_changes_nothing_is_written_only_when_the_row_is_old(
    harness: Harness,
) -> None:
    resident, _ticket = await resident_request(harness, RESIDENT)
    await resident.send("Is there any news?")
    screen, written = await last_written(harness)
    harness.clock.advance(minutes=20)
    await resident.send("Also, I can come on Friday.")
    assert await last_written(harness) == (screen, written)
    harness.clock.advance(hours=1)
    await resident.send("Thank you.")
    again, rewritten = await last_written(harness)
    assert again == screen and rewritten > written
