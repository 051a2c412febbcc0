"""LINE webhook events as the resident desk's events (the desk never sees LINE's shapes)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.resident.desk import Event

# Commands are read as on Telegram: "/start", "/delete@anything", at most this long.
MAX_COMMAND_LENGTH = 64


class Kind(StrEnum):
    """What a LINE event means to the bot."""

    DESK = "desk"  # something the resident desk answers
    UNFOLLOW = "unfollow"  # the resident blocked the account: they cannot be reached
    IGNORED = "ignored"  # nothing for a resident desk (a beacon, a video finished, …)


def user_of(event: dict[str, Any]) -> str | None:
    """The LINE user id of a one-to-one event; None for groups, rooms and anything odd."""
    source = event.get("source")
    if not isinstance(source, dict) or source.get("type") != "user":
        return None
    user_id = source.get("userId")
    return user_id if isinstance(user_id, str) and 0 < len(user_id) <= 64 else None


def kind_of(event: dict[str, Any]) -> Kind:
    """What a stored LINE event is for."""
    kind = event.get("type")
    if kind == "unfollow":
        return Kind.UNFOLLOW
    if kind in ("follow", "message", "postback"):
        return Kind.DESK
    return Kind.IGNORED


def desk_event(event: dict[str, Any]) -> Event:
    """The resident desk's event for a follow, message or postback."""
    kind = event.get("type")
    if kind == "follow":
        return Event("command", text="start")
    if kind == "postback":
        data = (event.get("postback") or {}).get("data")
        return Event("button", data=data if isinstance(data, str) else None)
    message = event.get("message") or {}
    text = message.get("text")
    if message.get("type") != "text" or not isinstance(text, str):
        # Stickers, images, video, audio, files and locations: a kind answer (no captions on LINE).
        return Event("other")
    if text.startswith("/") and len(text) > 1 and not text[1].isspace():
        word = text.split(maxsplit=1)[0][1:MAX_COMMAND_LENGTH]
        return Event("command", text=word.split("@", 1)[0].lower())
    return Event("text", text=text)
