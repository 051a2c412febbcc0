"""Settings staff keep in the bot: each one's signature and where they are told about their
tickets, and the office's canned replies (定型文), which admins manage."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from bot.forms.engine import normalize
from bot.i18n import N_
from storage.canned import canned_replies, remove_canned, save_canned
from storage.staff import StaffDTO, add_audit, set_notify_privately, set_signature

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk

SIGNATURE_LIMIT = 64
TITLE_LIMIT = 40
BODY_LIMIT = 3000
ADD = ("追加", "登録", "add")
REMOVE = ("削除", "remove", "delete")
CLEAR = ("なし", "取消", "取り消し", "off", "none")
PRIVATELY = ("個別", "個人", "個人チャット", "private", "dm")
IN_GROUP = ("グループ", "group", "メンション")

SIGNATURE_SET = N_("Your replies to residents now end with: {signature}")
SIGNATURE_CLEARED = N_("Your replies no longer carry a signature.")
SIGNATURE_SHOW = N_(
    "Your signature: {signature}. Change it with /signature and the new text, or clear it with "
    "/signature なし."
)
SIGNATURE_NONE = N_(
    "You have no signature. Set one with /signature and the text, e.g. /signature 社協 佐藤."
)
SIGNATURE_TOO_LONG = N_("A signature can have at most {limit} characters.")
NOTIFY_PRIVATELY = N_(
    "From now on I tell you privately when you are given a ticket or your resident writes. "
    "Keep your private chat with me open (press Start once)."
)
NOTIFY_IN_GROUP = N_(
    "From now on I mention you in the staff group when you are given a ticket or your "
    "resident writes."
)
NOTIFY_HOW = N_(
    "Where should I tell you about your tickets? /notify 個別 (a private message) or "
    "/notify グループ (a mention in the staff group). Now: {current}."
)
NOTIFY_NOW_PRIVATE = N_("a private message")
NOTIFY_NOW_GROUP = N_("a mention in the staff group")
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


async def cmd_signature(desk: StaffDesk, staff: StaffDTO, args: str) -> None:
    """/signature [text|なし]: shows, sets or clears the line under one's replies."""
    text = " ".join(args.split())
    if not text:
        if staff.signature:
            desk.say(desk.t.gettext(SIGNATURE_SHOW).format(signature=escape(staff.signature)))
        else:
            desk.say(desk.t.gettext(SIGNATURE_NONE))
        return
    if normalize(text) in {normalize(w) for w in CLEAR}:
        await set_signature(desk.session, staff.id, None)
        desk.say(desk.t.gettext(SIGNATURE_CLEARED))
        return
    if len(text) > SIGNATURE_LIMIT:
        desk.say(desk.t.gettext(SIGNATURE_TOO_LONG).format(limit=SIGNATURE_LIMIT))
        return
    await set_signature(desk.session, staff.id, text)
    desk.say(desk.t.gettext(SIGNATURE_SET).format(signature=escape(text)))


async def cmd_notify(desk: StaffDesk, staff: StaffDTO, args: str) -> None:
    """/notify 個別|グループ: where one is told of assignments and residents' messages."""
    choice = normalize(args)
    if choice in {normalize(w) for w in PRIVATELY}:
        await set_notify_privately(desk.session, staff.id, True)
        desk.say(desk.t.gettext(NOTIFY_PRIVATELY))
    elif choice in {normalize(w) for w in IN_GROUP}:
        await set_notify_privately(desk.session, staff.id, False)
        desk.say(desk.t.gettext(NOTIFY_IN_GROUP))
    else:
        current = NOTIFY_NOW_PRIVATE if staff.notify_privately else NOTIFY_NOW_GROUP
        desk.say(desk.t.gettext(NOTIFY_HOW).format(current=desk.t.gettext(current)))


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
