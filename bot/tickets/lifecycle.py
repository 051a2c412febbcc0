"""Ticket rules: statuses and priorities, and turning a finished intake into a ticket."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms.definitions import UNKNOWN_DISTRICT
from bot.forms.engine import DraftState
from bot.forms.model import Form
from bot.i18n import N_, STAFF_LOCALE, Translator
from bot.outbox.queue import enqueue
from bot.screens import Screen
from bot.services import Services
from bot.settings import OfficeProfile
from bot.tickets.reference import new_reference
from bot.volunteers.registry import (
    VOLUNTEER_CENTRE_SERVICES,
    record_registration,
    volunteer_centre_staff,
)
from storage.models import OPEN_STATUSES, Priority, TicketStatus
from storage.outbox import attach_alerts
from storage.residents import ResidentDTO, delete_draft
from storage.staff import StaffDTO, active_staff
from storage.tickets import (
    TicketDTO,
    add_ticket_event,
    create_ticket,
    get_ticket,
    link_household,
    reference_taken,
)

MAX_REFERENCE_TRIES = 20

STATUS_LABELS = {
    TicketStatus.NEW: N_("New"),
    TicketStatus.ASSIGNED: N_("Assigned"),
    TicketStatus.IN_PROGRESS: N_("In progress"),
    TicketStatus.WAITING: N_("Waiting for resident"),
    TicketStatus.REFERRED: N_("Referred"),
    TicketStatus.RESOLVED: N_("Resolved"),
    TicketStatus.CLOSED: N_("Closed"),
}
# Statuses staff may set directly; "referred" needs a partner (/refer), "closed" a close.
SETTABLE_STATUSES = (
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
    TicketStatus.RESOLVED,
)
# Kinds of contact with a resident that staff log (/contact), counted in /stats and /report.
CONTACT_LABELS = {
    "phone": N_("Phone call"),
    "office_visit": N_("Visit to the office"),
    "home_visit": N_("Home visit"),
    "accompany": N_("Accompanied"),
}
# What came of a ticket, chosen when it is closed (counted in /stats and /report).
OUTCOME_LABELS = {
    "info": N_("Information given"),
    "referral": N_("Connected to another agency"),
    "ongoing": N_("Continuing support"),
    "food": N_("Food provided"),
    "matched": N_("Volunteer matched"),
    "no_contact": N_("Could not reach the resident"),
    "duplicate": N_("Duplicate (merged)"),
    "other": N_("Other"),
}


def outcome_labels(profile: OfficeProfile, t: Translator) -> dict[str, str]:
    """Every outcome staff can record, by key: the built-in ones, then the office's own."""
    labels = {key: t.gettext(label) for key, label in OUTCOME_LABELS.items()}
    return labels | {outcome.key: outcome.name.get(t.locale) for outcome in profile.outcomes}


PRIORITY_LABELS = {
    Priority.URGENT: N_("Urgent"),
    Priority.HIGH: N_("High"),
    Priority.NORMAL: N_("Normal"),
    Priority.LOW: N_("Low"),
}


def is_open(ticket: TicketDTO) -> bool:
    """Whether staff still have work on a ticket."""
    return ticket.status in OPEN_STATUSES


async def unused_reference(session: AsyncSession) -> str:
    """Returns a fresh reference that no ticket uses yet."""
    for _ in range(MAX_REFERENCE_TRIES):
        reference = new_reference()
        if not await reference_taken(session, reference):
            return reference
    raise RuntimeError("could not find an unused ticket reference")


async def district_coordinator(
    session: AsyncSession, services: Services, district_key: str | None
) -> StaffDTO | None:
    """The 地区担当 of a district: a staff member listing it, else the profile's coordinator."""
    if district_key is None:
        return None
    staff = await active_staff(session)
    listed = next((s for s in staff if district_key in s.districts), None)
    if listed is not None:
        return listed
    district = services.profile.district(district_key)
    if district is None or district.coordinator_id is None:
        return None
    return next((s for s in staff if s.telegram_user_id == district.coordinator_id), None)


