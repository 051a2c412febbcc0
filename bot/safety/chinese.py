"""Traditional Chinese folded to simplified, character by character, with zhconv's table."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

# Cantonese words written with their own characters, folded to the Mandarin ones the phrases
# use (冇反應 → 没反应, 唔想活 → 不想活, 喺天橋 → 在天桥, 瞓街 → 睡街, 𠝹手 → 割手, 諗唔開 →
# 想不开, 俾人打 → 给人打); none of them is written in Japanese.
_CANTONESE = {
    "冇": "没",
    "唔": "不",
    "喺": "在",
    "咗": "了",
    "佢": "他",
    "攰": "累",
    "嘅": "的",
    "哋": "们",
    "嚟": "来",
    "瞓": "睡",
    "睇": "看",
    "揸": "拿",
    "攞": "拿",
    "搵": "找",
    "揾": "找",
    "諗": "想",
    "谂": "想",
    "嬲": "气",
    "俾": "给",
    "畀": "给",
    "𠝹": "割",
    "劏": "杀",
    "㓥": "杀",
}
# Words of two characters folded to Mandarin words of the same length, so positions hold:
# Cantonese (唔係 → 不是, 而家 → 现在, 屋企 → 家里, 細路 → 小孩, 琴日 → 昨天) and the homophone
# spellings of chat (木有 → 没有, 肿么 → 怎么, 酱紫 → 这样, 神马 → 什么).
_WORDS = {
    "我系": "我是",
    "你系": "你是",
    "不系": "不是",
    "真系": "真是",
    "就系": "就是",
    "但系": "但是",
    "都系": "都是",
    "净系": "只是",
    "而家": "现在",
    "屋企": "家里",
    "细路": "小孩",
    "细佬": "弟弟",
    "老豆": "老爸",
    "琴日": "昨天",
    "寻日": "昨天",
    "听日": "明天",
    "点样": "怎样",
    "木有": "没有",
    "肿么": "怎么",
    "酱紫": "这样",
    "神马": "什么",
    "灰常": "非常",
}
# Any first character before any second one: a quick search, the dictionary says which fold.
_WORD = re.compile(
    f"[{''.join(sorted({w[0] for w in _WORDS}))}][{''.join(sorted({w[1] for w in _WORDS}))}]"
)


@cache
def _table() -> dict[int, str]:
    """Traditional → simplified for single characters, read once from zhconv's dictionary."""
    with resources.files("zhconv").joinpath("zhcdict.json").open("rb") as fh:
        pairs = json.load(fh)["zh2Hans"]
    single = {t: s for t, s in pairs.items() if len(t) == 1 and len(s) == 1}
    return str.maketrans(single | _CANTONESE)


def simplified(text: str) -> str:
    """The text with traditional (and Cantonese) characters replaced by simplified Mandarin
    ones (殺 → 杀, 冇 → 没), and a few Cantonese and chat words by Mandarin ones of the same
    length (而家 → 现在, 木有 → 没有)."""
    text = text.translate(_table())
    return _WORD.sub(_word, text) if _WORD.search(text) else text


def _word(match: re.Match[str]) -> str:
    """The Mandarin word for a pair of characters, or the pair itself."""
    return _WORDS.get(match.group(), match.group())
