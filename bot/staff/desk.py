"""The staff side: who is staff, and every staff command and button.

Every entry point checks the numeric Telegram user id first; anyone else (residents,
group members who are not staff, anonymous admins) gets one short refusal that says
nothing about tickets.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import timedelta
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.callbacks import StaffButtonData
from bot.forms.definitions import FORMS
from bot.forms.engine import normalize, parse_phone
from bot.i18n import LANGUAGE_NAMES, N_, STAFF_LOCALE, Translator, locale_from_language_code
from bot.numbers.digest import render_digest
from bot.numbers.figures import collect_digest, collect_stats, period_bounds, weekly_intake
from bot.numbers.pushes import push_summary
from bot.numbers.reports import CHART_TITLE, render_stats, report_xlsx, weekly_chart_png
from bot.outbox.queue import enqueue
from bot.screens import Button, Document, PrivateDelivery, Reply, Screen, plain, rows_of
from bot.services import Services
from bot.staff import canned, invitations, words
from bot.staff.cards import card_buttons, render_card, staff_form_context
from bot.staff.dates import read_day
from bot.staff.export import export_tickets
from bot.staff.triage import NO_REPLY_WANTED, Triage
from bot.staff.views import (
    REPLY_HINT,
    audit_list,
    person_view,
    refusal,
    staff_list,
    ticket_details,
    ticket_line,
    ticket_list,
)
from bot.staff.words import CONTACT_SHORT, QUEUE_SHORT, Word, labels
from bot.tickets.lifecycle import (
    CONTACT_LABELS,
    OUTCOME_LABELS,
    SETTABLE_STATUSES,
    open_case_for,
    outcome_labels,
)
from bot.tickets.reference import parse_reference
from bot.volunteers.registry import VOLUNTEER_CENTRE_SERVICES
from storage.attachments import attachment_content, attachments_of
from storage.models import Priority, TicketStatus
from storage.outbox import OutboxDTO, outbox_message_for
from storage.residents import get_resident
from storage.staff import (
    StaffDTO,
    active_staff,
    add_audit,
    deactivate_staff,
    get_staff_by_user,
    recent_audit,
    remember_username,
    revoke_former_admins,
    save_staff,
    staff_directory,
    staff_names,
)
from storage.tickets import (
    TicketDTO,
    TicketQuery,
    add_ticket_event,
    assignee_names,
    get_ticket,
    get_ticket_by_reference,
    household_of,
    recent_ticket_events,
    references_of,
    ticket_events,
    ticket_page,
    tickets_of_resident,
)

# Statuses /queue can list on their own ("new" is a simple filter; closed tickets are done).
QUEUE_STATUSES = (
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
    TicketStatus.REFERRED,
    TicketStatus.RESOLVED,
)
MINE = N_("Mine")
VOLUNTEER_CENTRE = N_("Volunteer centre")
FROM_RESIDENT = N_("Sent by the resident of {reference}")
NO_PERSON = N_(
    "{reference} has no resident behind it in the bot (taken by phone, or their data was erased)."
)
CASE_OPENED = N_(
    "Opened {reference} for this resident, assigned to you: reply to the alert to answer them."
)
CASE_OPEN = N_("{reference} is already open for this resident: reply to the alert.")
JOINS_HOUSEHOLD = N_(
    "The new request will be linked to the household of {reference}. To note a call about "
    "{reference} itself, use /contact {reference} 電話 instead."
)
CASE_GONE = N_("This resident's data is no longer here (they may have deleted it).")
# What clears a follow-up date.
NO_DAY = ("なし", "取消", "取り消し", "off", "none")
BAD_DAY = N_(
    "I cannot read 「{typed}」 as a day to come. Write it like 明日, 3日後, 来週, 12/3 or "
    "2026-12-03 (なし clears the date)."
)
REPLY_PROMPT = N_(
    "✉ Reply to {reference} ({service}; the resident reads {language}): answer this message "
    "with the text for the resident."
)
NOT_A_RESIDENT_MESSAGE = N_(
    "Your reply stays in this group: it answers a card, not the resident. To answer the "
    "resident of {reference}, press Reply on its card or reply to one of their own messages."
)
USE_REFER = N_(
    "To refer {reference} to a partner, write /refer {reference} and the partner's name."
)
AMBIGUOUS = N_("「{typed}」 could mean several: {options}. Please write one of them in full.")
NOT_UNDERSTOOD = N_("I do not know 「{typed}」. You can write: {options}.")
SENT_PRIVATELY = N_("🔒 The details are in your private chat with me.")
FILE_SENT_PRIVATELY = N_("🔒 The file is in your private chat with me.")
START_PRIVATE_CHAT = N_(
    "🔒 I cannot write to you privately yet. Please open a private chat with me, press "
    "Start once, then ask again here (personal details are not shown in the group)."
)
REPLY_TARGET_KINDS = ("resident_message", "reply_prompt", "crisis_alert")
# Card buttons that change the ticket (the others open a menu, the details or a reply prompt).
CHANGING_ACTIONS = ("claim", "st", "pr", "rf", "cl", "reopen")


@dataclass(frozen=True)
class StaffWho:
    """Who sent a staff update, and from where."""

    user_id: int
    chat_id: int
    message_id: int | None = None
    first_name: str = ""
    anonymous: bool = False
    reply_to_message_id: int | None = None
    language_code: str | None = None
    pressed_message_id: int | None = None
    private: bool = False
    # The message replied to was one of the bot's own.
    reply_to_bot: bool = False
    username: str | None = None
    # The bot's own @username, for the links it makes.
    bot_username: str = ""


async def staff_for_user(
    session: AsyncSession, services: Services, user_id: int, name: str
) -> StaffDTO | None:
    """The staff member with a Telegram user id; an admin gets a staff row on first use,
    which ends when the id leaves the admin list."""
    staff = await get_staff_by_user(session, user_id)
    admin = user_id in services.settings.admin_ids
    now = services.clock()
    if staff is not None and staff.from_admin_list and not admin:
        await revoke_removed_admins(session, services)
        return None
    if staff is None and admin:
        staff = await save_staff(
            session, user_id, (name or str(user_id))[:64], [], now, from_admin_list=True
        )
        await add_audit(session, user_id, "admin_as_staff", now)
    return staff


async def revoke_removed_admins(session: AsyncSession, services: Services) -> list[int]:
    """Ends the staff rows of ids that have left MADOGUCHI_ADMIN_IDS, each audited; returns
    their user ids."""
    now = services.clock()
    gone = await revoke_former_admins(session, services.settings.admin_ids, now)
    for user_id in gone:
        await add_audit(session, None, "admin_revoked", now, {"user_id": user_id})
    return gone


class StaffDesk:
    """Handles one staff update inside its transaction."""

    def __init__(self, session: AsyncSession, services: Services, who: StaffWho) -> None:
        self.session = session
        self.services = services
        self.who = who
        self.t: Translator = services.catalogs.translator_for(STAFF_LOCALE)
        self.reply = Reply()
        self.calendar = services.calendar

    @property
    def is_admin(self) -> bool:
        """Whether the sender is an admin (by numeric id, never anonymously)."""
        return not self.who.anonymous and self.who.user_id in self.services.settings.admin_ids

    async def identify(self) -> StaffDTO | None:
        """The staff member behind this update, or None; admins always count as staff.

        Staff work happens only in the staff chat or a private chat with the bot, so that
        no ticket detail is ever posted into another group the bot is in.
        """
        if self.who.anonymous:
            return None
        if not self.who.private and self.who.chat_id != self.services.settings.staff_chat_id:
            return None
        staff = await staff_for_user(
            self.session, self.services, self.who.user_id, self.who.first_name
        )
        if staff is not None and staff.username != self.who.username:
            await remember_username(self.session, staff.telegram_user_id, self.who.username)
        return staff

    def say(self, text: str) -> None:
        """Adds a plain message to the reply."""
        self.reply.screens.append(Screen(text))

    def refuse(self, toast: bool = False) -> Reply:
        """The one refusal, in the sender's language: the same for every non-staff sender
        and every forged button (in a group, once in a while per sender)."""
        t = self.services.catalogs.translator_for(locale_from_language_code(self.who.language_code))
        if toast:
            self.reply.toast = refusal(t).text
        elif self.who.private or self.services.refusals.allow(
            self.who.user_id, self.services.clock()
        ):
            self.reply.screens = [refusal(t)]
        return self.reply

    # ---- commands ----------------------------------------------------------------------------

    async def _ticket(self, text: str) -> TicketDTO | None:
        """Finds the ticket a typed reference names, or explains why not."""
        reference = parse_reference(text)
        if reference is None:
            self.say(self.t.gettext("Please give a reference like 1234-5678."))
            return None
        ticket = await get_ticket_by_reference(self.session, reference)
        if ticket is None:
            self.say(self.t.gettext("No ticket {reference}.").format(reference=reference))
        return ticket

    async def _ticket_and_rest(self, args: str) -> tuple[TicketDTO | None, str]:
        """Splits '<ref> rest of the text' and finds the ticket."""
        first, _, rest = args.partition(" ")
        if not first:
            self.say(self.t.gettext("Please give a reference like 1234-5678."))
            return None, ""
        return await self._ticket(first), rest.strip()

    async def cmd_queue(self, staff: StaffDTO, args: str) -> None:
        """/queue [filter]: open tickets, oldest first; filters in Japanese or by key."""
        # A bare /queue shows every open ticket: the other filters need not be made.
        filters = await self._queue_filters(staff) if args.strip() else self._simple_filters(staff)
        found = words.read(args, [word for word, _ in filters]) if args.strip() else []
        if args.strip() and len(found) != 1:
            self._not_understood(args, found, [word for word, _ in filters])
            return
        self.reply.screens.append(await self.queue_screen(staff, args, 0, filters))

    def _not_understood(self, typed: str, found: list[Word], choices: list[Word]) -> None:
        """Says that a typed word names several things (and which), or none (and the choices)."""
        if found:
            self.say(
                self.t.gettext(AMBIGUOUS).format(typed=escape(typed), options=escape(labels(found)))
            )
            return
        self.say(
            self.t.gettext(NOT_UNDERSTOOD).format(
                typed=escape(typed), options=escape(labels(choices))
            )
        )

    def _simple_filters(self, staff: StaffDTO) -> list[tuple[Word, TicketQuery]]:
        """The /queue filters that need no reading: all open (the first), new, mine, urgent,
        unassigned and the volunteer centre's."""
        t = self.t
        return [
            (Word("all", t.gettext("all open"), QUEUE_SHORT["all"]), TicketQuery(open_only=True)),
            (Word("new", t.gettext("New"), QUEUE_SHORT["new"]), TicketQuery(statuses=("new",))),
            (
                Word("mine", t.gettext(MINE), QUEUE_SHORT["mine"]),
                TicketQuery(open_only=True, assignee_id=staff.id),
            ),
            (
                Word("urgent", t.gettext("Urgent"), QUEUE_SHORT["urgent"]),
                TicketQuery(open_only=True, priority=Priority.URGENT),
            ),
            (
                Word("unassigned", t.gettext("Unassigned"), QUEUE_SHORT["unassigned"]),
                TicketQuery(open_only=True, unassigned=True),
            ),
            (
                Word(
                    "volunteer_centre",
                    t.gettext(VOLUNTEER_CENTRE),
                    QUEUE_SHORT["volunteer_centre"],
                ),
                TicketQuery(open_only=True, services=VOLUNTEER_CENTRE_SERVICES),
            ),
        ]

    async def _queue_filters(self, staff: StaffDTO) -> list[tuple[Word, TicketQuery]]:
        """Every /queue filter with its query: the simple ones, a status, a service, a
        district or a colleague's name."""
        t = self.t
        simple = self._simple_filters(staff)
        by_status = [
            (replace(word, key=f"st_{word.key}"), TicketQuery(statuses=(word.key,)))
            for word in words.statuses(t, QUEUE_STATUSES)
        ]
        by_service = [
            (Word(form.key, t.gettext(form.title)), TicketQuery(open_only=True, service=form.key))
            for form in FORMS.values()
        ]
        by_district = [
            (word, TicketQuery(open_only=True, district_key=word.key))
            for word in words.districts(self.services.profile, STAFF_LOCALE)
        ]
        by_colleague = [
            (
                Word(f"by_{member.id}", member.display_name, (str(member.telegram_user_id),)),
                TicketQuery(open_only=True, assignee_id=member.id),
            )
            for member in await active_staff(self.session)
        ]
        return simple + by_status + by_service + by_district + by_colleague

    async def queue_screen(
        self,
        staff: StaffDTO,
        filter_text: str,
        page: int,
        filters: list[tuple[Word, TicketQuery]] | None = None,
    ) -> Screen:
        """One page of /queue, with buttons to turn pages (they carry the canonical filter);
        `filters` if the caller already has them."""
        if filters is None:
            filters = await self._queue_filters(staff)
        found = words.read(filter_text, [word for word, _ in filters]) if filter_text else []
        word, query = next(
            ((w, q) for w, q in filters if len(found) == 1 and w == found[0]), filters[0]
        )
        key = word.key
        size = self.services.settings.staff_page_size
        tickets, total = await ticket_page(self.session, query, page * size, size)
        title = self.t.gettext("Queue: {filter}").format(filter=escape(word.label))
        return ticket_list(
            title,
            tickets,
            total,
            page,
            size,
            self.t,
            self.calendar,
            self.services.clock(),
            assignee_names(tickets),
            lambda p: callbacks.queue_page(key, p),
        )

    async def cmd_ticket(self, staff: StaffDTO, args: str) -> None:
        """/ticket <ref>: details, answers, contact and history; the view is recorded."""
        ticket = await self._ticket(args)
        if ticket is None:
            return
        await self.show_details(staff, ticket)

    async def show_details(self, staff: StaffDTO, ticket: TicketDTO) -> None:
        """Shows a ticket in full to the asking staff member alone and records who looked at
        its personal data; the group sees only the ticket's line."""
        now = self.services.clock()
        await add_ticket_event(
            self.session, ticket.id, "viewed", "staff", staff.telegram_user_id, now
        )
        names, names_by_user = await staff_directory(self.session)
        details, history_file = await self._details(ticket, names, names_by_user)
        # The staff member's own copy carries the card's actions, so nothing needs typing.
        details = replace(details, rows=card_buttons(self.services, ticket))
        files = [history_file] if history_file is not None else []
        for attachment in await attachments_of(self.session, [ticket.id]):
            content = await attachment_content(self.session, attachment.id)
            caption = self.t.gettext(FROM_RESIDENT).format(reference=ticket.reference)
            files.append(Document(attachment.filename, content, escape(caption)))
        line = ticket_line(ticket, self.t, self.calendar, now, names)
        self.send_privately([details], files, line + "\n" + self.t.gettext(SENT_PRIVATELY))

    async def _details(
        self, ticket: TicketDTO, names: dict[int, str], names_by_user: dict[int, str]
    ) -> tuple[Screen, Document | None]:
        """A ticket's full details and, for a long history, the history as a file (staff
        names by row id and by Telegram user id as staff_directory gives them)."""
        return ticket_details(
            ticket,
            staff_form_context(self.services),
            self.services.profile,
            await ticket_events(self.session, ticket.id),
            names,
            names_by_user,
            self.calendar,
            self.services.clock(),
            self.services.settings.tz,
        )

    async def _private_copy(self, ticket_id: int, menu: str) -> Screen:
        """The private copy of /ticket as the ticket is now, with the card's buttons or one of
        its menus (the details stay in view)."""
        ticket = await get_ticket(self.session, ticket_id)
        details, _ = await self._details(ticket, *await staff_directory(self.session))
        card = await render_card(self.session, self.services, ticket, menu)
        return replace(details, rows=card.rows)

    def send_privately(self, screens: list[Screen], documents: list[Document], note: str) -> None:
        """Sends personal data to the asking staff member's private chat with the bot; in the
        group, says `note` (or, if they never started the bot, how to start it)."""
        if self.who.private:
            self.reply.screens += screens
            self.reply.documents += documents
            return
        self.say(note)
        self.reply.private = PrivateDelivery(
            screens, documents, unreachable=Screen(self.t.gettext(START_PRIVATE_CHAT))
        )

    async def cmd_assign(self, staff: StaffDTO, args: str) -> None:
        """/assign <ref> me|自分|<name, part of a name or user id>."""
        ticket, target_text = await self._ticket_and_rest(args)
        if ticket is None:
            return
        if normalize(target_text) in ("me", "自分", "私", ""):
            target = staff
        else:
            members = await active_staff(self.session)
            found = words.read(target_text, words.colleagues(members))
            if len(found) > 1:
                named = [Word(w.key, f"{w.label}（ID {w.key}）") for w in found]
                self._not_understood(target_text, named, [])
                return
            if not found:
                self.say(
                    self.t.gettext("No staff member called {name}. See /staff list.").format(
                        name=escape(target_text)
                    )
                )
                return
            target = next(m for m in members if str(m.telegram_user_id) == found[0].key)
        self.say(await Triage(self.session, self.services, staff).assign(ticket, target))

    async def cmd_status(self, staff: StaffDTO, args: str) -> None:
        """/status <ref> <status>: in Japanese or by key; 完了 closes, つなぎ points to /refer."""
        ticket, typed = await self._ticket_and_rest(args)
        if ticket is None:
            return
        found = words.read(typed, words.statuses(self.t))
        settable = words.statuses(self.t, (*SETTABLE_STATUSES, TicketStatus.CLOSED))
        if len(found) != 1 or found[0].key == TicketStatus.NEW:
            self._not_understood(typed, found, settable)
            return
        triage = Triage(self.session, self.services, staff)
        key = found[0].key
        if key == TicketStatus.CLOSED:
            self.say(await triage.close(ticket))
        elif key == TicketStatus.REFERRED:
            self.say(self.t.gettext(USE_REFER).format(reference=ticket.reference))
        else:
            self.say(await triage.set_status(ticket, key))

    async def cmd_priority(self, staff: StaffDTO, args: str) -> None:
        """/priority <ref> <level>: in Japanese (緊急, 高い …) or by key."""
        ticket, typed = await self._ticket_and_rest(args)
        if ticket is None:
            return
        choices = words.priorities(self.t)
        found = words.read(typed, choices)
        if len(found) != 1:
            self._not_understood(typed, found, choices)
            return
        self.say(
            await Triage(self.session, self.services, staff).set_priority(ticket, found[0].key)
        )

    async def cmd_refer(self, staff: StaffDTO, args: str) -> None:
        """/refer <ref> <partner> [note]: the partner by name, short name (県社協) or key."""
        ticket, rest = await self._ticket_and_rest(args)
        if ticket is None:
            return
        partner_text, _, note = rest.partition(" ")
        choices = words.partners(self.services.profile, STAFF_LOCALE)
        found = words.read(partner_text, choices)
        if len(found) != 1:
            self._not_understood(partner_text, found, choices)
            return
        first, _, after = note.strip().partition(" ")
        agreed = normalize(first) in {normalize(w) for w in words.AGREED}
        self.say(
            await Triage(self.session, self.services, staff).refer(
                ticket, found[0].key, after.strip() if agreed else note.strip(), agreed=agreed
            )
        )

    async def cmd_close(self, staff: StaffDTO, args: str) -> None:
        """/close <ref> [outcome] [reason]: the outcome in Japanese (情報提供 …) or by key."""
        ticket, rest = await self._ticket_and_rest(args)
        if ticket is None:
            return
        first, _, reason = rest.partition(" ")
        outcomes = [
            Word(o.key, o.name.get(self.t.locale), tuple(o.aliases))
            for o in self.services.profile.outcomes
        ]
        outcomes = [Word(k, self.t.gettext(v)) for k, v in OUTCOME_LABELS.items()] + outcomes
        found = words.exact(first, outcomes)
        outcome = found[0].key if len(found) == 1 else None
        reason = reason.strip() if outcome else rest
        self.say(
            await Triage(self.session, self.services, staff).close(ticket, reason, outcome=outcome)
        )

    async def cmd_reopen(self, staff: StaffDTO, args: str) -> None:
        """/reopen <ref>."""
        ticket = await self._ticket(args)
        if ticket is not None:
            self.say(await Triage(self.session, self.services, staff).reopen(ticket))

    async def cmd_remind(self, staff: StaffDTO, args: str) -> None:
        """/remind <ref> <day> [note]: a follow-up date (明日, 12/3, 3日後 …); なし clears it."""
        ticket, rest = await self._ticket_and_rest(args)
        if ticket is None:
            return
        day_text, _, note = rest.partition(" ")
        if normalize(day_text) in NO_DAY:
            self.say(await Triage(self.session, self.services, staff).remind(ticket, None))
            return
        today = self.calendar.local_day(self.services.clock())
        day = read_day(day_text, today)
        if day is None or day < today:
            self.say(self.t.gettext(BAD_DAY).format(typed=escape(day_text)))
            return
        self.say(await Triage(self.session, self.services, staff).remind(ticket, day, note.strip()))

    async def cmd_person(self, staff: StaffDTO, args: str) -> None:
        """/person <ref>: every request of the resident behind a ticket, with notes and phone
        numbers, sent privately; the view is recorded on each request."""
        ticket = await self._ticket(args)
        if ticket is None:
            return
        tickets = (
            await tickets_of_resident(self.session, ticket.resident_id)
            if ticket.resident_id
            else [ticket]
        )
        own = {each.id for each in tickets}
        relatives = {
            relative.id: relative
            for each in tickets
            for relative in await household_of(self.session, each)
            if relative.id not in own
        }
        if ticket.resident_id is None and not relatives:
            self.say(self.t.gettext(NO_PERSON).format(reference=ticket.reference))
            return
        household = list(relatives.values())
        now = self.services.clock()
        notes = {}
        for each in tickets + household:
            await add_ticket_event(
                self.session, each.id, "viewed", "staff", staff.telegram_user_id, now
            )
            history = await ticket_events(self.session, each.id)
            notes[each.id] = [e.data["text"] for e in history if e.kind == "note" and e.data]
        names = await staff_names(self.session)
        view = person_view(tickets, notes, self.t, self.calendar, now, names, household)
        line = ticket_line(ticket, self.t, self.calendar, now, names)
        self.send_privately([view], [], line + "\n" + self.t.gettext(SENT_PRIVATELY))

    async def cmd_contact(self, staff: StaffDTO, args: str) -> None:
        """/contact <ref> <kind> [note]: logs a call, a visit to the office, a home visit or an
        accompanied visit (電話, 来所, 訪問, 同行)."""
        ticket, rest = await self._ticket_and_rest(args)
        if ticket is None:
            return
        kind_text, _, note = rest.partition(" ")
        choices = [
            Word(k, self.t.gettext(v), CONTACT_SHORT.get(k, ())) for k, v in CONTACT_LABELS.items()
        ]
        found = words.read(kind_text, choices)
        if len(found) != 1:
            self._not_understood(kind_text, found, choices)
            return
        self.say(
            await Triage(self.session, self.services, staff).log_contact(
                ticket, found[0].key, note.strip()
            )
        )

    async def cmd_note(self, staff: StaffDTO, args: str) -> None:
        """/note <ref> <text>: internal only."""
        ticket, text = await self._ticket_and_rest(args)
        if ticket is None:
            return
        if not text:
            self.say(self.t.gettext("Please write the note after the reference."))
            return
        self.say(await Triage(self.session, self.services, staff).note(ticket, text))

    async def cmd_reply(self, staff: StaffDTO, args: str) -> None:
        """/reply <ref> <text>: relayed to the resident through the outbox."""
        ticket, text = await self._ticket_and_rest(args)
        if ticket is None:
            return
        if not text:
            self.say(self.t.gettext("Please write the message after the reference."))
            return
        self.say(
            await Triage(self.session, self.services, staff).reply(
                ticket,
                text,
                self.who.chat_id,
                self.who.message_id,
            )
        )

    async def cmd_search(self, staff: StaffDTO, args: str) -> None:
        """/search <words>: by reference, phone number or words in the answers."""
        if not args:
            self.say(
                self.t.gettext("Please give a reference, a phone number or words to search for.")
            )
            return
        self.reply.screens.append(await self.search_screen(args, 0))
        # Who searched is recorded; what they searched for (perhaps a phone number) is not.
        await add_audit(self.session, staff.telegram_user_id, "search", self.services.clock())

    async def search_screen(self, words: str, page: int) -> Screen:
        """One page of /search results."""
        reference = parse_reference(words)
        phone = parse_phone(words) if reference is None else None
        if reference:
            query = TicketQuery(reference=reference)
        elif phone:
            query = TicketQuery(phone=phone)
        else:
            query = TicketQuery(words=tuple(words.split()[:5]))
        size = self.services.settings.staff_page_size
        tickets, total = await ticket_page(self.session, query, page * size, size)
        title = self.t.gettext("Search: {words}").format(words=escape(words))
        paging = callbacks.search_page(words, 0) is not None
        return ticket_list(
            title,
            tickets,
            total,
            page,
            size,
            self.t,
            self.calendar,
            self.services.clock(),
            assignee_names(tickets),
            (lambda p: callbacks.search_page(words, p)) if paging else None,
        )

    async def cmd_export(self, staff: StaffDTO, args: str) -> None:
        """/export [from] [to] [xlsx]: tickets as a file (export module)."""
        exported = await export_tickets(self.session, self.services, self.t, staff, args)
        if isinstance(exported, Document):
            self.send_privately([], [exported], self.t.gettext(FILE_SENT_PRIVATELY))
        else:
            self.say(exported)

    async def cmd_digest(self, staff: StaffDTO, args: str) -> None:
        """/digest: today's digest now, as a preview (it does not count as the day's digest)."""
        data = await collect_digest(self.session, self.services, self.services.clock())
        self.reply.screens += [Screen(part) for part in render_digest(data, self.t)]

    async def cmd_stats(self, staff: StaffDTO, args: str) -> None:
        """/stats [week|month|YYYY-MM]."""
        bounds = period_bounds(
            normalize(args), self.services.calendar.local_day(self.services.clock())
        )
        if bounds is None:
            self.say(self.t.gettext("Please write /stats week, /stats month or /stats 2026-11."))
            return
        stats = await collect_stats(self.session, self.services, *bounds)
        text = render_stats(stats, self.t, self.services.profile)
        if (pushes := await push_summary(self.session, self.services, self.t)) is not None:
            text += "\n" + escape(pushes)
        self.say(text)

    async def cmd_report(self, staff: StaffDTO, args: str) -> None:
        """/report YYYY-MM: the month's figures as XLSX and the 12-week chart as a picture."""
        bounds = (
            period_bounds(normalize(args), self.services.calendar.local_day(self.services.clock()))
            if normalize(args) not in ("", "week")
            else None
        )
        if bounds is None:
            self.say(self.t.gettext("Please write the month, for example /report 2026-11."))
            return
        label, start, end = bounds
        stats = await collect_stats(self.session, self.services, label, start, end)
        weeks = await weekly_intake(self.session, self.services, end - timedelta(days=1))
        # Drawn in a worker thread: the event loop keeps answering residents meanwhile.
        workbook, chart = await asyncio.gather(
            asyncio.to_thread(report_xlsx, stats, self.t, self.services.profile),
            asyncio.to_thread(weekly_chart_png, weeks, self.t),
        )
        self.reply.documents += [
            Document(
                f"madoguchi-report-{label}.xlsx",
                workbook,
                escape(self.t.gettext("Monthly report {period}").format(period=label)),
            ),
            Document(
                f"madoguchi-intake-{label}.png",
                chart,
                escape(self.t.gettext(CHART_TITLE)),
                picture=True,
            ),
        ]
        await add_audit(
            self.session, staff.telegram_user_id, "report", self.services.clock(), {"period": label}
        )

    async def cmd_newticket(self, staff: StaffDTO, args: str) -> None:
        """/newticket [ref]: staff record a request taken by phone or at the counter (about
        someone of the household of ticket `ref`, if given)."""
        known = await self._ticket(args) if args else None
        if args and known is None:
            return
        buttons = [
            Button(
                f"{i}. {self.t.gettext(FORMS[key].title)}",
                callbacks.new_ticket(key, known.id if known else None),
            )
            for i, key in enumerate(callbacks.SERVICE_ITEMS, start=1)
        ]
        question = self.t.gettext(
            "Which request did the person make? Before you start, read them the privacy "
            "notice and make sure they agree."
        )
        if known is not None:
            question += "\n" + self.t.gettext(JOINS_HOUSEHOLD).format(reference=known.reference)
        self.reply.screens.append(Screen(question, rows_of(buttons, 1)))

    async def cmd_staff(self, staff: StaffDTO, args: str) -> None:
        """/staff add|remove|list (admins)."""
        action, _, rest = args.partition(" ")
        now = self.services.clock()
        if action == "list" or not action:
            self.reply.screens.append(
                staff_list(self.t, await active_staff(self.session), self.services.profile)
            )
            return
        if action == "invite":
            self.say(
                await invitations.create_invitation(
                    self.session, self.services, self.who.user_id, rest, self.who.bot_username
                )
            )
            return
        user_text, _, name_text = rest.strip().partition(" ")
        # A Telegram user id is a positive number of at most 19 digits (a 64-bit integer).
        if not user_text.isdecimal() or len(user_text) > 19 or int(user_text) >= 2**63:
            self.say(
                self.t.gettext(
                    "Please give the numeric Telegram user id, e.g. /staff add 123456789 Tanaka."
                )
            )
            return
        user_id = int(user_text)
        if action == "remove":
            removed = await deactivate_staff(self.session, user_id, now)
            await add_audit(
                self.session, self.who.user_id, "staff_remove", now, {"user_id": user_id}
            )
            if removed:
                await invitations.tell_removed(self.session, self.services, user_id)
                self.reply.outbox_waiting = True
            message = N_("Removed {user_id}.") if removed else N_("{user_id} is not staff.")
            self.say(self.t.gettext(message).format(user_id=user_id))
            return
        if action != "add":
            self.say(self.t.gettext("Use /staff invite, /staff add, /staff remove or /staff list."))
            return
        words = name_text.split()
        district_keys = {d.key for d in self.services.profile.districts}
        districts = [w for w in words if w in district_keys]
        name = " ".join(w for w in words if w not in district_keys)[:64]
        if not name:
            self.say(
                self.t.gettext("Please give a display name, e.g. /staff add 123456789 Tanaka.")
            )
            return
        member = await save_staff(self.session, user_id, name, districts, now)
        await add_audit(
            self.session,
            self.who.user_id,
            "staff_add",
            now,
            {"user_id": user_id, "districts": districts},
        )
        self.say(
            self.t.gettext("{name} ({user_id}) is staff.").format(
                name=escape(member.display_name), user_id=user_id
            )
        )

    async def cmd_audit(self, staff: StaffDTO, args: str) -> None:
        """/audit [n] (admins): recent events, without content."""
        limit = int(args) if args.isdecimal() and len(args) <= 3 and 0 < int(args) <= 200 else 30
        events = await recent_ticket_events(self.session, limit)
        audit = await recent_audit(self.session, limit)
        references = await references_of(self.session, {e.ticket_id for e in events})
        self.reply.screens.append(
            audit_list(self.t, events, audit, references, self.services.settings.tz, limit)
        )

    # ---- buttons -----------------------------------------------------------------------------

    async def invitation_button(self, data: str | None) -> Reply:
        """Confirm or Decline on an opened staff invitation (admins; others are refused)."""
        staff = await self.identify()
        press = invitations.Press(
            data, self.who.user_id, self.is_admin, self.who.chat_id, self.who.pressed_message_id
        )
        if staff is None or not await invitations.decide(
            self.session, self.services, press, self.reply
        ):
            return self.refuse(toast=True)
        return self.reply

    async def button(self, data: str | None) -> Reply:
        """Handles a press on a card or list button after checking who pressed it."""
        staff = await self.identify()
        parsed = callbacks.parse_staff(data)
        if staff is None or parsed is None:
            return self.refuse(toast=True)
        if parsed.action == "queue":
            self.reply.replace_pressed = await self.queue_screen(staff, parsed.arg, parsed.page)
            return self.reply
        if parsed.action == "search":
            self.reply.replace_pressed = await self.search_screen(parsed.arg, parsed.page)
            return self.reply
        if parsed.action == "case":
            await self._open_case(staff, parsed.ticket_id)
            return self.reply
        ticket = await get_ticket(self.session, parsed.ticket_id)
        if ticket is None:
            return self.refuse(toast=True)
        if parsed.action in ("cs", "cx"):
            pressed = (self.who.chat_id, self.who.pressed_message_id)
            answer = await canned.answer_preview(
                self.session, self.services, staff, ticket, pressed, parsed.action, parsed.arg
            )
            if answer is None:
                return self.refuse(toast=True)
            self._show(answer)
            return self.reply
        on_card = (
            self.who.chat_id == self.services.settings.staff_chat_id
            and self.who.pressed_message_id == ticket.card_message_id
        )
        if parsed.action != "view" and not (on_card or self.who.private):
            # In the group a card's buttons act only on that card, and lists only open tickets;
            # a staff member's private copy of /ticket carries the same actions.
            return self.refuse(toast=True)
        await self._card_action(staff, ticket, parsed)
        if self.who.private and self.reply.replace_pressed is not None:
            # A menu opened on the private copy keeps the details in view.
            menu = "main" if parsed.action == "back" else parsed.action
            self.reply.replace_pressed = await self._private_copy(ticket.id, menu)
        elif self.who.private and parsed.action in CHANGING_ACTIONS:
            # The private copy shows the ticket as it is now, with its actions again.
            self.reply.replace_pressed = await self._private_copy(ticket.id, "main")
        return self.reply

    async def _card_action(
        self, staff: StaffDTO, ticket: TicketDTO, parsed: StaffButtonData
    ) -> None:
        """Acts on one ticket from a card button."""
        triage = Triage(self.session, self.services, staff)
        action = parsed.action
        if action in ("status", "priority", "refer", "close", "canned", "back"):
            menu = "main" if action == "back" else action
            self.reply.replace_pressed = await render_card(
                self.session, self.services, ticket, menu
            )
            return
        if action == "view":
            await self.show_details(staff, ticket)
            return
        if action == "reply":
            await self._reply_prompt(ticket)
            return
        if action == "cn":
            if not parsed.arg.isdecimal():
                self.refuse(toast=True)
                return
            self._show(
                await canned.preview(
                    self.session, self.services, staff, self.who.chat_id, ticket, parsed.arg
                )
            )
            return
        if action == "cl" and parsed.arg not in outcome_labels(self.services.profile, self.t):
            self.refuse(toast=True)
            return
        results = {
            "claim": lambda: triage.claim(ticket),
            "st": lambda: triage.set_status(ticket, parsed.arg),
            "pr": lambda: triage.set_priority(ticket, parsed.arg),
            "rf": lambda: triage.refer(ticket, parsed.arg),
            "cl": lambda: triage.close(ticket, outcome=parsed.arg),
            "reopen": lambda: triage.reopen(ticket),
        }
        self.reply.toast = _toast(await results[action]())
        self.reply.outbox_waiting = True

    def _show(self, answer: canned.Answer) -> None:
        """Shows what a canned-reply button came to."""
        if answer.said:
            self.say(answer.said)
        if answer.toast:
            self.reply.toast = _toast(answer.toast)
        self.reply.clear_pressed_keyboard = answer.clear_keyboard
        self.reply.outbox_waiting = self.reply.outbox_waiting or answer.queued

    async def _open_case(self, staff: StaffDTO, resident_id: int) -> None:
        """Opens a case for the resident a crisis alert is about (once: a second press names
        the case already open) so staff can answer them by replying to the alert."""
        target = await outbox_message_for(
            self.session, self.who.chat_id, self.who.pressed_message_id or 0
        )
        if target is None or target.kind != "crisis_alert":
            self.refuse(toast=True)
            return
        if target.ticket_id is not None:
            ticket = await get_ticket(self.session, target.ticket_id)
            self.reply.toast = _toast(
                self.t.gettext(CASE_OPEN).format(reference=ticket.reference if ticket else "")
            )
            return
        resident = await get_resident(self.session, resident_id)
        if resident is None or target.meta.get("resident_id") != resident_id:
            self.reply.toast = _toast(self.t.gettext(CASE_GONE))
            return
        ticket = await open_case_for(self.session, self.services, resident, staff)
        self.reply.clear_pressed_keyboard = True
        self.reply.outbox_waiting = True
        self.say(self.t.gettext(CASE_OPENED).format(reference=ticket.reference))

    async def _reply_prompt(self, ticket: TicketDTO) -> None:
        """Posts a prompt the staff member answers (as a reply) with the text for the resident."""
        if ticket.answers.get("wants_reply") == "no":
            self.reply.toast = _toast(
                self.t.gettext(NO_REPLY_WANTED).format(reference=ticket.reference)
            )
            return
        text = self.t.gettext(REPLY_PROMPT).format(
            reference=escape(ticket.reference),
            service=escape(self.t.gettext(FORMS[ticket.service].title)),
            language=escape(LANGUAGE_NAMES.get(ticket.locale, ticket.locale)),
        )
        await enqueue(
            self.session,
            self.who.chat_id,
            "reply_prompt",
            Screen(text),
            self.services.clock(),
            ticket.id,
            meta={"force_reply": True},
        )
        self.reply.toast = _toast(text)
        self.reply.outbox_waiting = True

    # ---- replies in the group ----------------------------------------------------------------

    async def group_reply(self, text: str) -> Reply | None:
        """Relays a staff member's reply to a resident's message or a reply prompt.

        Returns None when the message answers anything else: that stays internal (a staff
        member who answered one of the bot's other messages in the group is told how to reach
        the resident).
        """
        if self.who.reply_to_message_id is None:
            return None
        target = await outbox_message_for(
            self.session, self.who.chat_id, self.who.reply_to_message_id
        )
        if target is None or target.kind not in REPLY_TARGET_KINDS or target.ticket_id is None:
            return await self._how_to_answer(target)
        staff = await self.identify()
        if staff is None:
            return self.refuse()
        ticket = await get_ticket(self.session, target.ticket_id)
        self.say(
            await Triage(self.session, self.services, staff).reply(
                ticket,
                text,
                self.who.chat_id,
                self.who.message_id,
                to_crisis=target.kind == "crisis_alert",
            )
        )
        self.reply.outbox_waiting = True
        return self.reply

    async def _how_to_answer(self, target: OutboxDTO | None) -> Reply | None:
        """Tells staff who replied in the group to a message of ours with no resident behind
        it (a card, a notice) how to reach the resident; None for anything else."""
        if not self.who.reply_to_bot or self.who.private:
            return None
        if await self.identify() is None:
            return None
        ticket = (
            await get_ticket(self.session, target.ticket_id)
            if target and target.ticket_id
            else None
        )
        if ticket is not None:
            self.say(self.t.gettext(NOT_A_RESIDENT_MESSAGE).format(reference=ticket.reference))
        else:
            self.say(self.t.gettext(REPLY_HINT))
        return self.reply


def _toast(text: str) -> str:
    """A toast shows plain text, and only so much of it."""
    return plain(text)[:190]
