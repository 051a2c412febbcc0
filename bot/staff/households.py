"""The person behind the tickets: link tickets of one household (世帯), merge a duplicate into
the ticket that stays, and move a resident's message that landed on the wrong ticket."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from bot.forms.engine import normalize
from bot.i18n import N_
from bot.staff.triage import Triage
from bot.tickets.deliveries import queue_card_refresh
from bot.tickets.lifecycle import OPEN_STATUSES
from bot.tickets.reference import parse_reference
from storage.outbox import outbox_message_for
from storage.staff import StaffDTO
from storage.tickets import (
    TicketDTO,
    add_ticket_event,
    get_ticket,
    get_ticket_by_reference,
    link_household,
    move_events,
    ticket_events,
    unlink_household,
)

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk

LEAVE = ("解除", "外す", "はずす", "取消", "remove")

HOUSEHOLD_HOW = N_(
    "Write two or more references of one household, e.g. /household 1234-5678 2345-6789; "
    "/household 1234-5678 解除 takes a ticket out of its household."
)
LINKED = N_("Linked as one household: {references}. /person shows them together.")
LEFT = N_("{reference} is no longer part of a household.")
MERGE_HOW = N_(
    "Write the duplicate first and the ticket that stays second, e.g. /merge 1234-5678 2345-6789."
)
MERGE_SAME = N_("Those are the same ticket.")
MERGE_CLOSED = N_("{reference} is not open, so there is nothing to merge into it.")
MERGED = N_(
    "{duplicate} is closed as a duplicate of {kept}; both are one household and each history "
    "names the other. The resident was not messaged."
)
MOVE_HOW = N_(
    "Reply to the resident's message in the group with /move and the reference it belongs "
    "to, e.g. /move 2345-6789."
)
MOVE_NOT_FOUND = N_("I cannot find that message on {reference} any more.")
MOVE_OTHER_RESIDENT = N_(
    "{reference} belongs to another resident: a message can only move between tickets of "
    "the same resident."
)
MOVED = N_("Moved {count} message(s) from {source} to {target}.")


async def _tickets(desk: StaffDesk, typed: list[str]) -> list[TicketDTO] | None:
    """The tickets some typed references name, or None after saying which one is wrong."""
    found = []
    for text in typed:
        reference = parse_reference(text)
        ticket = await get_ticket_by_reference(desk.session, reference) if reference else None
        if ticket is None:
            desk.say(desk.t.gettext("No ticket {reference}.").format(reference=escape(text)))
            return None
        found.append(ticket)
    return found


async def _note_link(
    desk: StaffDesk, staff: StaffDTO, ticket: TicketDTO, kind: str, others: list[str]
) -> None:
    """Records a link to other tickets in a ticket's history."""
    await add_ticket_event(
        desk.session,
        ticket.id,
        kind,
        "staff",
        staff.telegram_user_id,
        desk.services.clock(),
        {"with": others},
    )


async def cmd_household(desk: StaffDesk, staff: StaffDTO, args: str) -> None:
    """/household <ref> <ref>…: one household; /household <ref> 解除: out of it."""
    words = args.split()
    if len(words) == 2 and normalize(words[1]) in {normalize(w) for w in LEAVE}:
        tickets = await _tickets(desk, words[:1])
        if tickets is None:
            return
        await unlink_household(desk.session, tickets[0].id)
        await _note_link(desk, staff, tickets[0], "household_left", [])
        desk.say(desk.t.gettext(LEFT).format(reference=tickets[0].reference))
        return
    if len(words) < 2:
        desk.say(desk.t.gettext(HOUSEHOLD_HOW))
        return
    tickets = await _tickets(desk, words)
    if tickets is None:
        return
    await link_household(desk.session, [t.id for t in tickets])
    references = list(dict.fromkeys(t.reference for t in tickets))
    for ticket in tickets:
        others = [r for r in references if r != ticket.reference]
        await _note_link(desk, staff, ticket, "household", others)
    desk.say(desk.t.gettext(LINKED).format(references="、".join(references)))


async def cmd_merge(desk: StaffDesk, staff: StaffDTO, args: str) -> None:
    """/merge <duplicate> <kept>: closes the duplicate, linked to the ticket that stays."""
    words = args.split()
    if len(words) != 2:
        desk.say(desk.t.gettext(MERGE_HOW))
        return
    tickets = await _tickets(desk, words)
    if tickets is None:
        return
    duplicate, kept = tickets
    if duplicate.id == kept.id:
        desk.say(desk.t.gettext(MERGE_SAME))
        return
    if kept.status not in OPEN_STATUSES or kept.erased:
        desk.say(desk.t.gettext(MERGE_CLOSED).format(reference=kept.reference))
        return
    triage = Triage(desk.session, desk.services, staff)
    if duplicate.status in OPEN_STATUSES:
        await triage.close(duplicate, outcome="duplicate", tell_resident=False)
    await link_household(desk.session, [duplicate.id, kept.id])
    await _note_link(desk, staff, duplicate, "merged_into", [kept.reference])
    await _note_link(desk, staff, kept, "merged_from", [duplicate.reference])
    await queue_card_refresh(desk.session, desk.services, kept.id)
    desk.reply.outbox_waiting = True
    desk.say(desk.t.gettext(MERGED).format(duplicate=duplicate.reference, kept=kept.reference))


async def cmd_move(desk: StaffDesk, staff: StaffDTO, args: str) -> None:
    """/move <ref>, as a reply to a relayed resident message: moves that message (its words in
    the history) to the ticket it belongs to."""
    relayed = (
        await outbox_message_for(desk.session, desk.who.chat_id, desk.who.reply_to_message_id)
        if desk.who.reply_to_message_id
        else None
    )
    words = args.split()
    if relayed is None or relayed.kind != "resident_message" or not relayed.ticket_id:
        desk.say(desk.t.gettext(MOVE_HOW))
        return
    if len(words) != 1:
        desk.say(desk.t.gettext(MOVE_HOW))
        return
    tickets = await _tickets(desk, words)
    if tickets is None:
        return
    [target] = tickets
    source = await get_ticket(desk.session, relayed.ticket_id)
    if source is None or source.id == target.id:
        desk.say(desk.t.gettext(MOVE_HOW))
        return
    if target.resident_id != source.resident_id or target.erased:
        desk.say(desk.t.gettext(MOVE_OTHER_RESIDENT).format(reference=target.reference))
        return
    moved = [
        event.id
        for event in await ticket_events(desk.session, source.id)
        if event.kind == "resident_message" and relayed.id in event.data.get("relays", ())
    ]
    if not moved:
        desk.say(desk.t.gettext(MOVE_NOT_FOUND).format(reference=source.reference))
        return
    await move_events(desk.session, moved, target.id)
    await _note_link(desk, staff, source, "moved_out", [target.reference])
    await _note_link(desk, staff, target, "moved_in", [source.reference])
    for ticket in (source, target):
        await queue_card_refresh(desk.session, desk.services, ticket.id)
    desk.reply.outbox_waiting = True
    desk.say(
        desk.t.gettext(MOVED).format(
            count=len(moved), source=source.reference, target=target.reference
        )
    )
