"""Folds the ways residents type the same words into one form per script."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from bot.safety.romaji import read_romaji

_KANA = "\u3041-\u309f\u30a0-\u30ff"
_CJK = f"{_KANA}\u3400-\u9fff\uf900-\ufaff"
_HANGUL = "\uac00-\ud7a3"
_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "`": "'", "“": '"', "”": '"'})

# Emoji, pictographs, variation selectors and joiners: they stand between words, not in them.
_EMOJI = re.compile(
    "[\u200b-\u200f\u2060\ufe00-\ufe0f\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u2500-\u27bf"
    "\u2b00-\u2bff\U0001f000-\U0001faff\U000e0000-\U000e007f]+"
)
# Three or more of the same letter, or a kana stretched with ー/〜/~ or small vowels.
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_STRETCH = re.compile(
    rf"(?<=[\u3041-\u309f])[ー〜~]+|(?<=[\u3041-\u309f])[ぁぃぅぇぉ]+(?=[{_KANA}]|\W|$)"
)
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u3000]+")
_MARKED = re.compile("[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]")
_HIRAGANA = str.maketrans({chr(k): chr(k - 0x60) for k in range(0x30A1, 0x30F7)})
# Korean cute endings: a final ㅇ added to the last syllable (죽고싶당, 힘들엉, 살려줭).
_CUTE = {
    "당": "다",
    "용": "요",
    "엉": "어",
    "앙": "아",
    "징": "지",
    "넹": "네",
    "양": "야",
    "줭": "줘",
}
_CUTE_END = re.compile(f"[{''.join(_CUTE)}](?=[^{_HANGUL}]|$)")


def base(text: str) -> str:
    """NFKC, case, quotes, emoji, stretched letters and spacing folded; keeps every script."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    text = _EMOJI.sub(" ", text)
    text = _REPEATS.sub(r"\1", text)
    text = _STRETCH.sub("", text)
    text = _CUTE_END.sub(lambda m: _CUTE[m.group()], text)
    return _SPACES.sub(" ", text).strip()


def joined(text: str) -> str:
    """Spaces between Japanese or Chinese characters dropped (し に た い → しにたい)."""
    return _SPACE_IN_CJK.sub("", text)


def hiragana(text: str) -> str:
    """Katakana turned into hiragana (ロープ → ろーぷ), everything else as it is."""
    return text.translate(_HIRAGANA)


@cache
def _fold_char(char: str) -> str:
    """One Latin letter without its diacritics (ế → e, đ → d); other scripts untouched."""
    if char in "đð":
        return "d"
    if ord(char) < 0x250:
        return "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
    if 0x1E00 <= ord(char) <= 0x1EFF:  # Latin Extended Additional: most Vietnamese letters
        return unicodedata.normalize("NFD", char)[0]
    return char


def latin(text: str) -> str:
    """Diacritics folded away, so Vietnamese typed with or without them reads the same."""
    if not _MARKED.search(text):
        return text
    return "".join(_fold_char(c) for c in text)


@dataclass(frozen=True, slots=True)
class Views:
    """One sentence in the forms the phrase lists are matched against."""

    spaced: str
    text: str
    latin: str
    kana: str
    romaji: str | None


def views(spaced: str, sentence: str) -> Views:
    """The views of one base-folded sentence, as written and with CJK spaces dropped."""
    folded = latin(sentence)
    romaji = None
    if not re.search(f"[{_CJK}{_HANGUL}]", sentence):
        romaji = read_romaji(folded)
    return Views(spaced=spaced, text=sentence, latin=folded, kana=hiragana(sentence), romaji=romaji)


_SENTENCE_END = re.compile(
    r"(?<=[。！？!?\n])|(?<=[.;])\s+|(?<=[,、，])\s*(?=but |でも|けど|但是|하지만|nhung )"
)


# Long run-on messages (a question about forms with a crisis in the middle) are read clause by
# clause: at commas, at spaces between Chinese characters, after a Korean sentence ending.
_LONG = 60
_CLAUSE_END = re.compile(
    r"(?<=[,、，])\s*|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])|(?<=[\uac00-\ud7a3][요다죠])\s+"
)


def sentences(text: str) -> list[str]:
    """The text split where a sentence ends (and before 'but'), long ones into clauses."""
    out = []
    for sentence in _SENTENCE_END.split(text):
        pieces = _CLAUSE_END.split(sentence) if len(sentence) > _LONG else [sentence]
        out += [p.strip() for p in pieces if p and p.strip()]
    return out
