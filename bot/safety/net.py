"""The safety net: finds words that suggest danger to life or safety, by category."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from bot.safety import normalize
from bot.safety.chinese import simplified
from bot.safety.japanese import PhraseIndex, analyser
from bot.safety.matchers import CueSet, PhraseSet
from bot.safety.phrases import en, ja, ko, vi, zh

CATEGORIES = ("suicide", "violence", "medical", "fire", "confined", "no_food_shelter")
_LANGUAGES: tuple[ModuleType, ...] = (ja, en, zh, ko, vi)
_CONTEXT = ("IDIOMS", "NEGATIONS", "REPORTED", "PREVENTION", "PAST", "RESOLVED", "PRESENT")

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3041-\u30ff]")
_JAPANESE = re.compile(r"[\u3041-\u30ff\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z0-9]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_SPACE_IN_HANGUL = re.compile(r"(?<=[\uac00-\ud7a3])\s+(?=[\uac00-\ud7a3])")
# Vietnamese words short enough to collide with others once folded (nổ/no, sập/sắp, khói/khỏi)
# are matched only as written, with their diacritics.
_SHORT = re.compile(r"^[^\W\d_]{1,5}$")


@dataclass(frozen=True, slots=True)
class Hit:
    """A category of danger and the words in the message that suggested it."""

    category: str
    words: str


@dataclass(frozen=True, slots=True)
class _Candidate:
    sentence: int
    start: int
    category: str
    words: str


class SafetyNet:
    """Phrase lists of every language, compiled once; `check` looks at one message."""

    def __init__(
        self, extra: Mapping[str, Sequence[str]] | None = None, *, japanese: str = "fugashi"
    ) -> None:
        extra = extra or {}
        unknown = set(extra) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown safety categories: {sorted(unknown)}")
        self._tool = analyser(japanese)
        ja_phrases = [(c, p) for c, ps in ja.PHRASES.items() for p in ps]
        ja_phrases += [(c, p) for c, ps in extra.items() for p in ps if _JAPANESE.search(p)]
        self._ja = PhraseIndex(ja_phrases, self._tool)
        self._kana = PhraseSet(_items(ja.KANA))
        literal = [
            (c, r"\s*".join(re.escape(normalize.latin(w)) for w in normalize.base(p).split()))
            for c, ps in extra.items()
            for p in ps
            if not _JAPANESE.search(p)
        ]
        short_vi = [(c, p) for c, p in _items(vi.PHRASES) if _SHORT.match(p)]
        long_vi = [(c, normalize.latin(p)) for c, p in _items(vi.PHRASES) if not _SHORT.match(p)]
        self._latin = PhraseSet(_items(en.PHRASES) + long_vi + literal, words=True)
        self._vi_marked = PhraseSet(short_vi, words=True)
        self._zh = PhraseSet(_items(zh.PHRASES))
        self._ko = PhraseSet(_items(ko.PHRASES))
        self._extra_cjk = PhraseSet(literal)
        self._cues = {
            kind: CueSet(
                normalize.latin(p) if lang is vi else p
                for lang in _LANGUAGES
                for p in getattr(lang, kind)
            )
            for kind in _CONTEXT
        }

    def check(self, text: str) -> Hit | None:
        """The first danger the text suggests (with its words), or None."""
        sentences = normalize.sentences(normalize.base(text))
        views = [self._views(s) for s in sentences]
        past = self._cues["PAST"].search(*(v.kana for v in views), *(v.latin for v in views))
        resolved = past and self._cues["RESOLVED"].search(
            *(v.kana for v in views), *(v.latin for v in views)
        )
        for index, view in enumerate(views):
            found = sorted(self._find(index, view), key=lambda c: c.start)
            if found and not self._lowered(view, bool(resolved)):
                first = found[0]
                return Hit(first.category, first.words)
        return None

    def _views(self, sentence: str) -> normalize.Views:
        """The views of a sentence with idioms blanked (spaces kept for the analyser if none)."""
        joined = normalize.joined(sentence)
        plain = self._without_idioms(joined)
        return normalize.views(sentence if plain == joined else plain, plain)

    def _without_idioms(self, sentence: str) -> str:
        """The sentence with everyday phrases (死ぬほど嬉しい, dying to) blanked out."""
        idioms = self._cues["IDIOMS"]
        chars = list(sentence)
        for view in (normalize.hiragana(sentence), normalize.latin(sentence)):
            for start, end in idioms.spans(view):
                chars[start:end] = " " * (end - start)
        return "".join(chars)

    def _lowered(self, view: normalize.Views, past_and_resolved: bool) -> bool:
        """Whether context in this sentence makes its phrases no sign of danger now."""
        texts = (view.kana, view.latin, _simplified(view.text))
        if self._cues["PRESENT"].search(*texts):
            return False
        if past_and_resolved and (
            self._cues["PAST"].search(*texts) or self._cues["RESOLVED"].search(*texts)
        ):
            return True
        return any(
            self._cues[kind].search(*texts) for kind in ("NEGATIONS", "REPORTED", "PREVENTION")
        )

    def _find(self, index: int, view: normalize.Views) -> list[_Candidate]:
        """Every phrase found in one sentence."""
        found: list[_Candidate] = []

        def add(start: int, category: str, words: str) -> None:
            found.append(_Candidate(index, start, category, words.strip()))

        if _LATIN.search(view.latin):
            for hit in self._latin.find(view.latin):
                add(hit.start, hit.category, view.text[hit.start : hit.start + len(hit.words)])
            for hit in self._vi_marked.find(view.text):
                add(hit.start, hit.category, hit.words)
        japanese = [(view.text, view.spaced)] if _JAPANESE.search(view.text) else []
        if view.romaji:
            japanese.append((view.romaji, view.romaji))
        for text, spaced in japanese:
            for hit in self._kana.find(normalize.hiragana(text)):
                add(hit.start, hit.category, text[hit.start : hit.start + len(hit.words)])
            # Spaces, as easy Japanese puts them, help the analyser split words written in kana.
            for position, category, words in self._ja.find(spaced, self._tool.tokens(spaced)):
                add(position, category, words)
        if _HAN.search(view.text) and not _KANA.search(view.text):
            simplified = _simplified(view.text)
            for hit in self._zh.find(self._cues["IDIOMS"].remove(simplified)):
                add(hit.start, hit.category, view.text[hit.start : hit.start + len(hit.words)])
        if _HANGUL.search(view.text):
            korean = self._cues["IDIOMS"].remove(_SPACE_IN_HANGUL.sub("", view.text))
            for hit in self._ko.find(korean):
                add(hit.start, hit.category, hit.words)
            for hit in self._extra_cjk.find(korean):
                add(hit.start, hit.category, hit.words)
        return found


def _items(phrases: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(category, phrase) pairs of a phrase table."""
    return [(category, phrase) for category, group in phrases.items() for phrase in group]


def _simplified(text: str) -> str:
    """Chinese text in simplified characters (traditional folded); others unchanged."""
    return simplified(text) if _HAN.search(text) else text


@cache
def default_net() -> SafetyNet:
    """The net with the built-in phrases only, built once."""
    return SafetyNet()


def net_for(extra: Mapping[str, Sequence[str]]) -> SafetyNet:
    """The net with the built-in phrases and a council's own, built once per set of phrases."""
    if not any(extra.values()):
        return default_net()
    return _net_with(tuple(sorted((category, tuple(p)) for category, p in extra.items())))


@cache
def _net_with(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> SafetyNet:
    """The net with these extra phrases (a hashable form of them), built once."""
    return SafetyNet(dict(extra))
