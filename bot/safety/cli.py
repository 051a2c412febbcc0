"""`madoguchi safety-check`: one verdict per input line, for staff to try the net."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from bot.safety.net import SafetyNet


def run_safety_check(lines: Iterable[str], out: TextIO, net: SafetyNet) -> None:
    """Writes `1<TAB>category<TAB>words` or `0` for each line, in order."""
    for line in lines:
        hit = net.check(line.rstrip("\r\n"))
        if hit is None:
            out.write("0\n")
        else:
            words = " ".join(hit.words.split())
            out.write(f"1\t{hit.category}\t{words}\n")
