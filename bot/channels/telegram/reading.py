"""What Telegram sent, read into Updates one by one: an update that cannot be read is told
apart from the rest instead of stopping them, and its contents never reach the log."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Update

log = logging.getLogger(__name__)

# A real update nests about ten levels deep (a reply's keyboard, say); ids fit a BigInteger.
MAX_DEPTH = 40
BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)
MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError, OSError)
# Where an update's chat or sender may be, for one that cannot be read into an Update.
_CHAT_PLACES = (
    ("message", "chat"),
    ("edited_message", "chat"),
    ("callback_query", "message", "chat"),
    ("message", "from"),
    ("edited_message", "from"),
    ("callback_query", "from"),
)


def has_update_id(payload: object) -> bool:
    """Whether a payload is an object with a positive 64-bit `update_id`."""
    if not isinstance(payload, dict):
        return False
    update_id = payload.get("update_id")
    return type(update_id) is int and 0 < update_id <= BIGINT_MAX


def well_formed(payload: object) -> bool:
    """Whether a payload can be an update: an object with a positive 64-bit `update_id`,
    nested at most MAX_DEPTH levels, every integer in it fitting a signed 64-bit column."""
    if not has_update_id(payload):
        return False
    stack: list[tuple[object, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return False
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
        elif type(value) is int and not BIGINT_MIN <= value <= BIGINT_MAX:
            return False
    return True


def read_update(payload: object, bot: Bot) -> Update | None:
    """The Update a payload holds, or None when it is not a well-formed update."""
    if not well_formed(payload):
        return None
    try:
        return Update.de_json(payload, bot)
    except MALFORMED:
        return None


def read_batch(
    received: list[Any], bot: Bot
) -> tuple[list[Update], list[dict[str, Any]], int | None]:
    """A getUpdates answer as the Updates read from it, the updates that could not be read
    (those with an id), and the highest update id in it (None if none has one)."""
    updates: list[Update] = []
    unreadable: list[dict[str, Any]] = []
    for payload in received:
        update = read_update(payload, bot)
        if update is not None:
            updates.append(update)
        elif has_update_id(payload):
            unreadable.append(payload)
        else:
            log.error("getUpdates returned an entry without an update id; skipped")
    ids = [payload["update_id"] for payload in received if has_update_id(payload)]
    return updates, unreadable, max(ids, default=None)


def unread_chat(payload: dict[str, Any]) -> int:
    """The chat (or else the sender) of an update that could not be read, 0 if none is found."""
    for path in _CHAT_PLACES:
        value: Any = payload
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        found = value.get("id") if isinstance(value, dict) else None
        if type(found) is int and BIGINT_MIN <= found <= BIGINT_MAX:
            return found
    return 0
