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


def _short(label: str) -> str:
    """A quick-reply label cut to LINE's limit (the body has the whole option)."""
    return label if _fits(label) else label[: MAX_LABEL - 1] + "…"


def _shown(screen: Screen) -> list[Button]:
    """The buttons that get a quick reply: all when they fit; else the first options and the
    navigation of the last two rows (the body lists every option, to be typed)."""
    buttons = [button for row in screen.rows for button in row]
    if len(buttons) <= MAX_QUICK_REPLIES:
        return buttons
    tail = [b for row in screen.rows[-2:] for b in row] if len(screen.rows) > 2 else []
    tail = tail[-(MAX_QUICK_REPLIES // 3) :] if tail else buttons[-1:]
    head = [b for b in buttons if b not in tail][: MAX_QUICK_REPLIES - len(tail)]
    return head + tail


def quick_reply(buttons: list[Button]) -> dict[str, Any] | None:
    """Quick-reply buttons (postbacks carrying the button data) for the given buttons."""
    items = [
        {
            "type": "action",
            "action": {
                "type": "postback",
                "label": _short(b.label),
                "data": b.data[:MAX_DATA],
                "displayText": b.label[:MAX_DISPLAY_TEXT],
            },
        }
        for b in buttons
    ]
    return {"items": items} if items else None


def body_text(screen: Screen) -> str:
    """The screen's words without HTML; when a quick reply cannot show every option whole (too
    many, or past LINE's 20 characters) the options are listed too, to be typed by number or
    label as on Telegram."""
    text = plain(screen.text).strip()
    buttons = [button for row in screen.rows for button in row]
    if len(buttons) > MAX_QUICK_REPLIES or not all(_fits(b.label) for b in buttons):
        options = "\n".join(b.label for b in buttons)
        text = f"{text}\n\n{options}" if text else options
    return text


def screen_messages(screen: Screen) -> list[dict[str, Any]]:
    """One screen as LINE text messages; the quick replies hang on the last one."""
    shown = _shown(screen)
    parts = [part for part in split_text(body_text(screen), MAX_TEXT) if part.strip()]
    if not parts:
        parts = ["…"] if shown else []
    messages: list[dict[str, Any]] = [{"type": "text", "text": part} for part in parts]
    replies = quick_reply(shown)
    if messages and replies is not None:
        messages[-1]["quickReply"] = replies
    return messages


def reply_messages(reply: Reply) -> list[dict[str, Any]]:
    """Everything a Reply says, as LINE messages in order (a pressed message cannot be
    edited on LINE, so its replacement is sent as a new message)."""
    screens = ([reply.replace_pressed] if reply.replace_pressed is not None else []) + list(
        reply.screens
    )
    # What is meant for the sender's private chat: a LINE resident's chat is private already.
    documents = list(reply.documents)
    if reply.private is not None:
        screens += reply.private.screens
        documents += reply.private.documents
    messages = [message for screen in screens for message in screen_messages(screen)]
    # Files cannot be pushed as bytes on LINE; their captions still say what they were.
    messages += [
        {"type": "text", "text": plain(document.caption)}
        for document in documents
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
