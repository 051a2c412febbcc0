"""A volunteer answers yes or no to a request or to the yearly consent question: with a button,
or by typing it when only one question waits for them."""

from __future__ import annotations

from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.forms.engine import format_phone, normalize
from bot.i18n import N_, STAFF_LOCALE, Translator
from bot.outbox.queue import enqueue
from bot.screens import Screen
from bot.services import Services
from bot.tickets.deliveries import queue_card_refresh
from bot.tickets.lifecycle import OUTCOME_LABELS
from storage.models import OPEN_STATUSES, TicketStatus
from storage.outbox import latest_outbox_message
from storage.residents import ResidentDTO
from storage.staff import get_staff_by_user
from storage.tickets import (
    TicketChange,
    add_ticket_event,
    get_ticket,
    open_tickets_of_resident,
    scrub_tickets,
    update_ticket,
)
from storage.volunteers import (
    VolunteerDTO,
    answer_match,
    delete_volunteer,
    get_match,
    open_questions,
    renew_consent,
    volunteer_of_resident,
)

# The buttons under a request a volunteer is asked about (the yearly question's are in
# renewal.py).
MATCH_YES = N_("Yes, I can help")
MATCH_NO = N_("Not this time")
# Typed answers, beside the buttons' own labels (compared after normalising width and case).
TYPED_YES = ("はい", "はーい", "ええ", "うん", "yes", "是的", "可以", "네", "예", "có", "vâng")
TYPED_NO = ("いいえ", "いや", "ううん", "no", "不是", "不行", "아니요", "아니오", "không")
ALREADY_ANSWERED = N_("Thank you, we already have your answer to this.")
ACCEPTED = N_(
    "Thank you for offering to help! The volunteer centre will contact you with the details."
)
DECLINED = N_("Thank you for letting us know. We may ask you again another time.")
RENEWED = N_("Thank you. You stay registered with the volunteer centre for another year.")
UNREGISTERED = N_(
    "Your volunteer registration has been deleted. Thank you for your interest in volunteering."
)
STAFF_ACCEPTED = N_(
    "✓ The volunteer of {registration} accepted request {reference}. Their contact details "
    "went to {name} privately. Once it is arranged: /close {reference} {outcome}"
)
STAFF_ACCEPTED_ASK_TICKET = N_(
    "✓ The volunteer of {registration} accepted request {reference}. /ticket {registration} "
    "shows how to reach them. Once it is arranged: /close {reference} {outcome}"
)
STAFF_DECLINED = N_(
    "The volunteer of {registration} cannot help with {reference} this time. /match "
    "{reference} lists other volunteers."
)
CONTACT_FOR_STAFF = N_(
    "How to reach the volunteer of {registration} (who accepted {reference}): {contact}"
)
CONTACT_LABELS = {
    "chat": N_("in the bot: /reply {registration} and your message"),
    "phone": N_("by phone: {phone}"),
    "counter": N_("they will come to the counter"),
}


async def answer(
    session: AsyncSession,
    services: Services,
    resident: ResidentDTO,
    t: Translator,
    action: str,
    number: int,
) -> str | None:
    """Records a volunteer's answer; returns what to tell them, or None for a button that is
    not theirs (forged, or their registration is gone)."""
    volunteer = await volunteer_of_resident(session, resident.id)
    if volunteer is None:
        return None
    kind, yes = action[0], action[1] == "y"
    if kind == "r":
        if number != volunteer.id:
            return None
        return await _renewal(session, services, volunteer, t, yes)
    match = await get_match(session, number)
    if match is None or match.volunteer_id != volunteer.id:
        return None
    now = services.clock()
    if not await answer_match(session, match.id, "accepted" if yes else "declined", now):
        return t.gettext(ALREADY_ANSWERED)
    request = await get_ticket(session, match.ticket_id)
    registration = await get_ticket(session, volunteer.ticket_id) if volunteer.ticket_id else None
    label = registration.reference if registration else f"V{volunteer.id}"
    await add_ticket_event(
        session,
        match.ticket_id,
        "volunteer_accepted" if yes else "volunteer_declined",
        "system",
        None,
        now,
        {"volunteer": label},
    )
    await _tell_staff(session, services, volunteer, match.asked_by, label, request.reference, yes)
    return t.gettext(ACCEPTED if yes else DECLINED)


