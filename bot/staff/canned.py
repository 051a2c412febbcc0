"""Canned replies (定型文): admins manage them with /canned; staff send one from a ticket's
card, seeing the exact text and the recipient before it goes."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from bot import callbacks
from bot.forms.definitions import FORMS
from bot.forms.engine import normalize
from bot.i18n import LANGUAGE_NAMES, N_
from bot.outbox.queue import enqueue
from bot.screens import Button, Screen
from bot.staff.triage import Triage
from storage.canned import canned_replies, get_canned, remove_canned, save_canned
from storage.outbox import outbox_message_for
from storage.staff import StaffDTO, add_audit
from storage.tickets import TicketDTO, ticket_events

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk

TITLE_LIMIT = 40
BODY_LIMIT = 3000
ADD = ("追加", "登録", "add")
REMOVE = ("削除", "remove", "delete")

PREVIEW = N_(
    "Send the canned reply 「{title}」 to the resident of {reference} ({service}; they read "
    "{language})? This is exactly what they will read:"
)
SEND = N_("Send it")
CANCEL = N_("Do not send")
CANCELLED = N_("Not sent.")
ALREADY_SENT = N_("This canned reply was already sent.")
GONE = N_("That canned reply no longer exists.")

CANNED_LIST = N_("Canned replies (choose one with the card's Canned reply button):")
CANNED_NONE = N_("There are no canned replies yet.")
CANNED_HOW = N_(
    "Admins add one with /canned 追加 title text, and remove one with /canned 削除 title."
)
CANNED_SAVED = N_("Canned reply 「{title}」 saved.")
CANNED_REMOVED = N_("Canned reply 「{title}」 removed.")
CANNED_MISSING = N_("There is no canned reply 「{title}」.")
CANNED_ADMINS_ONLY = N_("Only admins can add or remove canned replies.")
CANNED_TOO_LONG = N_("A title can have at most {title} characters and a text at most {body}.")


async def cmd_canned(desk: StaffDesk, staff: StaffDTO, args: str) -> None:
    """/canned: lists the canned replies; admins add (追加) or remove (削除) them."""
    action, _, rest = args.strip().partition(" ")
    wanted = normalize(action)
    if not action:
        await _list(desk)
        return
    if wanted not in {normalize(w) for w in ADD + REMOVE}:
        desk.say(desk.t.gettext(CANNED_HOW))
        return
    if not desk.is_admin:
        desk.say(desk.t.gettext(CANNED_ADMINS_ONLY))
        return
    now = desk.services.clock()
    title, _, body = rest.strip().partition(" ")
    if wanted in {normalize(w) for w in REMOVE}:
        removed = await remove_canned(desk.session, title)
        message = CANNED_REMOVED if removed else CANNED_MISSING
        desk.say(desk.t.gettext(message).format(title=escape(title)))
        if removed:
            await add_audit(desk.session, staff.telegram_user_id, "canned_remove", now)
        return
    body = body.strip()
    if not title or not body:
        desk.say(desk.t.gettext(CANNED_HOW))
        return
    if len(title) > TITLE_LIMIT or len(body) > BODY_LIMIT:
        desk.say(desk.t.gettext(CANNED_TOO_LONG).format(title=TITLE_LIMIT, body=BODY_LIMIT))
        return
    await save_canned(desk.session, title, body, staff.telegram_user_id, now)
    await add_audit(desk.session, staff.telegram_user_id, "canned_save", now, {"title": title})
    desk.say(desk.t.gettext(CANNED_SAVED).format(title=escape(title)))


async def _list(desk: StaffDesk) -> None:
    """Every canned reply with its text."""
    replies = await canned_replies(desk.session)
    if not replies:
        desk.say(desk.t.gettext(CANNED_NONE) + "\n" + desk.t.gettext(CANNED_HOW))
        return
    lines = [escape(desk.t.gettext(CANNED_LIST))]
    lines += [f"\n<b>{escape(r.title)}</b>\n{escape(r.body)}" for r in replies]
    lines.append("\n" + escape(desk.t.gettext(CANNED_HOW)))
    desk.say("\n".join(lines))


async def preview(desk: StaffDesk, ticket: TicketDTO, canned_id: str) -> None:
    """Posts the canned reply as the resident will read it, with Send and Do-not-send buttons."""
    canned = await get_canned(desk.session, int(canned_id))
    if canned is None:
        desk.reply.toast = desk.t.gettext(GONE)
        return
    t = desk.t
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
    await enqueue(
        desk.session,
        desk.who.chat_id,
        "canned_preview",
        Screen(f"{head}\n\n{escape(canned.body)}", buttons),
        desk.services.clock(),
        ticket.id,
        meta={"canned_id": canned.id},
    )
    desk.reply.outbox_waiting = True


async def answer_preview(
    desk: StaffDesk, staff: StaffDTO, ticket: TicketDTO, action: str, canned_id: str
) -> bool:
    """Sends (cs) or drops (cx) a previewed canned reply; False when the press is not on that
    preview (forged or stale)."""
    shown = await outbox_message_for(
        desk.session, desk.who.chat_id, desk.who.pressed_message_id or 0
    )
    if (
        shown is None
        or shown.kind != "canned_preview"
        or shown.ticket_id != ticket.id
        or str(shown.meta.get("canned_id")) != canned_id
    ):
        return False
    desk.reply.clear_pressed_keyboard = True
    if action == "cx":
        desk.reply.toast = desk.t.gettext(CANCELLED)
        return True
    history = await ticket_events(desk.session, ticket.id)
    if any(e.kind == "staff_reply" and e.data.get("preview") == shown.id for e in history):
        desk.reply.toast = desk.t.gettext(ALREADY_SENT)
        return True
    canned = await get_canned(desk.session, int(canned_id))
    if canned is None:
        desk.reply.toast = desk.t.gettext(GONE)
        return True
    desk.say(
        await Triage(desk.session, desk.services, staff).reply(
            ticket, canned.body, desk.who.chat_id, None, preview=shown.id
        )
    )
    desk.reply.outbox_waiting = True
    return True
