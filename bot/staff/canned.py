"""Canned replies (定型文) sent from a ticket's card: staff see the exact text and the recipient
before it goes, and it goes once (admins keep the texts with /canned, in preferences.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.forms.definitions import FORMS
from bot.i18n import LANGUAGE_NAMES, N_, STAFF_LOCALE
from bot.outbox.queue import enqueue
from bot.screens import Button, Screen
from bot.services import Services
from bot.staff.triage import Triage
from storage.canned import get_canned
from storage.outbox import outbox_message_for
from storage.staff import StaffDTO
from storage.tickets import TicketDTO, ticket_events

PREVIEW = N_(
    "Send the canned reply 「{title}」 to the resident of {reference} ({service}; they read "
    "{language})? This is exactly what they will read:"
)
SEND = N_("Send it")
CANCEL = N_("Do not send")
CANCELLED = N_("Not sent.")
ALREADY_SENT = N_("This canned reply was already sent.")
GONE = N_("That canned reply was changed or removed since: choose it again to see it.")


@dataclass(frozen=True)
class Answer:
    """What the desk shows after a canned-reply button: a toast, a message, and whether the
    pressed keyboard goes and the outbox has something waiting."""

    toast: str = ""
    said: str = ""
    clear_keyboard: bool = False
    queued: bool = False


async def preview(
    session: AsyncSession,
    services: Services,
    staff: StaffDTO,
    chat_id: int,
    ticket: TicketDTO,
    canned_id: str,
) -> Answer:
    """Posts the canned reply exactly as the resident would read it (their language's header,
    the text, the signature), with Send and Do-not-send buttons."""
    t = services.catalogs.translator_for(STAFF_LOCALE)
    canned = await get_canned(session, int(canned_id))
    if canned is None:
        return Answer(toast=t.gettext(GONE))
    triage = Triage(session, services, staff)
    if (refused := await triage.cannot_reply(ticket)) is not None:
        return Answer(toast=refused)
    head = t.gettext(PREVIEW).format(
        title=escape(canned.title),
        reference=escape(ticket.reference),
        service=escape(t.gettext(FORMS[ticket.service].title)),
        language=escape(LANGUAGE_NAMES.get(ticket.locale, ticket.locale)),
    )
    buttons = (
        (
            Button(t.gettext(SEND), callbacks.staff(ticket.id, "cs", str(canned.id))),
            Button(t.gettext(CANCEL), callbacks.staff(ticket.id, "cx", str(canned.id))),
        ),
    )
    shown = await triage.resident_reads(ticket, canned.body)
    await enqueue(
        session,
        chat_id,
        "canned_preview",
        Screen(f"{head}\n\n{shown}", buttons),
        services.clock(),
        ticket.id,
        # What was shown: Send sends this text or nothing (an admin may change the canned
        # reply in between).
        meta={"canned_id": canned.id, "body": _digest(canned.body)},
    )
    return Answer(queued=True)


def _digest(body: str) -> str:
    """A short fingerprint of a canned text, to tell whether it changed since its preview."""
    return hashlib.sha256(body.encode()).hexdigest()[:16]


async def answer_preview(
    session: AsyncSession,
    services: Services,
    staff: StaffDTO,
    ticket: TicketDTO,
    pressed: tuple[int, int | None],
    action: str,
    canned_id: str,
) -> Answer | None:
    """Sends (cs) or drops (cx) a previewed canned reply; None when the press (chat, message)
    is not on that preview (forged or stale)."""
    t = services.catalogs.translator_for(STAFF_LOCALE)
    chat_id, message_id = pressed
    shown = await outbox_message_for(session, chat_id, message_id or 0)
    if (
        shown is None
        or shown.kind != "canned_preview"
        or shown.ticket_id != ticket.id
        or str(shown.meta.get("canned_id")) != canned_id
    ):
        return None
    if action == "cx":
        return Answer(toast=t.gettext(CANCELLED), clear_keyboard=True)
    history = await ticket_events(session, ticket.id)
    if any(e.kind == "staff_reply" and e.data.get("preview") == shown.id for e in history):
        return Answer(toast=t.gettext(ALREADY_SENT), clear_keyboard=True)
    canned = await get_canned(session, int(canned_id))
    if canned is None or _digest(canned.body) != shown.meta.get("body"):
        return Answer(toast=t.gettext(GONE), clear_keyboard=True)
    said = await Triage(session, services, staff).reply(
        ticket, canned.body, chat_id, None, preview=shown.id
    )
    return Answer(said=said, clear_keyboard=True, queued=True)
