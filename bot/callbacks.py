"""Callback data of inline buttons: built and parsed in one place, always ≤ 64 bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import get_args

from bot.forms.engine import ActionKind


class ButtonFamily(StrEnum):
    """The first letter of a button's data: which part of the desk it belongs to."""

    MENU = "m"
    CONSENT = "c"
    LANGUAGE = "l"
    RESUME = "r"
    NEW_TICKET = "n"
    ERASE = "x"
    WITHDRAW = "w"
    FOLLOW_UP = "p"
    FORM = "f"
    STAFF = "s"
    QUEUE = "q"
    SEARCH = "k"
    INVITATION = "i"
    # A volunteer's answer to a request or to the yearly consent question (resident side).
    VOLUNTEER = "u"
    # Staff asking a registered volunteer about a request (staff side).
    MATCH = "v"


# Every service (a form each), then office information and the language.
SERVICE_ITEMS = (
    "consultation",
    "food",
    "volunteer_request",
    "volunteer_registration",
    "opinion",
    "giving",
    "household_goods",
    "disaster_relief",
    "groups",
)
MENU_ITEMS = (*SERVICE_ITEMS, "office", "language")
CONSENT_ACTIONS = ("agree", "decline", "full")
RESUME_ACTIONS = ("continue", "over")
DELETE_ACTIONS = ("yes", "no")


def erase(action: str) -> str:
    """Data for the /delete confirmation."""
    return f"x:{action}"


WITHDRAW = "w:withdraw"
# A form's buttons: every action of the form engine but typing an answer.
FORM_ACTIONS = tuple(kind for kind in get_args(ActionKind) if kind != "answer")
STAFF_ACTIONS = (
    "claim",
    "status",
    "st",
    "priority",
    "pr",
    "refer",
    "rf",
    "reply",
    "close",
    "cl",
    "case",
    "reopen",
    "back",
    "view",
    "canned",
    "cn",
    "cs",
    "cx",
)
_STAFF = re.compile(r"s:(\d{1,12}):([a-z]{2,8})(?::([a-z0-9_]{1,40}))?")
_QUEUE = re.compile(r"q:([a-z0-9_]{1,40}):(\d{1,5})")
_SEARCH = re.compile(r"k:(\d{1,5}):(.{1,56})", re.DOTALL)
_INVITATION = re.compile(r"i:(\d{1,12}):(ok|no)")
_VOLUNTEER = re.compile(r"u:([mr])(\d{1,12}):([yn])")
_MATCH = re.compile(r"v:(\d{1,12}):(\d{1,12})")
_FORM = re.compile(r"f:(\d{1,9})\.(\d{1,9}):([a-z_]{1,16})(?::(\d{1,3}))?")


@dataclass(frozen=True)
class ButtonData:
    """A parsed button press."""

    family: ButtonFamily
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


def new_ticket(form_key: str, household_of: int | None = None) -> str:
    """Data for a staff member choosing the form of a request taken by phone or at the counter
    (with the ticket whose household it joins, if any)."""
    return f"n:{form_key}" + (f":{household_of}" if household_of else "")


def follow_up(ticket_id: int) -> str:
    """Data for choosing which open ticket a resident's message belongs to."""
    return f"p:{ticket_id}"


def form(round_: int, seq: int, action: str, index: int | None = None) -> str:
    """Data for a button on a form question, tied to the draft (its round) and its step (seq)."""
    return f"f:{round_}.{seq}:{action}" + (f":{index}" if index is not None else "")


def staff(ticket_id: int, action: str, arg: str | None = None) -> str:
    """Data for a button on a ticket card or list, acting on one ticket."""
    return f"s:{ticket_id}:{action}" + (f":{arg}" if arg else "")


def open_case(resident_id: int) -> str:
    """Data for the button on a crisis alert that opens a case for its resident (the number
    names the resident, not a ticket)."""
    return f"s:{resident_id}:case"


def volunteer_answer(kind: str, number: int, yes: bool) -> str:
    """Data for a volunteer's yes or no: to a match ("m", its id) or to the yearly consent
    question ("r", the volunteer's id)."""
    return f"u:{kind}{number}:{'y' if yes else 'n'}"