async def open_ticket(
    session: AsyncSession,
    services: Services,
    resident: ResidentDTO | None,
    form: Form,
    state: DraftState,
    locale: str,
    entered_by: StaffDTO | None = None,
) -> TicketDTO | None:
    """Stores a ticket from a submitted draft and queues its card for the staff chat.

    Returns None when the draft was already submitted by a concurrent update.
    """
    now = services.clock()
    drafter = resident
    # Deleting the draft first makes a concurrent second submission find nothing to delete.
    if drafter is not None and not await delete_draft(session, drafter.id):
        return None
    answers = dict(state.answers)
    district = answers.get("district")
    district_key = district if district not in (None, UNKNOWN_DISTRICT) else None
    coordinator, reason = None, "district"
    if entered_by is None and form.key in VOLUNTEER_CENTRE_SERVICES:
        # The volunteer centre's work goes to its coordinator, whatever the district.
        coordinator, reason = await volunteer_centre_staff(session, services), "volunteer_centre"
    elif services.settings.district_routing == "assign" and entered_by is None:
        coordinator = await district_coordinator(session, services, district_key)
    # A request taken by phone or at the counter stays with whoever took it.
    assignee = entered_by or coordinator
    ticket = await create_ticket(
        session,
        reference=await unused_reference(session),
        resident_id=None if entered_by else resident.id if resident else None,
        service=form.key,
        status=TicketStatus.ASSIGNED if assignee else TicketStatus.NEW,
        priority=Priority.URGENT if state.urgent else form.priority(answers),
        district_key=district_key,
        contact_method=answers.get("contact_method"),
        phone=answers.get("phone"),
        answers=answers,
        locale=locale,
        source="staff" if entered_by else "resident",
        assignee_id=assignee.id if assignee else None,
        entered_by_id=entered_by.id if entered_by else None,
        minor=state.minor,
        created_bday=services.calendar.ordinal_at(now),
        now=now,
    )
    if entered_by is not None and state.household_of is not None:
        # A call about someone already known: the new request joins their household.
        await join_household(session, ticket, state.household_of, entered_by, now)
    if resident is not None and entered_by is None and state.urgent:
        # A crisis alert sent while this was a draft now answers to this ticket.
        await attach_alerts(session, resident.id, ticket.id)
    actor = (
        ("staff", entered_by.telegram_user_id)
        if entered_by
        else ("resident", resident.telegram_user_id if resident else None)
    )
    await add_ticket_event(
        session,
        ticket.id,
        "created",
        actor[0],
        actor[1],
        now,
        {"service": form.key, "priority": ticket.priority}
        | ({"minor": True} if state.minor else {})
        # Staff read the privacy notice aloud and the person agreed before the form began.
        | ({"consent": "oral"} if entered_by else {}),
    )
    if coordinator is not None:
        await add_ticket_event(
            session,
            ticket.id,
            "assigned",
            "system",
            None,
            now,
            {"staff_id": coordinator.id, "reason": reason},
        )
    if form.key == "volunteer_registration" and resident is not None and entered_by is None:
        await record_registration(session, services, resident, ticket, answers)
    if services.settings.staff_chat_id is not None:
        # The card's text is rendered when it is sent, so it always shows the current state.
        await enqueue(
            session, services.settings.staff_chat_id, "ticket_card", Screen("…"), now, ticket.id
        )
    return ticket


async def join_household(
    session: AsyncSession, ticket: TicketDTO, other_id: int, staff: StaffDTO, now
) -> None:
    """Links a new ticket to another's household and notes it on both histories."""
    other = await get_ticket(session, other_id)
    if other is None:
        return
    await link_household(session, [other.id, ticket.id])
    for this, that in ((ticket, other), (other, ticket)):
        await add_ticket_event(
            session,
            this.id,
            "household",
            "staff",
            staff.telegram_user_id,
            now,
            {"with": [that.reference]},
        )


async def open_case_for(
    session: AsyncSession, services: Services, resident: ResidentDTO, staff: StaffDTO
) -> TicketDTO:
    """Opens an urgent consultation for a resident a crisis alert is about, assigned to the
    staff member who opened it, and ties the alert to it so staff can answer through the bot."""
    now = services.clock()
    ticket = await create_ticket(
        session,
        reference=await unused_reference(session),
        resident_id=resident.id,
        service="consultation",
        status=TicketStatus.ASSIGNED,
        priority=Priority.URGENT,
        district_key=None,
        contact_method="chat",
        phone=None,
        answers={},
        locale=resident.locale or STAFF_LOCALE,
        source="staff",
        assignee_id=staff.id,
        entered_by_id=staff.id,
        minor=False,
        created_bday=services.calendar.ordinal_at(now),
        now=now,
    )
    await add_ticket_event(
        session,
        ticket.id,
        "created",
        "staff",
        staff.telegram_user_id,
        now,
        {"service": ticket.service, "priority": ticket.priority, "from": "crisis_alert"},
    )
    await attach_alerts(session, resident.id, ticket.id)
    if services.settings.staff_chat_id is not None:
        await enqueue(
            session, services.settings.staff_chat_id, "ticket_card", Screen("…"), now, ticket.id
        )
    return ticket
