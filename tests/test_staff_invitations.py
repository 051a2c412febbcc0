"""Staff invitations: a one-time link, opened once before it expires, confirmed by an admin."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from bot.staff import invitations
from bot.staff.invitations import (
    ALREADY_ANSWERED,
    CONFIRM,
    CONFIRMED,
    DECLINE,
    NOT_CONFIRMED,
    ONLY_ADMINS,
    REMOVED,
    WAIT_FOR_ADMIN,
    WELCOME,
)
from storage.invitations import claim_invitation
from storage.models import StaffInvitation
from storage.staff import StaffDTO, get_staff_by_user, recent_audit
from tests.fakes import Harness, UserClient
from tests.staff_helpers import ADMIN_ID, add_staff

REFUSAL = "Sorry, this is only for council staff."
MENU = "What can we help you with?"
LINK = re.compile(r"https://t\.me/madoguchi_local_bot\?start=([A-Za-z0-9_-]+)")


async def _invite(harness: Harness, districts: str = "d03") -> str:
    """The admin asks for a link in the staff group; returns its token."""
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send(f"/staff invite {districts}".strip())
    match = LINK.search(admin.last.text)
    assert match is not None, admin.last.text
    return match.group(1)


def _newcomer(harness: Harness, user_id: int = 6001, language: str = "en") -> UserClient:
    """Someone with a name and a @username, in a private chat with the bot."""
    person = harness.resident(user_id, language=language)
    person.first_name, person.username = "Hanako", f"hanako_{user_id}"
    return person


async def _staff(harness: Harness, user_id: int) -> StaffDTO | None:
    """The active staff row of a user id, if any."""
    async with harness.db() as session:
        return await get_staff_by_user(session, user_id)


async def _audit(harness: Harness) -> list[tuple[int | None, str, dict]]:
    """Every audit row, oldest first."""
    async with harness.db() as session:
        rows = await recent_audit(session, 200)
    return [(a.actor_id, a.action, a.detail) for a in reversed(rows)]


def _toasts(harness: Harness, since: int) -> list[str | None]:
    """The toasts answered to button presses since a call index."""
    calls = harness.api.calls[since:]
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


async def _opened(harness: Harness, person: UserClient, token: str):
    """The person opens the link; the relay posts the confirmation request in the group."""
    await person.send(f"/start {token}")
    await harness.relay()
    return harness.staff_messages()[-1]


async def test_a_link_works_once_and_only_after_an_admin_confirms(harness: Harness) -> None:
    """Opened once: the person waits, is not staff, the admin confirms, they are staff with
    the districts, told so; a second opener gets the normal menu; every step is audited."""
    token = await _invite(harness, "d03 d05")
    person = _newcomer(harness)
    request = await _opened(harness, person, token)
    assert person.last.text == harness.en().gettext(WAIT_FOR_ADMIN)
    assert "Hanako" in request.text and "@hanako_6001" in request.text and "6001" in request.text
    assert await _staff(harness, 6001) is None
    await person.send("/queue")
    assert person.last.text == REFUSAL

    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.click(harness.ja().gettext(CONFIRM), request)
    await harness.relay()
    member = await _staff(harness, 6001)
    assert member is not None and member.districts == ["d03", "d05"]
    assert member.username == "hanako_6001" and member.display_name == "Hanako"
    assert person.last.text == harness.en().gettext(WELCOME)
    edited = harness.api.messages[(harness.settings.staff_chat_id, request.message_id)]
    assert not (edited.reply_markup or {}).get("inline_keyboard")
    assert "@hanako_6001" in edited.text and edited.text.endswith(
        harness.ja().gettext(CONFIRMED).format(admin="Admin", person="Hanako")
    )

    other = _newcomer(harness, 6002)
    before = len(harness.staff_messages())
    await other.send(f"/start {token}")
    await harness.relay()
    assert MENU in other.last.text
    assert len(harness.staff_messages()) == before
    assert await _staff(harness, 6002) is None

    audit = await _audit(harness)
    invitation_id = audit[-4][2]["invitation_id"]
    assert [(actor, action) for actor, action, _ in audit[-4:]] == [
        (ADMIN_ID, "staff_invite_created"),
        (6001, "staff_invite_opened"),
        (ADMIN_ID, "staff_invite_confirmed"),
        (6002, "staff_invite_reused"),
    ]
    assert audit[-2][2] == {
        "invitation_id": invitation_id,
        "user_id": 6001,
        "districts": ["d03", "d05"],
    }


async def test_only_a_hash_of_the_token_is_stored(harness: Harness) -> None:
    """The database holds the token's SHA-256, never the token."""
    token = await _invite(harness)
    async with harness.db() as session:
        stored = list(await session.scalars(select(StaffInvitation.token_hash)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored


async def test_an_expired_link_gives_the_normal_menu(harness: Harness) -> None:
    """After 48 hours the link is the normal /start: nothing else happens, the attempt is
    audited, and the invitation stays unused."""
    token = await _invite(harness)
    harness.clock.advance(hours=48, seconds=1)
    person = _newcomer(harness)
    before = len(harness.staff_messages())
    await person.send(f"/start {token}")
    await harness.relay()
    assert MENU in person.last.text
    assert harness.en().gettext(WAIT_FOR_ADMIN) not in person.texts()
    assert len(harness.staff_messages()) == before
    assert await _staff(harness, 6001) is None
    assert (await _audit(harness))[-1][:2] == (6001, "staff_invite_expired")
    async with harness.db() as session:
        assert await session.scalar(select(StaffInvitation.used_by)) is None


async def test_a_link_still_works_just_before_it_expires(harness: Harness) -> None:
    """47 hours and 59 minutes on, the link is still good."""
    token = await _invite(harness)
    harness.clock.advance(hours=47, minutes=59)
    person = _newcomer(harness)
    await _opened(harness, person, token)
    assert person.last.text == harness.en().gettext(WAIT_FOR_ADMIN)


async def test_a_made_up_token_gives_the_normal_menu(harness: Harness) -> None:
    """A token of the right shape that we never made is the normal /start, without a trace."""
    await _invite(harness)
    audit_before = await _audit(harness)
    person = _newcomer(harness)
    await person.send("/start " + "A" * 32)
    assert MENU in person.last.text
    assert await _audit(harness) == audit_before


async def test_the_opener_waiting_hears_the_same_again(harness: Harness) -> None:
    """The person who opened the link and opens it again is told they are waiting; the group
    is not asked twice."""
    token = await _invite(harness)
    person = _newcomer(harness)
    await _opened(harness, person, token)
    before = len(harness.staff_messages())
    await person.send(f"/start {token}")
    await harness.relay()
    assert person.last.text == harness.en().gettext(WAIT_FOR_ADMIN)
    assert len(harness.staff_messages()) == before


async def test_only_an_admin_can_confirm(harness: Harness) -> None:
    """A staff member who is not an admin and a group member who is not staff pressing
    Confirm change nothing; then the admin declines, the person is told kindly, and a late
    Confirm changes nothing either."""
    await add_staff(harness, 700001, "佐藤")
    token = await _invite(harness)
    person = _newcomer(harness, language="vi")
    request = await _opened(harness, person, token)
    confirm = harness.ja().gettext(CONFIRM)
    ja_refusal = harness.ja().gettext(REFUSAL)

    [data] = [d for label, d in person.buttons(request) if label == confirm]
    seen = len(harness.api.calls)
    await harness.staff(700001, "佐藤").click(confirm, request)
    assert _toasts(harness, seen) == [harness.ja().gettext(ONLY_ADMINS)]
    seen = len(harness.api.calls)
    await harness.staff(800001, "Member").click(confirm, request)
    assert _toasts(harness, seen) == [ja_refusal]
    assert await _staff(harness, 6001) is None

    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.click(harness.ja().gettext(DECLINE), request)
    await harness.relay()
    assert person.last.text == harness.catalogs.translator_for("vi").gettext(NOT_CONFIRMED)
    seen = len(harness.api.calls)
    await admin.press(request, data)
    assert _toasts(harness, seen) == [harness.ja().gettext(ALREADY_ANSWERED)]
    assert await _staff(harness, 6001) is None
    actions = [action for _, action, _ in await _audit(harness)]
    assert actions.count("staff_invite_declined") == 1
    assert "staff_invite_confirmed" not in actions


async def test_forged_invitation_buttons_change_nothing(harness: Harness) -> None:
    """Made-up data, another invitation's id, or the right data on another message (another
    invitation's, or a reply that is no invitation): a kind refusal and no staff row."""
    token = await _invite(harness)
    other_token = await _invite(harness)
    person = _newcomer(harness)
    request = await _opened(harness, person, token)
    second = _newcomer(harness, 6002)
    other_request = await _opened(harness, second, other_token)
    admin = harness.staff(ADMIN_ID, "Admin")
    [data] = [d for label, d in admin.buttons(request) if label == harness.ja().gettext(CONFIRM)]
    invitation_id = int(data.split(":")[1])
    await admin.send("/staff list")
    elsewhere = admin.last
    forged = [
        (request, f"i:{invitation_id}:yes"),
        (request, "i:99999:ok"),
        (request, f"i:{invitation_id + 1}:ok"),
        (other_request, data),
        (request, "i:" + "9" * 70),
        (elsewhere, data),
    ]
    seen = len(harness.api.calls)
    for message, forged_data in forged:
        await admin.press(message, forged_data)
    assert _toasts(harness, seen) == [harness.ja().gettext(REFUSAL)] * len(forged)
    assert await _staff(harness, 6001) is None and await _staff(harness, 6002) is None
    assert "staff_invite_confirmed" not in [a for _, a, _ in await _audit(harness)]


async def test_a_claim_is_won_once(harness: Harness) -> None:
    """Two claims of the same invitation (two people, two updates): only the first wins."""
    await _invite(harness)
    now = harness.clock()
    async with harness.db.begin() as session:
        first = await claim_invitation(session, 1, 6001, "A", None, "en", now)
    async with harness.db.begin() as session:
        second = await claim_invitation(session, 1, 6002, "B", None, "en", now)
    assert (first, second) == (True, False)


async def test_inviting_checks_the_districts(harness: Harness) -> None:
    """An unknown district key is explained, and no invitation is made."""
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/staff invite d03 nowhere")
    assert "nowhere" in admin.last.text and LINK.search(admin.last.text) is None
    async with harness.db() as session:
        assert list(await session.scalars(select(StaffInvitation.id))) == []


async def test_only_admins_invite(harness: Harness) -> None:
    """A staff member who is not an admin, and a resident, are refused."""
    member = await add_staff(harness, 700001, "佐藤")
    await member.send("/staff invite")
    assert member.last.text == harness.ja().gettext(REFUSAL)
    resident = harness.resident(5001)
    await resident.send("/staff invite")
    assert LINK.search(resident.last.text) is None
    async with harness.db() as session:
        assert list(await session.scalars(select(StaffInvitation.id))) == []


async def test_staff_list_shows_names_and_usernames(harness: Harness) -> None:
    """/staff list names each member with their @username once they used a command."""
    member = await add_staff(harness, 700001, "佐藤")
    member.username = "sato_k"
    await member.send("/queue")
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/staff list")
    line = next(x for x in admin.last.text.split("\n") if x.startswith("700001"))
    assert "佐藤" in line and "@sato_k" in line


async def test_removing_someone_tells_them(harness: Harness) -> None:
    """/staff remove ends their access and tells them privately, through the outbox."""
    await add_staff(harness, 700001, "佐藤")
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/staff remove 700001")
    await harness.relay()
    told = [m.text for m in harness.api.sent_to(700001)]
    assert told == [harness.ja().gettext(REMOVED)]
    assert await _staff(harness, 700001) is None


def test_token_shape() -> None:
    """Only a payload Telegram allows, of a token's length, is read as an invitation."""
    assert invitations.may_be_token("A" * 32)
    assert not invitations.may_be_token("short")
    assert not invitations.may_be_token("A" * 65)
    assert not invitations.may_be_token("A" * 31 + "!")


async def test_names_with_markup_are_shown_as_text(harness: Harness) -> None:
    """A first name with HTML in it reaches the group and the staff list as plain text."""
    admin = harness.staff(ADMIN_ID, "Admin", in_group=False)
    await admin.send("/staff invite")
    match = LINK.search(admin.last.text)
    assert match is not None
    person = _newcomer(harness)
    person.first_name = "<b>Ha&na</b>"
    request = await _opened(harness, person, match.group(1))
    assert "&lt;b&gt;Ha&amp;na&lt;/b&gt;" in request.text
    await harness.staff(ADMIN_ID, "Admin").click(harness.ja().gettext(CONFIRM), request)
    await harness.relay()
    member = await _staff(harness, 6001)
    assert member is not None and member.display_name == "<b>Ha&na</b>" and member.districts == []
    await admin.send("/staff list")
    assert "&lt;b&gt;Ha&amp;na&lt;/b&gt; · @hanako_6001" in admin.last.text


async def test_who_opened_an_invitation_is_forgotten_with_retention(harness: Harness) -> None:
    """After the closed-ticket retention the opener's name and @username are cleared; the
    invitation and its audit rows keep only ids."""
    from sqlalchemy import select

    from bot.tickets.retention import apply_retention

    token = await _invite(harness)
    await _opened(harness, _newcomer(harness), token)
    harness.clock.advance(days=harness.settings.closed_retention_days - 1)
    await apply_retention(harness.services, harness.clock())
    async with harness.db() as session:
        [kept] = await session.scalars(select(StaffInvitation))
    assert (kept.opener_name, kept.opener_username) == ("Hanako", "hanako_6001")
    harness.clock.advance(days=2)
    await apply_retention(harness.services, harness.clock())
    async with harness.db() as session:
        [forgotten] = await session.scalars(select(StaffInvitation))
    assert (forgotten.opener_name, forgotten.opener_username) == (None, None)
    assert forgotten.used_by == 6001
