"""The safety net on the frozen test split: written before any tuning, never edited, never tuned on.

Recall and precision are reported by language and by category, and must meet the targets:
recall 0.95 overall and 0.90 in every language and category, precision 0.80.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

from bot.safety import CATEGORIES, default_net

FROZEN = Path(__file__).parent / "data" / "safety" / "frozen"
# The hash of SHA256SUMS, so the files and their sums cannot be changed together unnoticed.
SUMS_HASH = "df9f8323e85d848513cf953d9ec0d079eb8715af6a40fbef3da563a0e2db49cd"
LANGUAGES = ("ja", "easy", "en", "zh", "ko", "vi")
TARGETS = {"recall": 0.95, "recall_each": 0.90, "precision": 0.80}


def test_the_frozen_split_is_unchanged() -> None:
    """Every file of the split has the hash it was committed with."""
    sums = (FROZEN / "SHA256SUMS").read_bytes()
    assert hashlib.sha256(sums).hexdigest() == SUMS_HASH
    for line in sums.decode().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((FROZEN.parent / name).read_bytes()).hexdigest() == digest, name


def rows() -> list[dict[str, str]]:
    """Every labelled message of the split, with its language."""
    found = []
    for lang in LANGUAGES:
        with (FROZEN / f"{lang}.tsv").open(encoding="utf-8") as fh:
            found += [{**row, "lang": lang} for row in csv.DictReader(fh, delimiter="\t")]
    return found


def test_recall_and_precision_on_the_frozen_split() -> None:
    """Reports the figures by language and category; fails below the targets."""
    net = default_net()
    tp, fn, fp = Counter(), Counter(), Counter()
    for row in rows():
        hit = net.check(row["text"]) is not None
        danger = row["label"] == "1"
        for key in ("all", row["lang"], *([row["category"]] if danger else [])):
            tp[key] += hit and danger
            fn[key] += danger and not hit
            fp[key] += hit and not danger

    def recall(key: str) -> float:
        return tp[key] / (tp[key] + fn[key])

    def precision(key: str) -> float:
        return tp[key] / max(tp[key] + fp[key], 1)

    lines = [f"frozen split: {tp['all'] + fn['all']} in danger of {len(rows())} messages"]
    for key in ("all", *LANGUAGES):
        lines.append(f"  {key:6} recall {recall(key):.3f}  precision {precision(key):.3f}")
    for key in CATEGORIES:
        lines.append(f"  {key:16} recall {recall(key):.3f} ({tp[key]}/{tp[key] + fn[key]})")
    each = min(recall(key) for key in (*LANGUAGES, *CATEGORIES))
    met = (
        recall("all") >= TARGETS["recall"]
        and each >= TARGETS["recall_each"]
        and precision("all") >= TARGETS["precision"]
    )
    lines.append(f"  issue targets {'met' if met else 'NOT met'}: {TARGETS}")
    print("\n" + "\n".join(lines))
    assert met, "\n".join(lines)
