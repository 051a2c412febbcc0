"""Traditional Chinese folded to simplified, character by character, with zhconv's table."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

# Cantonese words written with their own characters, folded to the Mandarin ones the phrases
# use (冇反應 → 没反应, 唔想活 → 不想活, 喺天橋 → 在天桥); none of them is written in Japanese.
_CANTONESE = {"冇": "没", "唔": "不", "喺": "在", "咗": "了", "佢": "他", "攰": "累", "嘅": "的"}


@cache
def _table() -> dict[int, str]:
    """Traditional → simplified for single characters, read once from zhconv's dictionary."""
    with resources.files("zhconv").joinpath("zhcdict.json").open("rb") as fh:
        pairs = json.load(fh)["zh2Hans"]
    single = {t: s for t, s in pairs.items() if len(t) == 1 and len(s) == 1}
    return str.maketrans(single | _CANTONESE)


def simplified(text: str) -> str:
    """The text with traditional (and Cantonese) characters replaced by simplified Mandarin
    ones (殺 → 杀, 冇 → 没)."""
    return text.translate(_table())
