"""Staff work on a ticket: claim, assign, status, priority, refer, close, reopen, note, reply.

Each action changes the ticket, records an event with who and when, refreshes the card in
the staff chat and, where the resident should know, tells them in their own language.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from html import escape
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms.definitions import FORMS
from bot.i18n import N_, STAFF_LOCALE, Translator, format_day, resident_locale
from bot.outbox.queue import enqueue
from bot.screens import Screen
from bot.services import Services
from bot.staff.cards import mention
from bot.tickets.deliveries import queue_card_refresh
from bot.tickets.lifecycle import (
    CONTACT_LABELS,
    OPEN_STATUSES,
    PRIORITY_LABELS,
    SETTABLE_STATUSES,
    STATUS_LABELS,
)
from bot.tickets.notices import tell_privately
from storage.models import TicketStatus
from storage.residents import ResidentDTO, get_resident
from storage.staff import StaffDTO, get_staff
from storage.tickets import (
    NO_CHANGE,
    TicketChange,
    TicketDTO,
    add_ticket_event,
    claim_ticket,
    get_ticket,
    lock_unclosed_ticket,
    ticket_events,
    update_ticket,
)

TAKEN_UP = N_(
    "Your request {reference} has been taken up by a staff member. They will contact you."
)
REFERRED = N_(
    "Your request {reference} has been passed on to {partner}, who can help with it. "
    "They or we will contact you."
)
RESOLVED = N_(
    "Your request {reference} has been resolved. If you still need help, write here or send /start."
)
CLOSED = N_("Your request {reference} has been closed. If you still need help, send /start.")
STAFF_MESSAGE = N_("Message from the council about your request {reference}:")

NO_REPLY_WANTED = N_(
    "{reference} is an anonymous opinion: the resident asked for no reply, so nothing was sent."
)

NOW_ASSIGNED = N_("📌 {name}: you now have {reference} ({service}), assigned by {by}.")
NOW_ASSIGNED_TO_YOU = N_("📌 You now have {reference} ({service}).")

ASK_BEFORE_REFERRING = N_(
    "{reference}: the resident asked to be asked first before anything is passed on. When "
    "they agree, write /refer {reference} {partner} 同意あり."
)
ONLY_THE_COUNCIL = N_(
    "{reference}: the resident said only the council may see this request. Refer it only if "
    "they have since agreed: /refer {reference} {partner} 同意あり."
)
CONTACT_LOGGED = N_("{reference}: {kind} recorded.")
FOLLOW_UP_SET = N_("{reference}: follow up on {day}; it will be in that morning's digest.")


class Triage:
    """Staff actions on tickets, for one staff member inside one update's transaction."""

    def __init__(self, session: AsyncSession, services: Services, staff: StaffDTO) -> None:
        self.session = session
        self.services = services
        self.staff = staff
        self.t: Translator = services.catalogs.translator_for(STAFF_LOCALE)

    def _say(self, message: str, ticket: TicketDTO, **params: Any) -> str:
        """A short confirmation for the staff member, in Japanese."""
        return self.t.gettext(message).format(reference=escape(ticket.reference), **params)

    async def _change(
        self,
        ticket: TicketDTO,
        kind: str,
        data: dict[str, Any] | None = None,
        change: TicketChange = NO_CHANGE,
    ) -> TicketDTO:
        """Applies a change, records the event and queues the card refresh."""
        now = self.services.clock()
        bday = self.services.calendar.ordinal_at(now)
        if ticket.first_action_at is None:
            change = replace(change, first_action_at=now, first_action_bday=bday)
        changed = await update_ticket(self.session, ticket.id, now, change, bday)
        await add_ticket_event(
            self.session, ticket.id, kind, "staff", self.staff.telegram_user_id, now, data
        )
        await queue_card_refresh(self.session, self.services, ticket.id)
        return changed

    async def claim(self, ticket: TicketDTO) -> str:
        """Takes an unassigned ticket; of two simultaneous claims exactly one wins."""
        if not self._is_open(ticket):
            return self._closed(ticket)
        if ticket.assignee_id == self.staff.id:
            return self._say(N_("You already have {reference}."), ticket)
        if not await claim_ticket(self.session, ticket.id, self.staff.id, self.services.clock()):
            current = await get_ticket(self.session, ticket.id)
            holder = (
                await get_staff(self.session, current.assignee_id) if current.assignee_id else None
            )
            return self._say(
                N_("{reference} is already taken by {name}."),
                ticket,
                name=escape(holder.display_name if holder else "?"),
            )
        status = TicketStatus.ASSIGNED if ticket.status == TicketStatus.NEW else ticket.status
        await self._change(
            ticket, "claimed", {"staff_id": self.staff.id}, TicketChange(status=status)
        )
        await self.tell_taken_up(ticket)
        return self._say(N_("You have taken {reference}."), ticket)

    async def assign(self, ticket: TicketDTO, target: StaffDTO) -> str:
        """Assigns a ticket to a staff member."""
        if not self._is_open(ticket):
            return self._closed(ticket)
        status = TicketStatus.ASSIGNED if ticket.status == TicketStatus.NEW else ticket.status
        await self._change(
            ticket,
            "assigned",
            {"staff_id": target.id},
            TicketChange(assignee_id=target.id, status=status),
        )
        await self.tell_taken_up(ticket)
        if target.id != self.staff.id:
            await self.tell_assignee(ticket, target)
        return self._say(
            N_("{reference} is now assigned to {name}."), ticket, name=escape(target.display_name)
        )

    async def set_status(self, ticket: TicketDTO, status: str) -> str:
        """Changes the status to one staff may set directly."""
        if status not in SETTABLE_STATUSES:
            return self.t.gettext(N_("Unknown status. Use one of: {options}.")).format(
                options="、".join(self.t.gettext(STATUS_LABELS[k]) for k in SETTABLE_STATUSES)
            )
        if not self._is_open(ticket):
            return self._closed(ticket)
        if status == TicketStatus.ASSIGNED and ticket.assignee_id is None:
            return self._say(N_("{reference} has no assignee yet: take it or use /assign."), ticket)
        now = self.services.clock()
        change = (
            TicketChange(
                status=status,
                resolved_at=now,
                resolved_bday=self.services.calendar.ordinal_at(now),
            )
            if status == TicketStatus.RESOLVED
            else TicketChange(status=status)
        )
        await self._change(ticket, "status", {"from": ticket.status, "to": status}, change)
        if status == TicketStatus.RESOLVED:
            await self.notify_resident(ticket, RESOLVED)
        elif status == TicketStatus.IN_PROGRESS:
            await self.tell_taken_up(ticket)
        return self._say(
            N_("{reference}: status is now {status}."),
            ticket,
            status=self.t.gettext(STATUS_LABELS[status]),
        )

    async def set_priority(self, ticket: TicketDTO, priority: str) -> str:
        """Changes the priority."""
        if priority not in PRIORITY_LABELS:
            return self.t.gettext(N_("Unknown priority. Use one of: {options}.")).format(
                options="、".join(self.t.gettext(label) for label in PRIORITY_LABELS.values())
            )
        if not self._is_open(ticket):
            return self._closed(ticket)
        await self._change(
            ticket,
            "priority",
            {"from": ticket.priority, "to": priority},
            TicketChange(priority=priority),
        )
        return self._say(
            N_("{reference}: priority is now {priority}."),
            ticket,
            priority=self.t.gettext(PRIORITY_LABELS[priority]),
        )

    async def refer(
        self, ticket: TicketDTO, partner_key: str, note: str = "", agreed: bool = False
    ) -> str:
        """Hands a ticket to a partner agency (つなぎ) and tells the resident to whom; only
        with the resident's consent: given at intake, or asked for since (`agreed`)."""
        partner = self.services.profile.partner(partner_key)
        if partner is None:
            return self.t.gettext(N_("Unknown partner. Use one of: {options}.")).format(
                options="、".join(p.name.get(STAFF_LOCALE) for p in self.services.profile.partners)
            )
        if not self._is_open(ticket):
            return self._closed(ticket)
        consent = ticket.answers.get("share")
        if consent in ("ask", "no") and not agreed:
            return self._say(
                ASK_BEFORE_REFERRING if consent == "ask" else ONLY_THE_COUNCIL,
                ticket,
                partner=escape(partner.name.get(STAFF_LOCALE)),
            )
        data = {"partner": partner.key, "consent": "asked" if agreed else "intake"} | (
            {"note": note} if note else {}
        )
        await self._change(
            ticket,
            "referred",
            data,
            TicketChange(status=TicketStatus.REFERRED, referred_to=partner.key),
        )
        await self.notify_resident(ticket, REFERRED, partner=partner.name)
        return self._say(
            N_("{reference} referred to {partner}."),
            ticket,
            partner=escape(partner.name.get(STAFF_LOCALE)),
        )

    async def close(
        self,
        ticket: TicketDTO,
        reason: str = "",
        outcome: str | None = None,
        tell_resident: bool = True,
    ) -> str:
        """Closes a ticket, with an optional reason and what came of it."""
        if ticket.erased:
            return self._erased(ticket)
        # Read again under the row's lock: a close pressed at the same moment elsewhere (the
        # group's card and a private copy) finishes first, and this one finds it closed.
        current = await lock_unclosed_ticket(self.session, ticket.id)
        if current is None:
            return self._say(N_("{reference} is already closed."), ticket)
        ticket = current
        was_resolved = ticket.status == TicketStatus.RESOLVED
        now = self.services.clock()
        # Closing ends the work too: it counts as resolution when nothing was resolved before.
        change = TicketChange(status=TicketStatus.CLOSED, closed_at=now)
        if ticket.resolved_bday is None:
            change = replace(change, resolved_bday=self.services.calendar.ordinal_at(now))
        data = ({"reason": reason} if reason else {}) | ({"outcome": outcome} if outcome else {})
        await self._change(ticket, "closed", data, change)
        if not was_resolved and tell_resident:
            await self.notify_resident(ticket, CLOSED)
        return self._say(N_("{reference} is closed."), ticket)

    async def reopen(self, ticket: TicketDTO) -> str:
        """Reopens a resolved or closed ticket."""
        if ticket.erased:
            return self._erased(ticket)
        if self._is_open(ticket):
            return self._say(N_("{reference} is still open."), ticket)
        status = TicketStatus.IN_PROGRESS if ticket.assignee_id else TicketStatus.NEW
        await self._change(
            ticket,
            "reopened",
            {"from": ticket.status},
            TicketChange(status=status, closed_at=None, resolved_at=None, resolved_bday=None),
        )
        return self._say(N_("{reference} is open again."), ticket)

    async def remind(self, ticket: TicketDTO, day: date | None, note: str = "") -> str:
        """Sets (or, with None, clears) the day staff want to look at a ticket again."""
        if ticket.erased:
            return self._erased(ticket)
        if not self._is_open(ticket):
            return self._closed(ticket)
        data = {"on": day.isoformat() if day else None} | ({"note": note} if note else {})
        await self._change(ticket, "reminder", data, TicketChange(follow_up_on=day))
        if day is None:
            return self._say(N_("{reference}: no follow-up date any more."), ticket)
        return self.t.gettext(FOLLOW_UP_SET).format(
            reference=escape(ticket.reference), day=format_day(day, self.t.locale)
        )

    async def log_contact(self, ticket: TicketDTO, kind: str, note: str = "") -> str:
        """Records a contact with the resident (a call, a visit …) in the ticket's history."""
        if ticket.erased:
            return self._erased(ticket)
        data = {"type": kind} | ({"note": note} if note else {})
        await self._change(ticket, "contact", data)
        return self.t.gettext(CONTACT_LOGGED).format(
            reference=escape(ticket.reference), kind=self.t.gettext(CONTACT_LABELS[kind])
        )

    async def note(self, ticket: TicketDTO, text: str) -> str:
        """Adds an internal note; it never reaches the resident."""
        if ticket.erased:
            return self._erased(ticket)
        await self._change(ticket, "note", {"text": text})
        return self._say(N_("Note added to {reference} (staff only)."), ticket)

    async def reply(
        self,
        ticket: TicketDTO,
        text: str,
        notify_chat_id: int,
        notify_message_id: int | None,
        *,
        to_crisis: bool = False,
        preview: int | None = None,
    ) -> str:
        """Relays a message to the resident through the outbox; staff hear whether it arrived.

        An anonymous opinion gets no reply, unless staff answer a crisis alert: someone who
        may be in danger is reached however they asked to be left alone.
        """
        refused = await self.cannot_reply(ticket, to_crisis=to_crisis)
        if refused is not None:
            return refused
        resident = await get_resident(self.session, ticket.resident_id)
        await enqueue(
            self.session,
            resident.chat_id,
            "staff_reply",
            Screen(await self.resident_reads(ticket, text)),
            self.services.clock(),
            ticket.id,
            meta={"notify_chat_id": notify_chat_id, "notify_message_id": notify_message_id},
        )
        sent = {"text": text, **({"preview": preview} if preview is not None else {})}
        await self._change(ticket, "staff_reply", sent)
        return self._say(N_("Reply to {reference} queued for delivery."), ticket)

    async def cannot_reply(self, ticket: TicketDTO, *, to_crisis: bool = False) -> str | None:
        """Why a reply to this ticket's resident cannot go through the bot, or None."""
        if ticket.answers.get("wants_reply") == "no" and not to_crisis:
            return self._say(NO_REPLY_WANTED, ticket)
        resident = (
            await get_resident(self.session, ticket.resident_id) if ticket.resident_id else None
        )
        if resident is None:
            return self._say(
                N_("{reference} has no chat with a resident: please phone them."), ticket
            )
        if ticket.resident_unreachable:
            return self._say(
                N_("The resident of {reference} has blocked the bot: please phone them."), ticket
            )
        return None

    async def resident_reads(self, ticket: TicketDTO, text: str) -> str:
        """A staff message as the ticket's resident reads it: a header in their language, the
        text, and this staff member's signature (HTML)."""
        resident = await get_resident(self.session, ticket.resident_id)
        t = self.resident_translator(resident, ticket)
        body = t.gettext(STAFF_MESSAGE).format(reference=escape(ticket.reference))
        signature = f"\n\n{escape(self.staff.signature)}" if self.staff.signature else ""
        return f"{body}\n\n{escape(text)}{signature}"

    async def tell_assignee(self, ticket: TicketDTO, target: StaffDTO) -> None:
        """Tells the new assignee (a card edit notifies nobody): by a mention in the staff
        group, or privately if they asked for that (/notify)."""
        if target.notify_privately:
            await tell_privately(self.session, self.services, target, ticket, NOW_ASSIGNED_TO_YOU)
            return
        chat = self.services.settings.staff_chat_id
        if chat is None:
            return
        text = self.t.gettext(NOW_ASSIGNED).format(
            name=mention(target),
            reference=escape(ticket.reference),
            service=escape(self.t.gettext(FORMS[ticket.service].title)),
            by=escape(self.staff.display_name),
        )
        await enqueue(
            self.session,
            chat,
            "assignment_notice",
            Screen(text),
            self.services.clock(),
            ticket.id,
            meta={"reply_to_card": True},
        )

    async def tell_taken_up(self, ticket: TicketDTO) -> None:
        """Tells the resident, once, that a person has taken up their request."""
        history = await ticket_events(self.session, ticket.id)
        if any(e.kind == "told_taken_up" for e in history):
            return
        await self.notify_resident(ticket, TAKEN_UP)
        await add_ticket_event(
            self.session, ticket.id, "told_taken_up", "system", None, self.services.clock()
        )

    def resident_translator(self, resident: ResidentDTO, ticket: TicketDTO) -> Translator:
        """The translator for a ticket's resident, in the language they use now."""
        locale = resident_locale(resident)
        return self.services.catalogs.translator_for(locale)

    async def notify_resident(self, ticket: TicketDTO, message: str, **params: Any) -> None:
        """Tells the ticket's resident about progress, in their language, through the outbox."""
        if ticket.resident_id is None:
            return
        resident = await get_resident(self.session, ticket.resident_id)
        if resident is None:
            return
        t = self.resident_translator(resident, ticket)
        localized = {
            k: escape(v.get(t.locale)) if hasattr(v, "get") else v for k, v in params.items()
        }
        text = t.gettext(message).format(reference=escape(ticket.reference), **localized)
        await enqueue(
            self.session,
            resident.chat_id,
            "resident_notice",
            Screen(text),
            self.services.clock(),
            ticket.id,
        )

    def _is_open(self, ticket: TicketDTO) -> bool:
        return ticket.status in OPEN_STATUSES

    def _closed(self, ticket: TicketDTO) -> str:
        return self._say(N_("{reference} is not open: /reopen it first."), ticket)

    def _erased(self, ticket: TicketDTO) -> str:
        """The answer for any change to a ticket whose personal data was erased."""
        return self._say(
            N_(
                "{reference}: the resident's personal data was erased, so this ticket cannot be "
                "reopened, noted or changed."
            ),
            ticket,
        )
