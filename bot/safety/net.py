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
from bot.safety.model import default_model
from bot.safety.phrases import en, ja, ko, vi, zh

CATEGORIES = ("suicide", "violence", "medical", "fire", "confined", "no_food_shelter")
_LANGUAGES: tuple[ModuleType, ...] = (ja, en, zh, ko, vi)
_CONTEXT = ("IDIOMS", "NEGATIONS", "REPORTED", "PREVENTION", "PAST", "RESOLVED", "OVER", "PRESENT")

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_JAPANESE = re.compile(r"[\u3041-\u30ff\u3400-\u9fff]")
_KANA = re.compile(r"[\u3041-\u30ff]")
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
        self,
        extra: Mapping[str, Sequence[str]] | None = None,
        *,
        japanese: str = "fugashi",
        statistical: bool = True,
    ) -> None:
        extra = extra or {}
        unknown = set(extra) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown safety categories: {sorted(unknown)}")
        self._tool = analyser(japanese)
        self._model = default_model() if statistical else None
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
        pinyin = _items(zh.PINYIN)
        self._latin = PhraseSet(_items(en.PHRASES) + pinyin + long_vi + literal, words=True)
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
        settled: bool | None = None
        for index, view in enumerate(views):
            found = sorted(self._find(index, view), key=lambda c: c.start)
            if not found:
                continue
            if settled is None:
                settled = self._settled(views)
            if not self._lowered(view, settled):
                first = found[0]
                return Hit(first.category, first.words)
        return self._model_hit(text, views) if self._model else None

    def model_texts(self, text: str) -> list[str]:
        """What the model reads: each sentence of the message, base-folded, idioms blanked."""
        return [self._views(s).text for s in normalize.sentences(normalize.base(text))]

    def _model_hit(self, text: str, views: Sequence[normalize.Views]) -> Hit | None:
        """A hit from the statistical model, when it is confident and context does not lower it."""
        assert self._model is not None
        texts = [view.text for view in views]
        if not texts:
            return None
        scores = [self._model.score(t) for t in texts]
        best = max(range(len(texts)), key=scores.__getitem__)
        if scores[best] < self._model.threshold:
            return None
        if self._settled(views) or self._lowered(views[best], False):
            return None
        verdict = self._model.judge(texts[best])
        return Hit(verdict.category, verdict.words)

    def _settled(self, views: Sequence[normalize.Views]) -> bool:
        """Whether the message says it is over and done (a past event resolved, a fire put out
        with no one hurt): then every sentence is lowered unless one says the danger is here now."""
        texts = {*(v.kana for v in views), *(v.latin for v in views)}
        texts.update(_simplified(_korean(v.text)) for v in views if _HAN.search(v.text))
        texts.update(_korean(v.text) for v in views if _HANGUL.search(v.text))
        # One search over the sentences joined, not one per sentence; no cue spans a line break.
        whole = "\n".join(sorted(texts))
        return self._cues["OVER"].search(whole) or (
            self._cues["PAST"].search(whole) and self._cues["RESOLVED"].search(whole)
        )

    def _views(self, sentence: str) -> normalize.Views:
        """The views of a sentence with idioms blanked (spaces kept for the analyser if none)."""
        joined = normalize.joined(sentence)
        plain = self._without_idioms(joined)
        return normalize.views(sentence if plain == joined else plain, plain)

    def _without_idioms(self, sentence: str) -> str:
        """The sentence with everyday phrases (死ぬほど嬉しい, dying to) blanked out."""
        idioms = self._cues["IDIOMS"]
        chars = list(sentence)
        views = {normalize.hiragana(sentence), normalize.latin(sentence)}
        if _chinese(sentence):
            views.add(simplified(sentence))
        for view in views:
            for start, end in idioms.spans(view):
                chars[start:end] = " " * (end - start)
        return "".join(chars)

    def _lowered(self, view: normalize.Views, settled: bool) -> bool:
        """Whether context makes this sentence's phrases no sign of danger now."""
        texts = (view.kana, view.latin, view.romaji, _simplified(view.text), _korean(view.text))
        if self._cues["PRESENT"].search(*texts):
            return False
        return settled or any(
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
        japanese = [(view.text, view.spaced)] if _japanese(view.text) else []
        if view.romaji:
            japanese.append((view.romaji, view.romaji))
        for text, spaced in japanese:
            for hit in self._kana.find(normalize.hiragana(text)):
                add(hit.start, hit.category, text[hit.start : hit.start + len(hit.words)])
            # Spaces, as easy Japanese puts them, help the analyser split words written in kana.
            for position, category, words in self._ja.find(spaced, self._tool.tokens(spaced)):
                add(position, category, words)
        if _chinese(view.text):
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


def _chinese(text: str) -> bool:
    """Whether text reads as Chinese: Han characters, and kana only in a few loanwords."""
    han = len(_HAN.findall(text))
    return han > 0 and len(_HIRAGANA.findall(text)) * 4 < han


def _japanese(text: str) -> bool:
    """Whether the analyser should read text: kana, or Han characters not reading as Chinese."""
    return bool(_KANA.search(text)) or (bool(_HAN.search(text)) and not _chinese(text))


def _korean(text: str) -> str:
    """Korean with the spaces between syllables dropped, as its phrases are written."""
    return _SPACE_IN_HANGUL.sub("", text) if _HANGUL.search(text) else text


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
