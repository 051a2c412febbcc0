"""Phrase lists compiled for speed: patterns grouped by the characters they can start with."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

try:  # the parser re itself uses; only to learn which characters a pattern can start with
    from re import _constants as _c
    from re import _parser as _sre
except ImportError:  # pragma: no cover - other Pythons: every pattern is scanned everywhere
    _sre = _c = None


@dataclass(frozen=True, slots=True)
class Found:
    """A phrase found in one view of a sentence."""

    start: int
    category: str
    words: str


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of pattern can begin with, or None when that is not known."""
    if _sre is None:
        return None
    try:
        return _first(list(_sre.parse(pattern)))
    except Exception:  # noqa: BLE001 - any surprise just means "not known"
        return None


def _first(items: list) -> frozenset[str] | None:
    """First characters of a parsed sequence (None if it may be empty or is too open)."""
    if not items:
        return None
    op, arg = items[0]
    if op is _c.LITERAL:
        return frozenset(chr(arg))
    if op is _c.IN:
        chars = set()
        for kind, value in arg:
            if kind is _c.LITERAL:
                chars.add(chr(value))
            elif kind is _c.RANGE and value[1] - value[0] < 64:
                chars.update(chr(v) for v in range(value[0], value[1] + 1))
            else:
                return None
        return frozenset(chars)
    if op is _c.SUBPATTERN:
        return _first(list(arg[-1]))
    if op is _c.BRANCH:
        sets = [_first(list(branch)) for branch in arg[1]]
        return None if any(s is None for s in sets) else frozenset().union(*sets)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and arg[0] >= 1:
        return _first(list(arg[2]))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and len(items) > 1:  # optional: it or what follows
        here, rest = _first(list(arg[2])), _first(items[1:])
        return None if here is None or rest is None else here | rest
    if op is _c.AT or op is _c.ASSERT_NOT or op is _c.ASSERT:
        return _first(items[1:])
    return None


class PhraseSet:
    """Many (category, regex) pairs; at each position only those that can start there run."""

    def __init__(self, patterns: Iterable[tuple[str, str]], *, words: bool = False) -> None:
        self._categories: list[str] = []
        self._words = words
        grouped: dict[str, list[str]] = {}
        anywhere: list[str] = []
        for category, pattern in patterns:
            part = f"(?P<p{len(self._categories)}>{pattern})"
            self._categories.append(category)
            chars = first_chars(pattern)
            if chars is None:
                anywhere.append(part)
            for char in chars or ():
                grouped.setdefault(char, []).append(part)
        end = r"(?![\w'])" if words else ""
        self._by_char = {c: re.compile(f"(?:{'|'.join(ps)}){end}") for c, ps in grouped.items()}
        start = r"(?<![\w'])" if words else ""
        self._anywhere = re.compile(f"{start}(?:{'|'.join(anywhere)}){end}") if anywhere else None
        # Where a phrase may begin, found by the regex engine rather than a loop over characters.
        chars = "".join(sorted(re.escape(c) for c in grouped))
        self._starts = re.compile(f"{start}[{chars}]") if chars else None

    def find(self, text: str) -> Iterator[Found]:
        """Every phrase found in text (possibly overlapping)."""
        if self._starts is not None:
            by_char = self._by_char
            for start in self._starts.finditer(text):
                i = start.start()
                m = by_char[text[i]].match(text, i)
                if m:
                    yield self._found(m)
        if self._anywhere is not None:
            for m in self._anywhere.finditer(text):
                yield self._found(m)

    def _found(self, m: re.Match[str]) -> Found:
        """The Found for a match of one named alternative."""
        return Found(m.start(), self._categories[int(m.lastgroup[1:])], m.group())


class CueSet:
    """Context cues (negation, past, …) of one kind, any language, indexed like phrases."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self._set = PhraseSet(("", p) for p in patterns)

    def search(self, *texts: str | None) -> bool:
        """Whether a cue occurs in any of the texts."""
        return any(t and next(self._set.find(t), None) is not None for t in texts)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where cues occur in text (possibly overlapping)."""
        return [(f.start, f.start + len(f.words)) for f in self._set.find(text) if f.words]

    def remove(self, text: str) -> str:
        """The text with every cue blanked out (same length, so positions hold)."""
        chars = list(text)
        for start, end in self.spans(text):
            chars[start:end] = " " * (end - start)
        return "".join(chars)
