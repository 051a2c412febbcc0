"""The staff command table: every command's handler, who may run it, where, and its help.

/help is built from this table and the handlers dispatch through it, so adding a command is
one entry here and a command without help cannot exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from html import escape

from bot.i18n import N_, Translator
from bot.screens import Reply, Screen
from bot.staff import households, preferences
from bot.staff.desk import StaffDesk
from bot.staff.matching import cmd_match
from bot.staff.views import REPLY_HINT, bold
from storage.staff import StaffDTO

Run = Callable[[StaffDesk, StaffDTO, str], Awaitable[None]]


class Who(StrEnum):
    """Who may run a command."""

    STAFF = "staff"
    ADMIN = "admin"


class Where(StrEnum):
    """Where a command may run (staff work never happens in any other chat)."""

    STAFF_CHATS = "staff group or private chat"
    PRIVATE = "private chat"


@dataclass(frozen=True)
class StaffCommand:
    """One staff command: its name, handler, who and where, and its help lines (message ids)."""

    name: str
    run: Run
    help: tuple[str, ...]
    who: Who = Who.STAFF
    where: Where = Where.STAFF_CHATS


ELSEWHERE_NEWTICKET = N_(
    "To record a request taken by phone or at the counter, open a private chat with "
    "me and send /newticket there."
)
CLOSE_AND_REOPEN_HELP = N_("/close 1234-5678 [reason] – close; /reopen 1234-5678 – reopen")

COMMANDS: tuple[StaffCommand, ...] = (
    StaffCommand(
        "queue",
        StaffDesk.cmd_queue,
        (
            N_(
                "/queue [filter] – open tickets, oldest first (new, mine, urgent, unassigned, a status, "
                "a service, a district or a colleague's name)"
            ),
        ),
    ),
    StaffCommand(
        "ticket",
        StaffDesk.cmd_ticket,
        (N_("/ticket 1234-5678 – details, answers, contact and history (sent to you privately)"),),
    ),
    StaffCommand("assign", StaffDesk.cmd_assign, (N_("/assign 1234-5678 me|name – assign"),)),
    StaffCommand(
        "status",
        StaffDesk.cmd_status,
        (
            N_(
                "/status 1234-5678 status – change the status (in progress, waiting, resolved, closed)"
            ),
        ),
    ),
    StaffCommand(
        "priority",
        StaffDesk.cmd_priority,
        (N_("/priority 1234-5678 level – change the priority (urgent, high, normal, low)"),),
    ),
    StaffCommand(
        "refer", StaffDesk.cmd_refer, (N_("/refer 1234-5678 partner [note] – refer to a partner"),)
    ),
    StaffCommand("close", StaffDesk.cmd_close, (CLOSE_AND_REOPEN_HELP,)),
    StaffCommand("reopen", StaffDesk.cmd_reopen, (CLOSE_AND_REOPEN_HELP,)),
    StaffCommand(
        "note",
        StaffDesk.cmd_note,
        (N_("/note 1234-5678 text – internal note (never sent to the resident)"),),
    ),
    StaffCommand(
        "person",
        StaffDesk.cmd_person,
        (N_("/person 1234-5678 – every request of the same person, with notes (sent privately)"),),
    ),
    StaffCommand(
        "household",
        households.cmd_household,
        (N_("/household 1234-5678 2345-6789 – link tickets of one household (解除 unlinks)"),),
    ),
    StaffCommand(
        "merge",
        households.cmd_merge,
        (N_("/merge duplicate kept – close a duplicate ticket into the one that stays"),),
    ),
    StaffCommand(
        "move",
        households.cmd_move,
        (N_("/move 2345-6789 – as a reply to a resident's message: it belongs to that ticket"),),
    ),
    StaffCommand(
        "contact",
        StaffDesk.cmd_contact,
        (
            N_(
                "/contact 1234-5678 kind [note] – log a call, office visit, home visit or accompanied visit"
            ),
        ),
    ),
    StaffCommand(
        "remind",
        StaffDesk.cmd_remind,
        (N_("/remind 1234-5678 day [note] – a follow-up date (tomorrow, 12/3 …) for the digest"),),
    ),
    StaffCommand(
        "match",
        cmd_match,
        (
            N_(
                "/match 1234-5678 – registered volunteers for a volunteer request, best fit first; "
                "ask one with a button"
            ),
        ),
    ),
    StaffCommand(
        "reply", StaffDesk.cmd_reply, (N_("/reply 1234-5678 text – message to the resident"),)
    ),
    StaffCommand(
        "canned",
        preferences.cmd_canned,
        (
            N_("/canned – the canned replies (定型文); the card's Canned reply button sends one"),
            N_("/canned 追加 title text, /canned 削除 title – add or remove a canned reply"),
        ),
    ),
    StaffCommand(
        "signature",
        preferences.cmd_signature,
        (N_("/signature text – a line under your replies to residents (なし clears it)"),),
    ),
    StaffCommand(
        "notify",
        preferences.cmd_notify,
        (N_("/notify 個別|グループ – be told of your tickets privately or by a group mention"),),
    ),
    StaffCommand(
        "search",
        StaffDesk.cmd_search,
        (N_("/search words – by reference, phone or words in answers"),),
    ),
    StaffCommand(
        "export",
        StaffDesk.cmd_export,
        (N_("/export [YYYY-MM-DD] [YYYY-MM-DD] [xlsx] – tickets as CSV (or Excel)"),),
    ),
    StaffCommand(
        "newticket",
        StaffDesk.cmd_newticket,
        (
            N_(
                "/newticket [1234-5678] – record a request taken by phone or at the counter "
                "(with a reference: for someone of that household)"
            ),
        ),
        where=Where.PRIVATE,
    ),
    StaffCommand(
        "staff",
        StaffDesk.cmd_staff,
        (
            N_(
                "/staff invite [districts] – a one-time link for a new staff member, who "
                "becomes staff when an admin confirms"
            ),
            N_("/staff add user-id name [districts] – add or update a staff member"),
            N_("/staff remove user-id – remove a staff member"),
            N_("/staff list – list staff"),
        ),
        who=Who.ADMIN,
    ),
    StaffCommand(
        "audit", StaffDesk.cmd_audit, (N_("/audit [n] – recent audit events"),), who=Who.ADMIN
    ),
    StaffCommand("digest", StaffDesk.cmd_digest, (N_("/digest – today's digest now (a preview)"),)),
    StaffCommand(
        "stats",
        StaffDesk.cmd_stats,
        (N_("/stats [week|month|YYYY-MM] – intake, outcomes and referrals"),),
    ),
    StaffCommand(
        "report",
        StaffDesk.cmd_report,
        (N_("/report YYYY-MM – the month's report as Excel with a chart"),),
    ),
)
BY_NAME = {command.name: command for command in COMMANDS}
STAFF_COMMANDS = tuple(BY_NAME)
ADMIN_COMMANDS = tuple(c.name for c in COMMANDS if c.who is Who.ADMIN)


def staff_help(t: Translator, is_admin: bool) -> Screen:
    """Every command of the table the sender may run, with an example."""

    def lines(who: Who) -> list[str]:
        """The help lines of one kind of command, each once, in table order."""
        found = [line for c in COMMANDS if c.who is who for line in c.help]
        return [escape(t.gettext(line)) for line in dict.fromkeys(found)]

    # Help lines show placeholders such as <user id>: plain text, so escaped.
    text = (
        bold(t.gettext("Staff commands"))
        + "\n"
        + "\n".join([*lines(Who.STAFF), escape(t.gettext(REPLY_HINT))])
    )
    if is_admin:
        text += "\n\n" + bold(t.gettext("Admin commands")) + "\n" + "\n".join(lines(Who.ADMIN))
    return Screen(text)


async def run_command(desk: StaffDesk, name: str, args: str) -> Reply:
    """Runs a staff command from the table after checking who sent it and where."""
    staff = await desk.identify()
    command = BY_NAME.get(name)
    if staff is None or (command is not None and command.who is Who.ADMIN and not desk.is_admin):
        return desk.refuse()
    if command is None:
        desk.reply.screens.append(staff_help(desk.t, desk.is_admin))
        return desk.reply
    if command.where is Where.PRIVATE and desk.who.chat_id != desk.who.user_id:
        desk.say(desk.t.gettext(ELSEWHERE_NEWTICKET))
        return desk.reply
    await command.run(desk, staff, args.strip())
    return desk.reply
