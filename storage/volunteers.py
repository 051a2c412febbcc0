"""The volunteer registry: registered volunteers, their yearly consent and the matches asked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import DTO
from storage.models import Resident, Volunteer, VolunteerMatch, VolunteerStatus


class VolunteerDTO(DTO):
    """A registered volunteer as the services see them."""

    id: int
    resident_id: int
    ticket_id: int | None
    profile: dict[str, Any]
    district_key: str | None
    locale: str
    status: str
    consent_renewed_on: date
    renewal_asked_at: datetime | None
    last_activity_at: datetime
    created_at: datetime


class MatchDTO(DTO):
    """A volunteer asked to help with a request, and what they answered."""

    id: int
    ticket_id: int
    volunteer_id: int
    status: str
    asked_by: int | None
    asked_at: datetime
    answered_at: datetime | None


async def register_volunteer(
    session: AsyncSession,
    *,
    resident_id: int,
    ticket_id: int,
    profile: dict[str, Any],
    district_key: str | None,
    locale: str,
    now: datetime,
    today: date,
) -> VolunteerDTO:
    """Adds a volunteer, or renews the record of one already registered (one per resident)."""
    row = await session.scalar(select(Volunteer).where(Volunteer.resident_id == resident_id))
    if row is None:
        row = Volunteer(resident_id=resident_id, created_at=now)
        session.add(row)
    row.ticket_id = ticket_id
    row.profile = profile
    row.district_key = district_key
    row.locale = locale
    row.status = VolunteerStatus.ACTIVE
    row.consent_renewed_on = today
    row.renewal_asked_at = None
    row.last_activity_at = row.updated_at = now
    await session.flush()
    return VolunteerDTO.model_validate(row)


async def get_volunteer(session: AsyncSession, volunteer_id: int) -> VolunteerDTO | None:
    """A volunteer by id."""
    row = await session.get(Volunteer, volunteer_id)
    return VolunteerDTO.model_validate(row) if row else None


async def volunteer_of_resident(session: AsyncSession, resident_id: int) -> VolunteerDTO | None:
    """The registry record of a resident, if they registered."""
    row = await session.scalar(select(Volunteer).where(Volunteer.resident_id == resident_id))
    return VolunteerDTO.model_validate(row) if row else None


async def active_volunteers(session: AsyncSession) -> list[VolunteerDTO]:
    """Every active volunteer, oldest registration first."""
    rows = await session.scalars(
        select(Volunteer)
        .where(Volunteer.status == VolunteerStatus.ACTIVE)
        .order_by(Volunteer.created_at, Volunteer.id)
    )
    return [VolunteerDTO.model_validate(r) for r in rows]


async def renew_consent(
    session: AsyncSession, volunteer_id: int, now: datetime, today: date
) -> None:
    """Records that a volunteer agreed again to be contacted: active for another year."""
    await session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer_id)
        .values(
            status=VolunteerStatus.ACTIVE,
            consent_renewed_on=today,
            renewal_asked_at=None,
            last_activity_at=now,
            updated_at=now,
        )
    )


async def delete_volunteer(session: AsyncSession, volunteer_id: int) -> None:
    """Removes a volunteer from the registry (their matches go with them)."""
    await session.execute(delete(Volunteer).where(Volunteer.id == volunteer_id))


async def due_for_renewal(session: AsyncSession, renewed_before: date) -> list[VolunteerDTO]:
    """Active volunteers whose consent is older than a day and who were not asked yet."""
    rows = await session.scalars(
        select(Volunteer).where(
            Volunteer.status == VolunteerStatus.ACTIVE,
            Volunteer.consent_renewed_on <= renewed_before,
            Volunteer.renewal_asked_at.is_(None),
        )
    )
    return [VolunteerDTO.model_validate(r) for r in rows]


async def mark_renewal_asked(session: AsyncSession, volunteer_id: int, now: datetime) -> None:
    """Remembers when a volunteer was asked to renew their consent."""
    await session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer_id)
        .values(renewal_asked_at=now, updated_at=now)
    )


async def pause_unanswered(session: AsyncSession, asked_before: datetime, now: datetime) -> int:
    """Pauses active volunteers who did not answer the renewal asked before a moment; a paused
    record is kept for the retention period from the pause (they may still come back)."""
    result = await session.execute(
        update(Volunteer)
        .where(
            Volunteer.status == VolunteerStatus.ACTIVE,
            Volunteer.renewal_asked_at.is_not(None),
            Volunteer.renewal_asked_at < asked_before,
        )
        .values(status=VolunteerStatus.PAUSED, updated_at=now, last_activity_at=now)
    )
    return result.rowcount or 0


async def erase_idle_paused(session: AsyncSession, idle_before: datetime) -> int:
    """Deletes paused volunteers with no activity since a moment."""
    result = await session.execute(
        delete(Volunteer).where(
            Volunteer.status == VolunteerStatus.PAUSED,
            Volunteer.last_activity_at < idle_before,
        )
    )
    return result.rowcount or 0


async def chat_of_volunteer(session: AsyncSession, volunteer_id: int) -> int | None:
    """The chat a volunteer is reached in."""
    return await session.scalar(
        select(Resident.chat_id)
        .join(Volunteer, Volunteer.resident_id == Resident.id)
        .where(Volunteer.id == volunteer_id)
    )


async def matches_of_ticket(session: AsyncSession, ticket_id: int) -> list[MatchDTO]:
    """The volunteers asked about a request, in the order they were asked."""
    rows = await session.scalars(
        select(VolunteerMatch)
        .where(VolunteerMatch.ticket_id == ticket_id)
        .order_by(VolunteerMatch.id)
    )
    return [MatchDTO.model_validate(r) for r in rows]


async def get_match(session: AsyncSession, match_id: int) -> MatchDTO | None:
    """A match by id."""
    row = await session.get(VolunteerMatch, match_id)
    return MatchDTO.model_validate(row) if row else None


async def add_match(
    session: AsyncSession, ticket_id: int, volunteer_id: int, asked_by: int, now: datetime
) -> MatchDTO:
    """Records that staff asked a volunteer about a request."""
    row = VolunteerMatch(
        ticket_id=ticket_id,
        volunteer_id=volunteer_id,
        status="asked",
        asked_by=asked_by,
        asked_at=now,
    )
    session.add(row)
    await session.flush()
    return MatchDTO.model_validate(row)


async def answer_match(session: AsyncSession, match_id: int, status: str, now: datetime) -> bool:
    """Records a volunteer's answer once; False when it was already answered."""
    result = await session.execute(
        update(VolunteerMatch)
        .where(VolunteerMatch.id == match_id, VolunteerMatch.status == "asked")
        .values(status=status, answered_at=now)
    )
    if result.rowcount:
        volunteer_id = await session.scalar(
            select(VolunteerMatch.volunteer_id).where(VolunteerMatch.id == match_id)
        )
        await session.execute(
            update(Volunteer)
            .where(Volunteer.id == volunteer_id)
            .values(last_activity_at=now, updated_at=now)
        )
    return bool(result.rowcount)


async def open_questions(session: AsyncSession, volunteer: VolunteerDTO) -> list[tuple[str, int]]:
    """What the volunteer centre is waiting for this volunteer to answer: ("r", volunteer id)
    for the yearly question, ("m", match id) for each request they were asked about."""
    asked = await session.scalars(
        select(VolunteerMatch.id).where(
            VolunteerMatch.volunteer_id == volunteer.id, VolunteerMatch.status == "asked"
        )
    )
    yearly = [("r", volunteer.id)] if volunteer.renewal_asked_at is not None else []
    return yearly + [("m", match_id) for match_id in asked]
