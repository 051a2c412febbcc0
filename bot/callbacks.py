"""Callback data of inline buttons: built and parsed in one place, always ≤ 64 bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass

MENU_ITEMS = (
    "consultation", "food", "volunteer_request", "volunteer_registration", "opinion",
    "office", "language",
)
CONSENT_ACTIONS = ("agree", "decline", "full")
RESUME_ACTIONS = ("continue", "over")
FORM_ACTIONS = ("pick", "toggle", "done", "back", "skip", "cancel", "confirm_cancel", "keep",
                "edit", "send", "talk_to_staff")
_FORM = re.compile(r"f:(\d{1,9})\.(\d{1,9}):([a-z_]{1,16})(?::(\d{1,3}))?")


@dataclass(frozen=True)
class ButtonData:
    """A parsed button press."""

    family: str
    action: str
    round: int = 0
    seq: int = 0
    index: int = 0


def menu(item: str) -> str:
    """Data for a main-menu button."""
    return f"m:{item}"


def consent(action: str) -> str:
    """Data for a consent button."""
    return f"c:{action}"


def language(locale: str) -> str:
    """Data for a language button."""
    return f"l:{locale}"


def resume(action: str) -> str:
    """Data for a continue/start-over button."""
    return f"r:{action}"


def form(round_: int, seq: int, action: str, index: int | None = None) -> str:
    """Data for a button on a form question, tied to the draft (its round) and its step (seq)."""
    return f"f:{round_}.{seq}:{action}" + (f":{index}" if index is not None else "")


def parse(data: str | None, locales: tuple[str, ...]) -> ButtonData | None:
    """Parses button data; returns None for anything we did not make (forged or malformed)."""
    if not data or len(data.encode()) > 64:
        return None
    family, _, rest = data.partition(":")
    allowed = {"m": MENU_ITEMS, "c": CONSENT_ACTIONS, "l": locales, "r": RESUME_ACTIONS}
    if family in allowed:
        return ButtonData(family, rest) if rest in allowed[family] else None
    match = _FORM.fullmatch(data)
    if family != "f" or match is None or match.group(3) not in FORM_ACTIONS:
        return None
    return ButtonData("f", match.group(3), int(match.group(1)), int(match.group(2)),
                      int(match.group(4) or 0))
