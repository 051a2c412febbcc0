"""What Telegram sent, read into Updates one by one: an update that cannot be read is told
apart from the rest instead of stopping them, kept in the inbox for an operator, and its
contents never reach the log."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update

from bot.services import Services
from storage import inbox

log = logging.getLogger(__name__)

# Why an update kept for an operator was not handled.
UNREADABLE = "could not be read as an update"

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
    """A getUpdates answer as the Updates read from it, the well-formed updates that could
    not be read, and the highest update id in it (None if none has one)."""
    updates: list[Update] = []
    unreadable: list[dict[str, Any]] = []
    for payload in received:
        update = read_update(payload, bot)
        if update is not None:
            updates.append(update)
        elif well_formed(payload):
            unreadable.append(payload)
        else:
            # Out of range, nested past reason, or without an id: nothing Telegram sends.
            log.error("getUpdates returned a malformed entry; skipped")
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


async def store_in_inbox(
    services: Services, rows: list[tuple[int, dict[str, Any]]], *, given_up: str | None = None
) -> bool:
    """Writes (chat, update) rows to the inbox in one transaction (as given up, with why, for
    an operator); False if the database is unavailable, and Telegram keeps them."""
    try:
        async with services.db.begin() as session:
            await inbox.store_updates(session, rows, services.clock(), given_up=given_up)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning(
            "could not store %d updates (%s); Telegram keeps them", len(rows), type(exc).__name__
        )
        return False
    return True


async def keep_unreadable(services: Services, payloads: list[dict[str, Any]]) -> bool:
    """Keeps updates that cannot be read as Updates in the inbox for an operator (given up
    on, so they block no chat); False if the database is unavailable."""
    rows = [(unread_chat(payload), payload) for payload in payloads]
    if not await store_in_inbox(services, rows, given_up=UNREADABLE):
        return False
    for payload in payloads:
        log.error(
            "update %s could not be read; kept in the inbox for an operator", payload["update_id"]
        )
    return True
