"""Every staff command and card button × resident, non-staff member, anonymous admin, staff, admin."""

from __future__ import annotations

import pytest

from bot.staff.commands import ADMIN_COMMANDS, STAFF_COMMANDS
from storage.staff import get_staff_by_user
from tests.fakes import Harness, UserClient
from tests.staff_helpers import ADMIN_ID, add_staff, card_of, events, resident_request, ticket

REFUSAL = "Sorry, this is only for council staff."
CARD_ACTIONS = [
    "claim",
    "status",
    "st:resolved",
    "priority",
    "pr:urgent",
    "refer",
    "rf:care_plaza",
    "reply",
    "close",
    "reopen",
    "back",
    "view",
    "canned",
    "cn:1",
]


def _command(name: str, reference: str) -> str:
    """A plausible invocation of each command."""
    args = {
        "queue": "",
        "ticket": reference,
        "assign": f"{reference} me",
        "status": f"{reference} in_progress",
        "priority": f"{reference} urgent",
        "refer": f"{reference} care_plaza",
        "close": reference,
        "reopen": reference,
        "note": f"{reference} 内部メモ",
        "person": reference,
        "contact": f"{reference} 電話",
        "remind": f"{reference} 明日",
        "match": reference,
        "reply": f"{reference} こんにちは",
        "household": f"{reference} {reference}",
        "merge": f"{reference} {reference}",
        "move": reference,
        "canned": "",
        "signature": "社協 佐藤",
        "notify": "個別",
        "search": reference,
        "export": "",
        "newticket": "",
        "staff": "list",
        "audit": "",
        "help": "",
        "digest": "",
        "stats": "month",
        "report": "2026-11",
    }[name]
    return f"/{name} {args}".strip()


async def _senders(harness: Harness, resident: UserClient) -> dict[str, UserClient]:
    """One person per role; the staff member is added by the admin."""
    await add_staff(harness, 700001, "佐藤")
    return {
        "resident": harness.resident(5001),
        "member": harness.staff(800001, "Member"),
        "anonymous": harness.staff(ADMIN_ID, "Group"),
        "staff": harness.staff(700001, "佐藤"),
        "admin": harness.staff(ADMIN_ID, "Admin"),
    }


async def _state(harness: Harness, ticket_id: int) -> tuple:
    """What a refused action must not change."""
    tk = await ticket(harness, ticket_id)
    history = [e.kind for e in await events(harness, ticket_id)]
    return tk.status, tk.priority, tk.assignee_id, tk.referred_to, history


@pytest.mark.parametrize("command", STAFF_COMMANDS + ("help",))
@pytest.mark.parametrize("role", ["resident", "member", "anonymous", "staff", "admin"])
async def test_command_permissions(harness: Harness, command: str, role: str) -> None:
    """Non-staff get the one refusal and change nothing; staff may not use admin commands."""
    resident, tk = await resident_request(harness)
    senders = await _senders(harness, resident)
    before = await _state(harness, tk.id)
    sender = senders[role]
    extra = (
        {
            "sender_chat": {
                "id": harness.settings.staff_chat_id,
                "type": "supergroup",
                "title": "staff",
            }
        }
        if role == "anonymous"
        else {}
    )
    seen = len(harness.api.calls)
    await sender.send(_command(command, tk.reference), **extra)
    answers = [c for c in harness.api.calls[seen:] if c.method == "sendMessage"]
    allowed = role == "admin" or (role == "staff" and command not in ADMIN_COMMANDS)
    if role == "resident" and command == "help":
        allowed = True  # a resident's /help is their own help, not the staff's
        assert "/queue" not in answers[0].params["text"]
    refusals = (REFUSAL, harness.ja().gettext(REFUSAL))
    if allowed:
        assert not any(a.params["text"] in refusals for a in answers)
    else:
        assert [a.params["text"] for a in answers] in ([r] for r in refusals)
        after = await _state(harness, tk.id)
        assert after == before
        assert tk.reference not in " ".join(a.params["text"] for a in answers)


@pytest.mark.parametrize("action", CARD_ACTIONS)
@pytest.mark.parametrize("role", ["resident", "member", "anonymous", "staff", "admin"])
async def test_card_button_permissions(harness: Harness, action: str, role: str) -> None:
    """Only staff and admins can use a card's buttons; others get a refusal toast."""
    resident, tk = await resident_request(harness)
    senders = await _senders(harness, resident)
    tk = await ticket(harness, tk.id)
    card = card_of(harness, tk)
    before = await _state(harness, tk.id)
    sender = senders[role]
    if role == "anonymous":
        # A button press always comes from a user; an anonymous admin is a user who is not staff.
        sender = harness.staff(800002, "Anonymous")
    seen = len(harness.api.calls)
    await sender.press(card, f"s:{tk.id}:{action}")
    toasts = [
        c.params.get("text") for c in harness.api.calls[seen:] if c.method == "answerCallbackQuery"
    ]
    refusals = (REFUSAL, harness.ja().gettext(REFUSAL))
    if role in ("staff", "admin"):
        assert not set(refusals) & set(toasts)
    else:
        assert len(toasts) == 1 and toasts[0] in refusals
        assert await _state(harness, tk.id) == before


@pytest.mark.parametrize(
    "data",
    [
        "s:999999:claim",
        "s:1:explode",
        "s:1:rf:nowhere",
        "q::0",
        "s:abc:claim",
        "s:1:st:closed",
        "s:1:pr:whenever",
        # Send / Do-not-send of a canned reply pressed anywhere but on its preview.
        "s:1:cs:1",
        "s:1:cx:1",
    ],
)
async def test_forged_or_stale_card_data(harness: Harness, data: str) -> None:
    """Forged data from staff changes nothing and is answered without detail."""
    resident, tk = await resident_request(harness)
    staff = await add_staff(harness, 700001, "佐藤")
    tk = await ticket(harness, tk.id)
    before = await _state(harness, tk.id)
    await staff.press(card_of(harness, tk), data)
    after = await _state(harness, tk.id)
    assert after[:4] == before[:4]


async def test_an_admin_removed_from_the_admin_list_is_no_longer_staff(harness: Harness) -> None:
    """The staff row made for an admin id ends when the id leaves MADOGUCHI_ADMIN_IDS; a
    member added with /staff add stays."""
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/queue")
    await admin.send("/staff add 700001 佐藤")
    harness.settings.admin_ids = []
    before = len(harness.staff_messages())
    await admin.send("/queue")
    said = [m.text for m in harness.staff_messages()[before:]]
    assert said == [harness.en().gettext("Sorry, this is only for council staff.")] or said == [
        harness.ja().gettext("Sorry, this is only for council staff.")
    ]
    async with harness.db() as session:
        assert await get_staff_by_user(session, ADMIN_ID) is None
        assert await get_staff_by_user(session, 700001) is not None
    staff = harness.staff(700001, "佐藤")
    await staff.send("/queue")
    assert harness.staff_messages()[-1].text != said[0]
