"""What residents do in the benchmarks: complete intakes, forms left half-way, follow-ups."""

from __future__ import annotations

import time

from bot.channels.telegram.local_user import LocalUser, bare_label

# A complete food-support intake, as typed and pressed by a new resident (see tests/scripts.py).
INTAKE = ("/start", "2", "1", "2", "1", "1", "Skip", "3", "1", "2", "1", "22", "1", "Send")
# A resident who picks food support, accepts the consent and goes quiet mid-form.
PARKED = ("/start", "2", "1")
FOLLOW_UP = "Is there any news about my request?"


def _button_for(user: LocalUser, line: str) -> tuple[object, str] | None:
    """(message, data) of the newest keyboard's button numbered or labelled `line`, if any."""
    keyboard = user.last_keyboard_message()
    if keyboard is None:
        return None
    for label, data in user.buttons(keyboard):
        if label.split(". ", 1)[0] == line or bare_label(label) == line:
            return keyboard, data
    return None


async def play(
    user: LocalUser, lines: tuple[str, ...], latencies: list[float] | None = None
) -> None:
    """Plays lines as a user (pressing a matching button, else typing), timing each update."""
    for line in lines:
        button = _button_for(user, line)
        started = time.perf_counter()
        if button is not None:
            await user.press(*button)
        else:
            await user.send(line)
        if latencies is not None:
            latencies.append(time.perf_counter() - started)


async def follow_up(user: LocalUser, latencies: list[float]) -> None:
    """A resident with one open request sends a plain message about it."""
    started = time.perf_counter()
    await user.send(FOLLOW_UP)
    latencies.append(time.perf_counter() - started)
