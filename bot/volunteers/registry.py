"""A finished registration becomes a registry record, routed to the volunteer centre."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from storage.residents import ResidentDTO
from storage.staff import StaffDTO, active_staff
from storage.tickets import TicketDTO
from storage.volunteers import VolunteerDTO, register_volunteer

# The volunteer centre's services: routed to its coordinator, not to a district's 地区担当.
VOLUNTEER_CENTRE_SERVICES = ("volunteer_registration", "volunteer_request")
# What the registry keeps of a registration (the experience text stays with the request).
PROFILE_KEYS = ("interests", "availability", "age_group", "contact_method", "phone")


async def volunteer_centre_staff(session: AsyncSession, services: Services) -> StaffDTO | None:
    """The volunteer centre's coordinator (MADOGUCHI_VOLUNTEER_CENTRE_ID), if they are staff."""
    wanted = services.settings.volunteer_centre_id
    if wanted is None:
        return None
    return next((s for s in await active_staff(session) if s.telegram_user_id == wanted), None)


async def record_registration(
    session: AsyncSession,
    services: Services,
    resident: ResidentDTO,
    ticket: TicketDTO,
    answers: dict[str, Any],
) -> VolunteerDTO | None:
    """Adds an adult's registration to the registry (someone under 18 waits for staff and a
    guardian's agreement, so nothing is recorded for them)."""
    if ticket.minor or answers.get("age_group") in (None, "under18"):
        return None
    now = services.clock()
    return await register_volunteer(
        session,
        resident_id=resident.id,
        ticket_id=ticket.id,
        profile={key: answers.get(key) for key in PROFILE_KEYS},
        district_key=ticket.district_key,
        locale=ticket.locale,
        now=now,
        today=services.calendar.local_day(now),
    )
