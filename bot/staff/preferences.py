"""Each staff member's own settings: the signature under their replies and where they are
told about their tickets."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from bot.forms.engine import normalize
from bot.i18n import N_
from storage.staff import StaffDTO, set_notify_privately, set_signature

if TYPE_CHECKING:
    from bot.staff.desk import StaffDesk

SIGNATURE_LIMIT = 64
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
