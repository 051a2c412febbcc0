"""The one printed table: figures (median and min–max over runs, target, verdict) under headings."""

from __future__ import annotations

import math
import os
import platform
import shlex
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LABEL_WIDTH = 50


@dataclass(frozen=True)
class Figure:
    """One row: a figure measured once per run, with an optional target and note."""

    label: str
    values: tuple[float, ...]
    unit: str
    digits: int = 1
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def median(self) -> float:
        """The median over the runs."""
        return statistics.median(self.values)


@dataclass(frozen=True)
class Heading:
    """A section title inside the table."""

    title: str


Line = Figure | Heading


def figure(
    label: str,
    values: Iterable[float],
    unit: str,
    digits: int = 1,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    target: str = "",
    note: str = "",
    p99: bool = False,
) -> Figure:
    """A figure; with a bound, it is met only if every run is within it (with p99, if the
    99th percentile of the values is: many timed runs of one thing, not one figure per run)."""
    values = tuple(values)
    met: bool | None = None
    low = high = percentile(values, 0.99) if p99 else None
    if at_least is not None:
        met = (low if low is not None else min(values)) >= at_least
        target = target or f"≥ {at_least:g}"
    if at_most is not None:
        met = (high if high is not None else max(values)) <= at_most and (met is None or met)
        target = target or f"≤ {at_most:g}"
    if p99 and target:
        target = f"p99 {target}"
    if p99:
        note = f"p99 {_number(percentile(values, 0.99), digits)} {unit}; {note}".rstrip("; ")
    return Figure(label, values, unit, digits, target, met, note)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def _number(value: float, digits: int) -> str:
    """A value with thousands separators and `digits` decimals."""
    return f"{value:,.{digits}f}"


def _row(line: Figure) -> str:
    """One figure as a table row."""
    spread = (
        "(1 run)"
        if len(line.values) == 1
        else f"{_number(min(line.values), line.digits)}–{_number(max(line.values), line.digits)}"
    )
    verdict = "" if line.met is None else ("met" if line.met else "NOT MET")
    text = (
        f"{line.label:{LABEL_WIDTH}} {_number(line.median, line.digits):>11} {spread:>19} "
        f"{line.unit:10} {line.target:>13} {verdict:7}"
    )
    return f"{text} {line.note}".rstrip()


def render(lines: Sequence[Line], with_columns: bool = False) -> str:
    """Headings and rows as text; with_columns puts the column titles first."""
    out = []
    if with_columns:
        out.append(
            f"{'figure':{LABEL_WIDTH}} {'median':>11} {'min–max over runs':>19} "
            f"{'unit':10} {'target':>13} verdict (met: every run within the target)"
        )
    for line in lines:
        out.append(f"\n── {line.title}" if isinstance(line, Heading) else _row(line))
    return "\n".join(out)


def run_count(count: int) -> str:
    """ "1 run" or "3 runs"."""
    return f"{count} run" if count == 1 else f"{count} runs"


def header() -> str:
    """The machine, Python and the exact command line."""
    machine = platform.processor() or platform.machine()
    return (
        f"madoguchi benchmarks: {machine}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()} ({platform.system()})\n"
        f"command: {shlex.join(sys.orig_argv)}"
    )
