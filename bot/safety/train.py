"""Trains the safety net's statistical model and writes bot/safety/model.json.gz.

Run from the repository root (numpy is needed for training only; the app reads the weights in
pure Python):

    .venv/bin/python -m bot.safety.train            # train on all data, write the weights
    .venv/bin/python -m bot.safety.train --cv 5     # K-fold figures, writes nothing

Data: tests/data/safety/dev/*.tsv (label, category, text) and tests/data/crisis_corpus.tsv
(label, lang, text; its positives take the rules' category and are skipped when the rules miss).
The same data gives the same weights file, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np

from bot.safety.model import WEIGHTS, Model, folded, grams, written
from bot.safety.net import CATEGORIES, SafetyNet

ROOT = Path(__file__).resolve().parents[2]

DEV = ROOT / "tests" / "data" / "safety" / "dev"
CORPUS = ROOT / "tests" / "data" / "crisis_corpus.tsv"
LABELS = ("safe", *CATEGORIES)
MIN_DOCS = 2  # an n-gram seen in fewer training messages is not kept
L2 = 1e-3
STEPS = 400
RATE = 2.0
# Model-only hits must keep this precision on held-out folds; the threshold is the lowest that does.
TARGET_PRECISION = 0.90


def dev_rows() -> list[tuple[str, int, str]]:
    """(file, label index, text) of every dev line; label 0 is safe."""
    rows = []
    for path in sorted(DEV.glob("*.tsv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                label = LABELS.index(row["category"]) if row["label"] == "1" else 0
                rows.append((path.stem, label, row["text"]))
    return rows


def corpus_rows(net: SafetyNet) -> list[tuple[str, int, str]]:
    """The old corpus, its positives labelled with the rules' category (skipped if none)."""
    rows = []
    with CORPUS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["label"] == "0":
                rows.append(("corpus", 0, row["text"]))
            elif hit := net.check(row["text"]):
                rows.append(("corpus", LABELS.index(hit.category), row["text"]))
    return rows


def softmax(docs: list[list[str]], labels: list[int], classes: int) -> tuple[list, dict]:
    """Softmax regression with L2 over L2-normalised n-gram sets, by full-batch gradient descent:
    (bias, {n-gram: weights}) for n-grams seen in at least MIN_DOCS documents."""
    counts = Counter(g for doc in docs for g in doc)
    vocab = sorted(g for g, n in counts.items() if n >= MIN_DOCS)
    index = {g: i for i, g in enumerate(vocab)}
    rows_idx, cols, vals = [], [], []
    for r, doc in enumerate(docs):
        scale = 1 / np.sqrt(max(1, len(doc)))
        for g in doc:
            if g in index:
                rows_idx.append(r)
                cols.append(index[g])
                vals.append(scale)
    rows_idx, cols, vals = np.array(rows_idx), np.array(cols), np.array(vals)
    y = np.zeros((len(docs), classes))
    y[np.arange(len(docs)), labels] = 1
    w = np.zeros((len(vocab), classes))
    b = np.zeros(classes)
    velocity_w, velocity_b = np.zeros_like(w), np.zeros_like(b)
    for _ in range(STEPS):
        part = w[cols] * vals[:, None]
        logits = b + np.stack(
            [np.bincount(rows_idx, part[:, k], minlength=len(docs)) for k in range(classes)], axis=1
        )
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        error = (p - y) / len(docs)
        spread = error[rows_idx] * vals[:, None]
        grad_w = np.stack(
            [np.bincount(cols, spread[:, k], minlength=len(vocab)) for k in range(classes)], axis=1
        )
        grad_w += L2 * w
        velocity_w = 0.9 * velocity_w - RATE * grad_w
        velocity_b = 0.9 * velocity_b - RATE * error.sum(axis=0)
        w += velocity_w
        b += velocity_b
    return b, {g: w[i] for i, g in enumerate(vocab)}


