"""Ticket references are short, readable and carry a check digit."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.tickets.reference import damm_digit, new_reference, parse_reference


def test_reference_shape() -> None:
    """Eight digits in two groups of four."""
    for _ in range(200):
        reference = new_reference()
        assert re.fullmatch(r"\d{4}-\d{4}", reference)
        assert parse_reference(reference) == reference


@given(st.text(alphabet="0123456789", min_size=7, max_size=7), st.integers(0, 7), st.integers(1, 9))
def test_any_single_digit_error_is_detected(body: str, position: int, shift: int) -> None:
    """Mishearing one digit always gives an invalid reference."""
    digits = body + str(damm_digit(body))
    wrong = digits[:position] + str((int(digits[position]) + shift) % 10) + digits[position + 1 :]
    assert parse_reference(wrong) is None


@given(st.text(alphabet="0123456789", min_size=7, max_size=7), st.integers(0, 6))
def test_any_swap_of_neighbours_is_detected(body: str, position: int) -> None:
    """Swapping two neighbouring different digits always gives an invalid reference."""
    digits = body + str(damm_digit(body))
    if digits[position] == digits[position + 1]:
        return
    swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
    assert parse_reference(swapped) is None


def test_typed_forms_are_accepted() -> None:
    """Spaces, missing dash and full-width digits are read as the same reference."""
    reference = new_reference()
    digits = reference.replace("-", "")
    full_width = digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in (digits, f"{digits[:4]} {digits[4:]}", full_width):
        assert parse_reference(typed) == reference
