"""Replies go out as Telegram expects them, and Telegram's answers to them are not parsed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram import Message

from tests.fakes import Harness, record_parsing


def _json(value: Any) -> Any:
    """A request parameter as Telegram reads it (PTB sends objects as JSON text)."""
    return json.loads(value) if isinstance(value, str) else value


async def test_a_pressed_button_is_answered_as_telegram_expects(harness: Harness) -> None:
    """The pressed message loses its keyboard, then the next screen comes as HTML with its
    buttons and no link preview."""
    resident = harness.resident()
    await resident.send("/start")
    pressed = resident.last_keyboard_message()
    assert pressed is not None
    calls_before = len(harness.api.calls)
    await resident.click(resident.labels()[0])
    calls = harness.api.calls[calls_before:]
    methods = [call.method for call in calls]
    assert methods[0] == "answerCallbackQuery"
    edit = next(call for call in calls if call.method == "editMessageReplyMarkup")
    assert int(edit.params["chat_id"]) == resident.chat_id
    assert int(edit.params["message_id"]) == pressed.message_id
    assert "reply_markup" not in edit.params
    sent = [call for call in calls if call.method == "sendMessage"]
    assert sent and methods.index("editMessageReplyMarkup") < methods.index("sendMessage")
    last = sent[-1].params
    assert last["parse_mode"] == "HTML"
    assert _json(last["link_preview_options"]) == {"is_disabled": True}
    keyboard = _json(last["reply_markup"])["inline_keyboard"]
    assert [button["text"] for row in keyboard for button in row] == resident.labels()
    assert pressed.reply_markup is None


async def test_answers_to_replies_are_not_parsed(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing reads the sent message Telegram returns for a reply, so no Message is built
    from it (building one cost more than sending the request)."""
    resident = harness.resident()
    await resident.send("/start")
    parsed = record_parsing(monkeypatch, Message, "message_id")
    await resident.click(resident.labels()[0])
    newest = resident.last.message_id
    assert newest not in parsed
    await resident.send("hello")
    assert resident.last.message_id not in parsed