def train(rows: list[tuple[str, int, str]], threshold: float = 0.5) -> Model:
    """The danger model (logistic, safe vs any category) and the category model (positives)."""
    docs = [sorted(grams(folded(written(text)))) for _, _, text in rows]
    labels = [label for _, label, _ in rows]
    b, w = softmax(docs, [int(label > 0) for label in labels], 2)
    danger = {g: round(float(v[1] - v[0]), 4) for g, v in w.items() if abs(v[1] - v[0]) >= 1e-3}
    positive = [(d, label - 1) for d, label in zip(docs, labels, strict=True) if label]
    cb, cw = softmax([d for d, _ in positive], [c for _, c in positive], len(CATEGORIES))
    category = {
        g: [round(float(x), 3) for x in v] for g, v in cw.items() if np.abs(v).max() >= 0.02
    }
    return Model(
        CATEGORIES,
        (round(float(b[1] - b[0]), 4), danger),
        ([round(float(x), 4) for x in cb], category),
        threshold,
    )


def model_score(model: Model, net: SafetyNet, text: str) -> float:
    """The model's danger score as the net uses it (best of message and sentences)."""
    return max((model.score(s) for s in net.model_texts(text)), default=0.0)


def choose_threshold(scores: list[float], labels: list[int]) -> float:
    """The lowest threshold whose model-only precision reaches TARGET_PRECISION."""
    for t in np.arange(0.30, 0.96, 0.025):
        flagged = [label for s, label in zip(scores, labels, strict=True) if s >= t]
        if flagged and sum(1 for label in flagged if label) / len(flagged) >= TARGET_PRECISION:
            return round(float(t), 3)
    return 0.95


def cross_validate(k: int, report: bool = True) -> float:
    """K-fold figures on the dev files (rules alone, model alone, rules + model); the threshold."""
    rules = SafetyNet(statistical=False)
    dev, corpus = dev_rows(), corpus_rows(rules)
    rng = np.random.default_rng(7)
    folds = rng.permutation(len(dev)) % k
    scores = [0.0] * len(dev)
    for fold in range(k):
        model = train(corpus + [r for r, f in zip(dev, folds, strict=True) if f != fold])
        for i, (row, f) in enumerate(zip(dev, folds, strict=True)):
            if f == fold:
                scores[i] = model_score(model, rules, row[2])
    labels = [label for _, label, _ in dev]
    threshold = choose_threshold(scores, labels)
    ruled = [rules.check(text) is not None for _, _, text in dev]
    for name, flags in (
        ()
        if not report
        else (
            ("rules alone", ruled),
            ("model alone", [s >= threshold for s in scores]),
            ("rules + model", [r or s >= threshold for r, s in zip(ruled, scores, strict=True)]),
        )
    ):
        tp = sum(1 for f, y in zip(flags, labels, strict=True) if f and y)
        fp = sum(1 for f, y in zip(flags, labels, strict=True) if f and not y)
        positives = sum(1 for y in labels if y)
        print(
            f"{name:14} recall {tp / positives:.3f}  precision {tp / max(1, tp + fp):.3f}"
            f"  (threshold {threshold})"
        )
    return threshold


def weights_file(model: Model) -> bytes:
    """The model as the gzipped JSON bot/safety/model.py reads (no timestamp, keys sorted)."""
    data = {
        "categories": model.categories,
        "danger_bias": model.danger[0],
        "danger": model.danger[1],
        "category_bias": model.category[0],
        "category": model.category[1],
        "threshold": model.threshold,
    }
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(payload.encode("utf-8"), mtime=0)


def main() -> None:
    """Trains on everything (threshold by cross-validation) and writes the weights file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=0, help="K-fold figures only")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    if args.cv:
        cross_validate(args.cv)
        return
    threshold = cross_validate(5, report=False)
    model = train(corpus_rows(SafetyNet(statistical=False)) + dev_rows(), threshold)
    args.out.write_bytes(weights_file(model))
    print(
        f"wrote {args.out} ({args.out.stat().st_size // 1024} KB, {len(model.danger[1])} n-grams)"
    )


if __name__ == "__main__":
    main()