async def _renewal(
    session: AsyncSession, services: Services, volunteer: VolunteerDTO, t: Translator, yes: bool
) -> str:
    """Renews a volunteer's consent for a year, or deletes their registration."""
    now = services.clock()
    if yes:
        await renew_consent(session, volunteer.id, now, services.calendar.local_day(now))
        return t.gettext(RENEWED)
    await delete_volunteer(session, volunteer.id)
    if volunteer.ticket_id is not None:
        # The registration itself goes too: what they told us to register is theirs.
        await scrub_tickets(session, [volunteer.ticket_id])
        registration = await get_ticket(session, volunteer.ticket_id)
        if registration is not None and registration.status in OPEN_STATUSES:
            await update_ticket(
                session,
                registration.id,
                now,
                TicketChange(status=TicketStatus.CLOSED, closed_at=now),
            )
        await add_ticket_event(
            session, volunteer.ticket_id, "erased", "system", None, now, {"reason": "erasure"}
        )
        await queue_card_refresh(session, services, volunteer.ticket_id)
    return t.gettext(UNREGISTERED)


async def _tell_staff(
    session: AsyncSession,
    services: Services,
    volunteer: VolunteerDTO,
    asked_by: int | None,
    registration: str,
    reference: str,
    yes: bool,
) -> None:
    """Tells the staff group the answer, and the one who asked how to reach a volunteer who
    said yes (privately: the group never sees a phone number)."""
    staff_t = services.catalogs.translator_for(STAFF_LOCALE)
    now = services.clock()
    asker = await get_staff_by_user(session, asked_by) if asked_by is not None else None
    name = asker.display_name if asker is not None else ""
    if yes and asker is None:
        # Whoever asked is no longer staff: the contact details go to nobody in particular.
        text = staff_t.gettext(STAFF_ACCEPTED_ASK_TICKET).format(
            registration=registration,
            reference=reference,
            outcome=escape(staff_t.gettext(OUTCOME_LABELS["matched"])),
        )
    elif yes:
        text = staff_t.gettext(STAFF_ACCEPTED).format(
            registration=registration,
            reference=reference,
            name=escape(name),
            outcome=escape(staff_t.gettext(OUTCOME_LABELS["matched"])),
        )
    else:
        text = staff_t.gettext(STAFF_DECLINED).format(
            registration=registration, reference=reference
        )
    if services.settings.staff_chat_id is not None:
        await enqueue(
            session, services.settings.staff_chat_id, "volunteer_answer", Screen(text), now
        )
    if yes and asker is not None:
        method = volunteer.profile.get("contact_method")
        contact = staff_t.gettext(CONTACT_LABELS.get(method, CONTACT_LABELS["chat"])).format(
            registration=registration,
            phone=escape(format_phone(volunteer.profile.get("phone") or "")),
        )
        private = staff_t.gettext(CONTACT_FOR_STAFF).format(
            registration=registration, reference=reference, contact=contact
        )
        # The volunteer's id goes with it, so their /delete removes it while it waits.
        await enqueue(
            session,
            asker.telegram_user_id,
            "volunteer_contact",
            Screen(private),
            now,
            meta={"resident_id": volunteer.resident_id},
        )


async def typed_answer(
    session: AsyncSession, resident: ResidentDTO, text: str, labels: tuple[str, ...]
) -> str | None:
    """The button data a typed yes or no stands for, or None. Only while the volunteer
    centre's question is the newest thing we wrote to them, it is still open, and they have no
    other open request the words could be meant for: otherwise the words stay words."""
    yes = _yes_or_no(text, labels)
    if yes is None:
        return None
    volunteer = await volunteer_of_resident(session, resident.id)
    if volunteer is None:
        return None
    latest = await latest_outbox_message(session, resident.chat_id)
    if latest is None or latest.kind not in ("volunteer_renewal", "volunteer_question"):
        return None
    question = (
        ("r", volunteer.id)
        if latest.kind == "volunteer_renewal"
        else ("m", latest.meta.get("match_id"))
    )
    if question not in await open_questions(session, volunteer):
        return None
    open_requests = await open_tickets_of_resident(session, resident.id, OPEN_STATUSES)
    if any(ticket.id != volunteer.ticket_id for ticket in open_requests):
        return None
    return callbacks.volunteer_answer(question[0], question[1], yes)


def _yes_or_no(text: str, labels: tuple[str, ...]) -> bool | None:
    """True for a typed yes, False for a no, None for anything else; `labels` are the yes and
    no buttons' labels as the resident reads them (yes first, then no, alternating)."""
    typed = normalize(text).rstrip("。.!！")
    yes = {normalize(w) for w in (*TYPED_YES, *labels[0::2])}
    no = {normalize(w) for w in (*TYPED_NO, *labels[1::2])}
    if typed in yes:
        return True
    if typed in no:
        return False
    return None
