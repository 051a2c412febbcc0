"""Reads Japanese typed in the Latin alphabet (Hepburn, kunrei or keyboard romaji) as kana."""

from __future__ import annotations

import re

_VOWELS = {"a": "あ", "i": "い", "u": "う", "e": "え", "o": "お"}

# Consonant (or cluster) → kana for a, i, u, e, o; "" where that syllable does not exist.
_ROWS = {
    "k": "かきくけこ",
    "g": "がぎぐげご",
    "s": "さしすせそ",
    "z": "ざじずぜぞ",
    "t": "たちつてと",
    "d": "だぢづでど",
    "n": "なにぬねの",
    "h": "はひふへほ",
    "b": "ばびぶべぼ",
    "p": "ぱぴぷぺぽ",
    "m": "まみむめも",
    "r": "らりるれろ",
    "l": "らりるれろ",
    "y": "や\0ゆ\0よ",
    "w": "わ\0\0\0を",
}
_IKU = {
    "ky": "き",
    "gy": "ぎ",
    "sy": "し",
    "zy": "じ",
    "ty": "ち",
    "dy": "ぢ",
    "ny": "に",
    "hy": "ひ",
    "by": "び",
    "py": "ぴ",
    "my": "み",
    "ry": "り",
    "sh": "し",
    "ch": "ち",
    "j": "じ",
    "jy": "じ",
    "cy": "ち",
}
_SMALL = {"a": "ゃ", "u": "ゅ", "o": "ょ", "e": "ぇ"}
_SPECIAL = {
    "shi": "し",
    "chi": "ち",
    "tsu": "つ",
    "ji": "じ",
    "fu": "ふ",
    "fa": "ふぁ",
    "fi": "ふぃ",
    "fe": "ふぇ",
    "fo": "ふぉ",
    "wi": "うぃ",
    "we": "うぇ",
    "vu": "ゔ",
    "ti": "てぃ",
    "di": "でぃ",
    "tu": "つ",
    "du": "づ",
    "hu": "ふ",
    "si": "し",
    "zi": "じ",
    "wo": "を",
}


def _syllables() -> dict[str, str]:
    """Every romaji syllable with its kana."""
    table = dict(_VOWELS)
    for cons, row in _ROWS.items():
        for vowel, kana in zip("aiueo", row, strict=True):
            if kana != "\0":
                table[cons + vowel] = kana
    for cons, kana in _IKU.items():
        for vowel, small in _SMALL.items():
            table[cons + vowel] = kana + small
    table.update(_SPECIAL)
    table["ji"] = "じ"
    table["chi"] = "ち"
    return table


_TABLE = _syllables()
_LONGEST = max(map(len, _TABLE))
_WORD = re.compile(r"[a-z']+")


def to_kana(word: str) -> str | None:
    """The hiragana for one lower-case romaji word, or None if it is not romaji."""
    out: list[str] = []
    i = 0
    while i < len(word):
        char = word[i]
        if char == "'":
            i += 1
            continue
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if char == "n" and (not nxt or nxt == "'" or (nxt not in "aiueoy" and nxt != "n")):
            out.append("ん")
            i += 1
            continue
        if char == "n" and nxt == "n":
            out.append("ん")
            i += 2 if (i + 2 >= len(word) or word[i + 2] not in "aiueoy") else 1
            continue
        if char == nxt and char not in "aiueon" or (char == "t" and nxt == "c"):
            out.append("っ")
            i += 1
            continue
        for size in range(_LONGEST, 0, -1):
            kana = _TABLE.get(word[i : i + size])
            if kana:
                out.append(kana)
                i += size
                break
        else:
            return None
    return "".join(out)


def read_romaji(text: str) -> str | None:
    """The text as kana when most of its words read as romaji Japanese, else None."""
    words = _WORD.findall(text)
    if not words:
        return None
    kana = [to_kana(w) for w in words]
    readable = sum(1 for k in kana if k)
    if readable < 0.7 * len(words):
        return None
    return "".join(k or w for k, w in zip(kana, words, strict=True))
