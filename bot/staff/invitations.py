"""Joining and leaving the staff: one-time invitation links an admin confirms, and the notice
to someone removed.

The link may be seen by others (it is answered in the chat where /staff invite was sent):
it works once, for a limited time, and whoever opens it becomes staff only when an admin
presses Confirm on a message that names them. Only a hash of its token is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.i18n import N_, STAFF_LOCALE, Translator, format_moment
from bot.outbox.queue import enqueue
from bot.screens import Button, Reply, Screen
from bot.services import Services
from storage.invitations import (
    InvitationDTO,
    add_invitation,
    claim_invitation,
    decide_invitation,
    get_invitation,
    invitation_by_hash,
)
from storage.outbox import outbox_message_for
from storage.staff import add_audit, save_staff, staff_names_by_user

# The message in the staff group that names whoever opened a link (its buttons act on it).
GROUP_KIND = "staff_invitation"
# A Telegram start payload: A-Za-z0-9_- up to 64 characters; ours are 32.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
TOKEN_BYTES = 24

INVITE_CREATED = N_(
    "🔑 Invitation for a new staff member ({districts}). It works once, until {until}:\n"
    "{link}\n"
    "Send it to the person privately. Whoever opens it becomes staff only after an admin "
    "confirms here."
)
NO_DISTRICT = N_("no district")
NOT_A_DISTRICT = N_("「{typed}」 is not a district key. Keys look like {first} or {last}.")
NO_BOT_NAME = N_("I do not know my own username yet. Please try again in a minute.")
OPENED = N_(
    "🔑 {person} opened the staff invitation made by {admin} ({districts}). They become "
    "staff only when an admin confirms."
)
CONFIRM = N_("Confirm as staff")
DECLINE = N_("Decline")
CONFIRMED = N_("✅ Confirmed by {admin}: {person} is staff now.")
DECLINED = N_("✖ Declined by {admin}.")
ONLY_ADMINS = N_("Only an admin can confirm or decline an invitation.")
ALREADY_ANSWERED = N_("This invitation has already been answered.")
# What the person who opened the link reads, in their language.
WAIT_FOR_ADMIN = N_(
    "Thank you. An administrator of the council must confirm you as staff first; I will tell "
    "you here when they have."
)
WELCOME = N_(
    "You are now registered as council staff. Send /help in the staff group or here to see "
    "what you can do."
)
NOT_CONFIRMED = N_(
    "Your staff invitation was not confirmed. If you think this is a mistake, please ask the "
    "person who sent you the link."
)
# What a removed staff member reads (in the staff language).
REMOVED = N_(
    "You are no longer registered as council staff in this bot. If you think this is a "
    "mistake, please ask an administrator."
)


@dataclass(frozen=True)
class Opener:
    """Who opened an invitation link, as Telegram names them."""

    user_id: int
    name: str
    username: str | None
    locale: str


def token_hash(token: str) -> str:
    """The stored form of a token (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def may_be_token(payload: str) -> bool:
    """Whether a /start payload has the shape of an invitation token."""
    return _TOKEN.fullmatch(payload) is not None


def _districts(services: Services, keys: list[str], t: Translator) -> str:
    """District names for a staff message, or 'no district'."""
    names = [
        services.profile.district(k).name.get(STAFF_LOCALE) if services.profile.district(k) else k
        for k in keys
    ]
    return "、".join(names) if names else t.gettext(NO_DISTRICT)


def _person(name: str | None, username: str | None, user_id: int) -> str:
    """A person as staff should recognise them: name, @username and numeric id (escaped)."""
    handle = f" @{escape(username)}" if username else ""
    return f"{escape(name or '')}{handle}（ID {user_id}）".strip()


async def create_invitation(
    session: AsyncSession, services: Services, admin_id: int, args: str, bot_username: str
) -> str:
    """/staff invite [districts]: stores a new invitation (by its hash) and returns the link
    with its terms, or what was wrong with the districts."""
    t = services.catalogs.translator_for(STAFF_LOCALE)
    keys = [d.key for d in services.profile.districts]
    districts = list(dict.fromkeys(args.split()))
    for typed in districts:
        if typed not in keys:
            return t.gettext(NOT_A_DISTRICT).format(
                typed=escape(typed), first=keys[0] if keys else "", last=keys[-1] if keys else ""
            )
    if not bot_username:
        return t.gettext(NO_BOT_NAME)
    now = services.clock()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + timedelta(hours=services.settings.invitation_hours)
    invitation = await add_invitation(
        session, token_hash(token), admin_id, districts, now, expires_at
    )
    await add_audit(
        session,
        admin_id,
        "staff_invite_created",
        now,
        {"invitation_id": invitation.id, "districts": districts},
    )
    return t.gettext(INVITE_CREATED).format(
        districts=escape(_districts(services, districts, t)),
        until=format_moment(expires_at, STAFF_LOCALE, services.settings.tz),
        link=f"https://t.me/{bot_username}?start={token}",
    )


async def open_invitation(
    session: AsyncSession, services: Services, opener: Opener, token: str
) -> Reply | None:
    """Someone opened a link: an unused, unexpired invitation asks the staff group to confirm
    them; None (the normal /start, nothing revealed) for anything else."""
    found = await invitation_by_hash(session, token_hash(token))
    if found is None or services.settings.staff_chat_id is None:
        # Without a staff group no admin could confirm: the link is the normal /start.
        return None
    now = services.clock()
    t = services.catalogs.translator_for(opener.locale)
    if found.used_by == opener.user_id and found.decision is None:
        return Reply([Screen(t.gettext(WAIT_FOR_ADMIN))])
    claimed = await claim_invitation(
        session, found.id, opener.user_id, opener.name, opener.username, opener.locale, now
    )
    if not claimed:
        expired = found.used_at is None and found.expires_at <= now
        action = "staff_invite_expired" if expired else "staff_invite_reused"
        await add_audit(session, opener.user_id, action, now, {"invitation_id": found.id})
        return None
    await add_audit(
        session, opener.user_id, "staff_invite_opened", now, {"invitation_id": found.id}
    )
    staff_t = services.catalogs.translator_for(STAFF_LOCALE)
    text = await _opened_text(session, services, await get_invitation(session, found.id))
    buttons = (
        (
            Button(staff_t.gettext(CONFIRM), callbacks.invitation(found.id, "ok")),
            Button(staff_t.gettext(DECLINE), callbacks.invitation(found.id, "no")),
        ),
    )
    await enqueue(
        session,
        services.settings.staff_chat_id,
        GROUP_KIND,
        Screen(text, buttons),
        now,
        meta={"invitation_id": found.id},
    )
    return Reply([Screen(t.gettext(WAIT_FOR_ADMIN))], outbox_waiting=True)


async def _opened_text(
    session: AsyncSession, services: Services, invitation: InvitationDTO | None
) -> str:
    """The staff group's message naming who opened an invitation (a sent message's text is
    not kept, so it is made again from the invitation when a button answers it)."""
    assert invitation is not None and invitation.used_by is not None
    t = services.catalogs.translator_for(STAFF_LOCALE)
    admins = await staff_names_by_user(session)
    return t.gettext(OPENED).format(
        person=_person(invitation.opener_name, invitation.opener_username, invitation.used_by),
        admin=escape(admins.get(invitation.created_by, str(invitation.created_by))),
        districts=escape(_districts(services, invitation.districts, t)),
    )


@dataclass(frozen=True)
class Press:
    """An admin's press on an invitation's button, already checked to come from staff."""

    data: str | None
    user_id: int
    admin: bool
    chat_id: int
    message_id: int | None


async def decide(session: AsyncSession, services: Services, press: Press, reply: Reply) -> bool:
    """Confirms or declines the invitation a group message names; False for a press on
    anything we did not make (the caller refuses it). Fills the reply's toast and edit."""
    parsed = callbacks.parse_invitation(press.data)
    target = (
        await outbox_message_for(session, press.chat_id, press.message_id or 0)
        if parsed is not None and press.chat_id == services.settings.staff_chat_id
        else None
    )
    if parsed is None or target is None or target.kind != GROUP_KIND:
        return False
    invitation_id, action = parsed
    invitation = await get_invitation(session, invitation_id)
    if invitation is None or target.meta.get("invitation_id") != invitation_id:
        return False
    t = services.catalogs.translator_for(STAFF_LOCALE)
    if not press.admin:
        reply.toast = t.gettext(ONLY_ADMINS)
        return True
    now = services.clock()
    decision = "confirmed" if action == "ok" else "declined"
    if not await decide_invitation(session, invitation_id, decision, press.user_id, now):
        reply.toast = t.gettext(ALREADY_ANSWERED)
        reply.clear_pressed_keyboard = True
        return True
    admin_name = (await staff_names_by_user(session)).get(press.user_id, str(press.user_id))
    line = await _carry_out(session, services, invitation, decision, press.user_id, admin_name)
    reply.toast = line[:190]
    opened = await _opened_text(session, services, invitation)
    reply.replace_pressed = Screen(f"{opened}\n{escape(line)}")
    reply.outbox_waiting = True
    return True


async def _carry_out(
    session: AsyncSession,
    services: Services,
    invitation: InvitationDTO,
    decision: str,
    admin_id: int,
    admin_name: str,
) -> str:
    """Adds the confirmed person to the staff (or not), tells them privately, audits it and
    returns the line for the group."""
    assert invitation.used_by is not None
    now = services.clock()
    t = services.catalogs.translator_for(STAFF_LOCALE)
    theirs = services.catalogs.translator_for(invitation.opener_locale or STAFF_LOCALE)
    detail = {"invitation_id": invitation.id, "user_id": invitation.used_by}
    if decision == "declined":
        await add_audit(session, admin_id, "staff_invite_declined", now, detail)
        notice, line = theirs.gettext(NOT_CONFIRMED), t.gettext(DECLINED).format(admin=admin_name)
    else:
        name = invitation.opener_name or invitation.opener_username or str(invitation.used_by)
        await save_staff(
            session,
            invitation.used_by,
            name[:64],
            invitation.districts,
            now,
            username=invitation.opener_username,
        )
        await add_audit(
            session,
            admin_id,
            "staff_invite_confirmed",
            now,
            {**detail, "districts": invitation.districts},
        )
        notice = theirs.gettext(WELCOME)
        line = t.gettext(CONFIRMED).format(admin=admin_name, person=name)
    await enqueue(session, invitation.used_by, "staff_invitation_answer", Screen(notice), now)
    return line


async def tell_removed(session: AsyncSession, services: Services, user_id: int) -> None:
    """Tells someone removed from the staff, privately, through the outbox."""
    t = services.catalogs.translator_for(STAFF_LOCALE)
    await enqueue(session, user_id, "staff_removed", Screen(t.gettext(REMOVED)), services.clock())
