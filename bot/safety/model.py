"""The statistical net: a linear model over character n-grams, for danger the phrases miss."""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path

from bot.safety import normalize
from bot.safety.chinese import simplified

WEIGHTS = Path(__file__).with_name("model.json.gz")
SIZES = (1, 2, 3, 4)


def written(text: str) -> str:
    """The text base-folded with CJK spaces dropped: what a model hit quotes from."""
    return normalize.joined(normalize.base(text))


def folded(text: str) -> str:
    """A written text as the model reads it: one script per sound, diacritics and traditional
    characters folded (the same length, so a span of one is a span of the other)."""
    return normalize.hiragana(simplified(normalize.latin(text)))


def grams(text: str) -> set[str]:
    """The character n-grams (1–4) of an already folded text, padded at its ends."""
    padded = f" {text} "
    length = len(padded)
    return {padded[i : i + n] for n in SIZES for i in range(length - n + 1)}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the model makes of a text: how likely danger is, which kind, and why."""

    danger: float
    category: str
    words: str


class Model:
    """A logistic danger weight per n-gram, and softmax category weights read only on a hit."""

    def __init__(
        self,
        categories: Sequence[str],
        danger: tuple[float, Mapping[str, float]],
        category: tuple[Sequence[float], Mapping[str, Sequence[float]]],
        threshold: float,
    ) -> None:
        self.categories = tuple(categories)
        self.danger = danger
        self.category = category
        self.threshold = threshold

    @classmethod
    def from_file(cls, path: Path = WEIGHTS) -> Model:
        """The model written by bot/safety/train.py."""
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        return cls(
            data["categories"],
            (data["danger_bias"], data["danger"]),
            (data["category_bias"], data["category"]),
            data["threshold"],
        )

    def score(self, text: str) -> float:
        """How likely a written text is to suggest danger (0–1)."""
        every = grams(folded(text))
        bias, weights = self.danger
        total = sum(map(weights.get, every, repeat(0.0))) / math.sqrt(max(1, len(every)))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, bias + total))))

    def judge(self, text: str) -> Verdict:
        """Danger probability of a written text, its likeliest category and strongest words."""
        seen = folded(text)
        every = grams(seen)
        bias, weights = self.category
        logits = list(bias)
        for g in every:
            for k, value in enumerate(weights.get(g, ())):
                logits[k] += value
        best = max(range(len(logits)), key=logits.__getitem__)
        danger = self.danger[1]
        strongest = [
            g for g in sorted(every, key=lambda g: -danger.get(g, 0.0))[:3] if danger.get(g)
        ]
        quoted = text if len(text) == len(seen) else seen
        return Verdict(self.score(text), self.categories[best], _phrase(seen, quoted, strongest))


def _phrase(seen: str, text: str, strong: Iterable[str]) -> str:
    """A short phrase of the text around its strongest n-grams (whole words where spaced)."""
    spans = [
        (i, i + len(g.strip())) for g in strong if g.strip() and (i := seen.find(g.strip())) >= 0
    ]
    if not spans:
        return text[:20]
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    if end - start > 24:
        start, end = spans[0]
    while start > 0 and text[start - 1].isalnum() and text[start - 1].isascii():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end].isascii():
        end += 1
    return text[start:end].strip()


@cache
def default_model() -> Model | None:
    """The trained model, loaded once (None when no weights file is installed)."""
    return Model.from_file() if WEIGHTS.exists() else None