def ask_volunteer(ticket_id: int, volunteer_id: int) -> str:
    """Data for staff asking a registered volunteer about a request."""
    return f"v:{ticket_id}:{volunteer_id}"


def parse_ask(data: str | None) -> tuple[int, int] | None:
    """(request ticket id, volunteer id) of an ask button; None for anything we did not make."""
    match = _MATCH.fullmatch(data or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def queue_page(filter_key: str, page: int) -> str:
    """Data for a page button of /queue."""
    return f"q:{filter_key}:{page}"


def search_page(words: str, page: int) -> str | None:
    """Data for a page button of /search, or None when the words do not fit in a button."""
    data = f"k:{page}:{words}"
    return data if len(data.encode()) <= 64 else None


def invitation(invitation_id: int, action: str) -> str:
    """Data for an admin's Confirm ("ok") or Decline ("no") of an opened staff invitation."""
    return f"i:{invitation_id}:{action}"


def parse_invitation(data: str | None) -> tuple[int, str] | None:
    """The invitation id and "ok" or "no" of an invitation button; None for anything else."""
    match = _INVITATION.fullmatch(data or "")
    return (int(match.group(1)), match.group(2)) if match else None


@dataclass(frozen=True)
class StaffButtonData:
    """A parsed press of a staff button."""

    action: str
    ticket_id: int = 0
    arg: str = ""
    page: int = 0


def parse_staff(data: str | None) -> StaffButtonData | None:
    """Parses staff button data; None for anything we did not make."""
    if not data or len(data.encode()) > 64:
        return None
    match = _STAFF.fullmatch(data)
    if match and match.group(2) in STAFF_ACTIONS:
        return StaffButtonData(match.group(2), int(match.group(1)), match.group(3) or "")
    match = _QUEUE.fullmatch(data)
    if match:
        return StaffButtonData("queue", arg=match.group(1), page=int(match.group(2)))
    match = _SEARCH.fullmatch(data)
    if match:
        return StaffButtonData("search", arg=match.group(2), page=int(match.group(1)))
    return None


def parse(data: str | None, locales: tuple[str, ...]) -> ButtonData | None:
    """Parses button data; returns None for anything we did not make (forged or malformed)."""
    if not data or len(data.encode()) > 64:
        return None
    letter, _, rest = data.partition(":")
    if letter not in ButtonFamily.__members__.values():
        return None
    family = ButtonFamily(letter)
    allowed = {
        ButtonFamily.MENU: MENU_ITEMS,
        ButtonFamily.CONSENT: CONSENT_ACTIONS,
        ButtonFamily.LANGUAGE: locales,
        ButtonFamily.RESUME: RESUME_ACTIONS,
        ButtonFamily.NEW_TICKET: SERVICE_ITEMS,
        ButtonFamily.ERASE: DELETE_ACTIONS,
        ButtonFamily.WITHDRAW: ("withdraw",),
    }
    if family is ButtonFamily.NEW_TICKET and ":" in rest:
        item, _, ticket_id = rest.partition(":")
        valid = item in SERVICE_ITEMS and ticket_id.isdecimal() and len(ticket_id) <= 12
        return ButtonData(family, item, index=int(ticket_id)) if valid else None
    if family in allowed:
        return ButtonData(family, rest) if rest in allowed[family] else None
    if family is ButtonFamily.FOLLOW_UP and rest.isdecimal() and len(rest) <= 12:
        return ButtonData(family, "pick", index=int(rest))
    if family is ButtonFamily.VOLUNTEER:
        answer = _VOLUNTEER.fullmatch(data)
        if answer is None:
            return None
        return ButtonData(family, answer.group(1) + answer.group(3), index=int(answer.group(2)))
    match = _FORM.fullmatch(data)
    if family is not ButtonFamily.FORM or match is None or match.group(3) not in FORM_ACTIONS:
        return None
    return ButtonData(
        family, match.group(3), int(match.group(1)), int(match.group(2)), int(match.group(4) or 0)
    )
