"""Where a resident is in the conversation, stored in `residents.screen` and read at every update."""

from __future__ import annotations

from enum import StrEnum


class ResidentScreen(StrEnum):
    """The screen a resident is on; typed text and buttons are read in its light."""

    MENU = "menu"
    FORM = "form"
    RESUME = "resume"
    CONSENT = "consent"
    LANGUAGE = "language"
    FOLLOW_UP = "followup"
    DELETE_CONFIRM = "delete_confirm"
