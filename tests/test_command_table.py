"""The staff command table is the only list of staff commands: each has help, /help lists them."""

from __future__ import annotations

import re

from bot.screens import plain
from bot.staff.commands import COMMANDS, REPLY_HINT, staff_help
from tests.fakes import Harness
from tests.staff_helpers import ADMIN_ID


def test_every_command_has_help_in_japanese_and_english(harness: Harness) -> None:
    """Every help line of the table is translated into Japanese and names its command."""
    ja, en = harness.ja(), harness.en()
    for command in COMMANDS:
        assert command.help, command.name
        for line in command.help:
            assert f"/{command.name}" in en.gettext(line)
            assert ja.gettext(line) != line, f"/{command.name}: no Japanese help"
            assert f"/{command.name}" in ja.gettext(line)


async def test_help_lists_exactly_the_table(harness: Harness) -> None:
    """An admin's /help in the staff group names every command of the table and no other."""
    admin = harness.staff(ADMIN_ID, "管理者")
    await admin.send("/help")
    shown = set(re.findall(r"(?<![\w/])/([a-z]+)\b", plain(admin.last.text)))
    assert shown == {command.name for command in COMMANDS}
    assert harness.ja().gettext(REPLY_HINT) in plain(admin.last.text)


def test_staff_see_only_the_commands_they_may_run(harness: Harness) -> None:
    """Help for staff leaves the admin commands out."""
    text = plain(staff_help(harness.ja(), is_admin=False).text)
    shown = set(re.findall(r"(?<![\w/])/([a-z]+)\b", text))
    assert shown == {c.name for c in COMMANDS if c.who.value == "staff"}
