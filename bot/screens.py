"""What the bot shows: a text (HTML) with rows of buttons, free of Telegram types."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

MAX_TEXT = 4096
_TAG = re.compile(r"<[^>]+>")
MAX_BUTTONS_PER_ROW = 8


@dataclass(frozen=True)
class Button:
    """An inline button: its visible label and its callback data."""

    label: str
    data: str


@dataclass(frozen=True)
class Screen:
    """One message: HTML text and rows of buttons."""

    text: str
    rows: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Document:
    """A file to send, such as an export."""

    filename: str
    content: bytes
    caption: str = ""
    # A picture is shown in the chat (sendPhoto); anything else is a file (sendDocument).
    picture: bool = False


@dataclass
class PrivateDelivery:
    """Messages and files for the sender's private chat with the bot (personal data that a
    group must not see), and what to say in the group when that chat cannot be reached."""

    screens: list[Screen] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    # Said where the update came from when the sender has never started the bot.
    unreachable: Screen | None = None


@dataclass
class Reply:
    """Everything an update answers with, sent after its transaction commits."""

    screens: list[Screen] = field(default_factory=list)
    toast: str | None = None
    # Remove the buttons of the message whose button was pressed, once it has been answered.
    clear_pressed_keyboard: bool = False
    # Show this screen in place of the message whose button was pressed (e.g. a ticked box).
    replace_pressed: Screen | None = None
    # Deliver waiting outbox messages now rather than at the relay's next tick.
    outbox_waiting: bool = False
    documents: list[Document] = field(default_factory=list)
    # For the sender alone, in their private chat with the bot.
    private: PrivateDelivery | None = None
    # Personal data was erased: once committed, the database is asked to forget old copies.
    erased: bool = False


def plain(text: str) -> str:
    """The text of an HTML message without markup (for terminals and text files)."""
    return html.unescape(_TAG.sub("", text))


def rows_of(buttons: list[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    """Lays buttons out in rows of at most `per_row` (and never more than Telegram allows)."""
    per_row = max(1, min(per_row, MAX_BUTTONS_PER_ROW))
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Splits a long text into parts under Telegram's limit, at line breaks where possible."""
    parts: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        while len(line) > limit:
            if current is not None:
                parts.append(current)
                current = None
            cut = _cut_point(line, limit)
            parts.append(line[:cut])
            line = line[cut:]
        if current is None:
            current = line
        elif len(current) + 1 + len(line) <= limit:
            current += "\n" + line
        else:
            parts.append(current)
            current = line
    if current is not None:
        parts.append(current)
    return parts


def _cut_point(line: str, limit: int) -> int:
    """Where to cut an over-long line: at a space if one is near, never inside an HTML entity."""
    cut = line.rfind(" ", 0, limit)
    cut = cut if cut > limit // 2 else limit
    amp = line.rfind("&", max(0, cut - 8), cut)
    if amp > 0 and ";" not in line[amp:cut]:
        cut = amp
    return cut
