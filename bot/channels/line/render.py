"""Turns a Screen into LINE messages: plain text, choices as quick-reply buttons."""

from __future__ import annotations

from typing import Any

from bot.screens import Button, Reply, Screen, plain, split_text

MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_DATA = 300
MAX_DISPLAY_TEXT = 300


def _fits(label: str) -> bool:
    """Whether a label can be shown whole on a quick-reply button."""
    return len(label) <= MAX_LABEL


def _short(number: int, label: str) -> str:
    """A quick-reply label for an option too long for the button: its number and first words."""
    head = f"{number}. {label}"
    return head if _fits(head) else head[: MAX_LABEL - 1] + "…"


def _shown(buttons: list[Button]) -> list[tuple[int, Button]]:
    """The numbered buttons that get a quick reply: all, or the first twelve and the last."""
    numbered = list(enumerate(buttons, start=1))
    if len(numbered) <= MAX_QUICK_REPLIES:
        return numbered
    return numbered[: MAX_QUICK_REPLIES - 1] + numbered[-1:]


def quick_reply(buttons: list[Button]) -> dict[str, Any] | None:
    """The quick-reply buttons for a screen's choices (postbacks carrying the button data)."""
    items = [
        {
            "type": "action",
            "action": {
                "type": "postback",
                "label": b.label if _fits(b.label) else _short(n, b.label),
                "data": b.data[:MAX_DATA],
                "displayText": b.label[:MAX_DISPLAY_TEXT],
            },
        }
        for n, b in _shown(buttons)
    ]
    return {"items": items} if items else None


def body_text(screen: Screen, buttons: list[Button]) -> str:
    """The screen's words without HTML; options are numbered in it when a button cannot show
    them all (too many, or a label past LINE's 20 characters), since typing the number works."""
    text = plain(screen.text).strip()
    if len(buttons) > MAX_QUICK_REPLIES or not all(_fits(b.label) for b in buttons):
        options = "\n".join(f"{n}. {b.label}" for n, b in enumerate(buttons, start=1))
        text = f"{text}\n\n{options}" if text else options
    return text


def screen_messages(screen: Screen) -> list[dict[str, Any]]:
    """One screen as LINE text messages; the quick replies hang on the last one."""
    buttons = [button for row in screen.rows for button in row]
    parts = [part for part in split_text(body_text(screen, buttons), MAX_TEXT) if part.strip()]
    if not parts:
        parts = ["…"] if buttons else []
    messages: list[dict[str, Any]] = [{"type": "text", "text": part} for part in parts]
    replies = quick_reply(buttons)
    if messages and replies is not None:
        messages[-1]["quickReply"] = replies
    return messages


def reply_messages(reply: Reply) -> list[dict[str, Any]]:
    """Everything a Reply says, as LINE messages in order (a pressed message cannot be
    edited on LINE, so its replacement is sent as a new message)."""
    screens = ([reply.replace_pressed] if reply.replace_pressed is not None else []) + list(
        reply.screens
    )
    messages = [message for screen in screens for message in screen_messages(screen)]
    # Files cannot be pushed as bytes on LINE; their captions still say what they were.
    messages += [
        {"type": "text", "text": plain(document.caption)}
        for document in reply.documents
        if document.caption.strip()
    ]
    # Only the newest quick replies can be pressed: drop older ones so they do not mislead.
    for message in messages[:-1]:
        message.pop("quickReply", None)
    return messages


def screen_from_markup(text: str, markup: dict[str, Any] | None) -> Screen:
    """A screen back from an outbox row's text and inline keyboard JSON."""
    rows = tuple(
        tuple(
            Button(b["text"], b["callback_data"])
            for b in row
            if isinstance(b, dict) and "callback_data" in b
        )
        for row in (markup or {}).get("inline_keyboard", [])
    )
    return Screen(text, tuple(row for row in rows if row))
