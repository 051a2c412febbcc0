"""Traditional Chinese folded to simplified, character by character, with zhconv's table."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _table() -> dict[int, str]:
    """Traditional → simplified for single characters, read once from zhconv's dictionary."""
    with resources.files("zhconv").joinpath("zhcdict.json").open("rb") as fh:
        pairs = json.load(fh)["zh2Hans"]
    return str.maketrans({t: s for t, s in pairs.items() if len(t) == 1 and len(s) == 1})


def simplified(text: str) -> str:
    """The text with traditional characters replaced by simplified ones (殺 → 杀)."""
    return text.translate(_table())
