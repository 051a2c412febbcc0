"""Japanese read as lemmas by a morphological analyser, so inflections and kana spellings match."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

_KANA_ONLY = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff]+$")
_HIRAGANA = str.maketrans({chr(k): chr(k - 0x60) for k in range(0x30A1, 0x30F7)})

# Particles and punctuation carry no danger and are often dropped (手首切った = 手首を切った).
_SKIPPED_POS = {"助詞", "補助記号", "空白", "記号"}
# Content words that may stand between two words of a phrase (手首を深く切った).
MAX_GAP = 1
_UNIDIC_FIELDS = 26  # unidic-lite's features; unknown words have fewer and are read the slow way


@dataclass(frozen=True, slots=True)
class Token:
    """One word: its surface, its lemma, and every form it may be matched by."""

    surface: str
    start: int
    lemma: str
    keys: frozenset[str]
    reading: str = ""

    def has(self, item: tuple[str, str]) -> bool:
        """Whether this word is the phrase word (lemma, reading): by lemma, or, when written
        in kana, by reading (いき matches 息 though the analyser took it for 行く)."""
        return item[0] in self.keys or (self.reading == item[1] and _KANA_ONLY.match(self.surface))


class Analyser(Protocol):
    """Splits Japanese text into tokens."""

    def tokens(self, text: str) -> list[Token]: ...


class Sudachi:
    """SudachiPy with the core dictionary; keys are the normalised and dictionary forms."""

    def __init__(self) -> None:
        from sudachipy import Dictionary, SplitMode

        self._tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)

    def tokens(self, text: str) -> list[Token]:
        """The content tokens of text."""
        return [
            Token(
                m.surface(),
                m.begin(),
                m.normalized_form(),
                frozenset((m.normalized_form(), m.dictionary_form(), m.surface())),
                m.reading_form().translate(_HIRAGANA),
            )
            for m in self._tokenizer.tokenize(text)
            if m.part_of_speech()[0] not in _SKIPPED_POS
        ]


class Fugashi:
    """fugashi (MeCab) with unidic-lite; keys are the UniDic lemma and the surface."""

    def __init__(self) -> None:
        import fugashi

        self._tagger = fugashi.Tagger()

    def tokens(self, text: str) -> list[Token]:
        """The content tokens of text."""
        out = []
        end = 0
        for word in self._tagger(text):
            surface = word.surface
            start = text.find(surface, end)
            start = start if start >= 0 else end
            end = start + len(surface)
            pos, lemma, kana = _features(word)
            if pos in _SKIPPED_POS:
                continue
            lemma = (lemma or surface).split("-")[0]
            reading = (kana or surface).translate(_HIRAGANA)
            out.append(Token(surface, start, lemma, frozenset((lemma, surface)), reading))
        return out


def _features(word: object) -> tuple[str, str | None, str | None]:
    """Part of speech, lemma and kana of a UniDic word, read from its raw CSV when plain
    (parsing every feature into a named tuple costs more than the tagging itself)."""
    raw = word.feature_raw
    if '"' not in raw:
        fields = raw.split(",")
        if len(fields) == _UNIDIC_FIELDS:
            return fields[0], _known(fields[7]), _known(fields[17])
    feature = word.feature
    return feature.pos1, feature.lemma, feature.kana


def _known(field: str) -> str | None:
    """A UniDic field, None where the dictionary does not know it."""
    return None if field == "*" else field


@cache
def analyser(name: str = "fugashi") -> Analyser:
    """The named analyser, loaded once."""
    return {"sudachi": Sudachi, "fugashi": Fugashi}[name]()


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase as a sequence of lemmas, with the category it signals."""

    category: str
    words: tuple[tuple[str, str], ...]  # (lemma, reading as written in the phrase)


class PhraseIndex:
    """Japanese phrases indexed by their first lemma, matched against token sequences."""

    def __init__(self, phrases: Iterable[tuple[str, str]], tool: Analyser) -> None:
        self._tool = tool
        self._by_first: dict[str, list[Phrase]] = {}
        for category, text in phrases:
            words = self.words(text)
            if words:
                phrase = Phrase(category, words)
                self._by_first.setdefault(words[0][0], []).append(phrase)
                self._by_first.setdefault(words[0][1], []).append(phrase)

    def words(self, text: str) -> tuple[tuple[str, str], ...]:
        """The (lemma, reading) of each content word of a phrase."""
        return tuple((t.lemma, t.reading) for t in self._tool.tokens(text))

    def find(self, text: str, tokens: Sequence[Token]) -> list[tuple[int, str, str]]:
        """(position, category, words as written) for every phrase found in text's tokens."""
        found = []
        for start, token in enumerate(tokens):
            candidates = {
                id(p): p for k in (*token.keys, token.reading) for p in self._by_first.get(k, ())
            }
            for phrase in candidates.values():
                if token.has(phrase.words[0]):
                    end = _match_rest(phrase.words, tokens, start)
                    if end is not None:
                        begin, last = tokens[start], tokens[end - 1]
                        words = text[begin.start : last.start + len(last.surface)]
                        found.append((begin.start, phrase.category, words))
        return found


def _match_rest(
    words: tuple[tuple[str, str], ...], tokens: Sequence[Token], start: int
) -> int | None:
    """The end of the match of words[1:] after tokens[start], allowing small gaps."""
    pos = start + 1
    for word in words[1:]:
        for skip in range(MAX_GAP + 1):
            if pos + skip < len(tokens) and tokens[pos + skip].has(word):
                pos += skip + 1
                break
        else:
            return None
    return pos
