"""No update waits for the staff group's pace: answers to the group leave through its lane."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.channels.telegram.context import LANES_KEY
from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.outage import OutageNotices
from bot.services import REFUSAL_WINDOW
from tests.fakes import Harness
from tests.staff_helpers import ADMIN_ID, resident_request
from tests.test_inbox import endpoints_for, post

GROUP_PACE_SECONDS = 3.0


def slow_group(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request about the staff group takes as long as Telegram's pace for a group."""
    original = harness.api.do_request
    group = str(harness.settings.staff_chat_id)

    async def do_request(url: str, method: str, request_data: Any = None, **kw: Any) -> Any:
        if request_data is not None and str(request_data.parameters.get("chat_id")) == group:
            await asyncio.sleep(GROUP_PACE_SECONDS)
        return await original(url, method, request_data, **kw)

    monkeypatch.setattr(harness.api, "do_request", do_request)


def command_in_group(harness: Harness, user_id: int, text: str, update_id: int) -> dict[str, Any]:
    """A command typed in the staff group, as Telegram posts it."""
    user = harness.staff(user_id, "Admin")
    payload = user.message_payload(
        text=text, entities=[{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    )
    return {"update_id": update_id, "message": payload}


async def test_a_slow_group_never_holds_up_a_residents_answer(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three /ticket commands in the group, each answered at the group's pace of 3 s a
    message, then a resident's /start: one worker (as on SQLite) answers the resident within
    2 s, and the group still gets its answers, in order."""
    _, tk = await resident_request(harness, form="consultation")
    slow_group(harness, monkeypatch)
    _, _, client = endpoints_for(harness)
    worker = InboxWorker(harness.app, OutageNotices(harness.catalogs), concurrency=1)
    for number in range(3):
        update = command_in_group(harness, ADMIN_ID, f"/ticket {tk.reference}", 900 + number)
        assert await post(client, update) == 200
    resident = harness.resident(user_id=6001)
    start = {"update_id": 950, "message": resident.message_payload(text="/start")}
    start["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    assert await post(client, start) == 200
    began = time.monotonic()
    while not resident.messages() and time.monotonic() - began < 20:
        await worker.handle_due()
    waited = time.monotonic() - began
    print(f"\nresident answered after {waited:.2f} s while the group was busy")
    assert resident.messages() and waited < 2
    while await worker.handle_due():
        pass
    await harness.app.bot_data[LANES_KEY].drain()
    in_group = [m.text for m in harness.staff_messages()[-3:]]
    assert all(tk.reference in text for text in in_group), in_group
    assert harness.errors == []
    await client.aclose()


async def test_someone_spamming_commands_in_the_group_hears_one_refusal(harness: Harness) -> None:
    """A group member who is not staff sends 50 commands: one refusal, not 50 messages at the
    group's pace; after the window, one more."""
    stranger = harness.staff(424242, "Stranger")
    before = len(harness.staff_messages())
    for _ in range(50):
        await stranger.send("/queue")
    refusals = harness.staff_messages()[before:]
    assert len(refusals) == 1
    harness.clock.advance(seconds=REFUSAL_WINDOW.total_seconds() + 1)
    await stranger.send("/queue")
    assert len(harness.staff_messages()) == before + 2
    private = harness.resident(user_id=424242, language="en")
    await private.send("/queue")
    await private.send("/queue")
    assert len(private.messages()) == 2, "in a private chat each refusal is answered"
