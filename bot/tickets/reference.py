"""Ticket references: eight digits, easy to read aloud, with a check digit against mishearing."""

from __future__ import annotations

import re
import secrets

# Damm's quasigroup table: one check digit catches every single-digit error and every swap
# of neighbouring digits, the usual mistakes when a number is read out on the phone.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> int:
    """Returns the Damm check digit of a string of digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def new_reference() -> str:
    """Returns a random reference such as 4831-2075 (seven random digits and a check digit)."""
    body = f"{secrets.randbelow(10**7):07d}"
    digits = body + str(damm_digit(body))
    return f"{digits[:4]}-{digits[4:]}"


def parse_reference(text: str) -> str | None:
    """Returns the canonical reference for typed text such as '48312075', or None if invalid."""
    digits = re.sub(
        r"[\s\-‐－ー]", "", text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    )
    if not re.fullmatch(r"\d{8}", digits) or damm_digit(digits) != 0:
        return None
    return f"{digits[:4]}-{digits[4:]}"
