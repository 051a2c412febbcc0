"""The safety net's cost: start-up, memory, and time per 500-character message."""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from benchmarks.report import Heading, Line, figure

_ORDINARY = (
    "区役所の手続きについて教えてください。配食サービスは週に何回来てもらえますか。",
    "ボランティア登録の方法を知りたいです。土日なら参加できます。",
    "Is the office open on Saturday? I would like to borrow a wheelchair for my father.",
    "请问社协的地址在哪里？周六办公吗？",
    "푸드뱅크 서류 뭐 필요해요? 토요일에 사무실 열어요?",
    "cho em hỏi văn phòng thứ 7 có mở cửa ko ạ",
)
_SAMPLES = _ORDINARY + (
    "区役所の手続きについて教えてください。配食サービスは週に何回来てもらえますか。",
    "夫に毎日殴られています。もう死にたいです。",
    "ボランティア登録の方法を知りたいです。土日なら参加できます。",
    "I need help filling in forms for the welfare service, and my husband hits me.",
    "请问社协的地址在哪里？我最近一直在想自杀。",
    "푸드뱅크 서류 뭐 필요해요? 요즘 너무 힘들어서 죽고싶당",
    "cho em hỏi văn phòng thứ 7 có mở cửa ko, dạo này em khong muon song nua",
    "kyou de owari ni shimasu. sayounara",
)


@dataclass(frozen=True)
class SafetyFigures:
    """What one measurement found."""

    analyser: str
    start_s: float
    rss_mb: float
    p50_ms: float
    p99_ms: float


def _rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 1e6


def _message(rng: random.Random, samples: tuple[str, ...]) -> str:
    """A 500-character message of samples in several languages."""
    text = ""
    while len(text) < 500:
        text += rng.choice(samples) + " "
    return text[:500]


def measure(analyser: str = "fugashi", messages: int = 2000) -> SafetyFigures:
    """Builds a net with the given Japanese analyser and times it on 500-character messages."""
    before = _rss_mb()
    started = time.perf_counter()
    from bot.safety.net import SafetyNet

    net = SafetyNet(japanese=analyser)
    net.check("起動 warm-up 시작")
    start_s = time.perf_counter() - started
    rss = _rss_mb() - before
    rng = random.Random(12)
    # Half ordinary (every sentence is read), half with danger somewhere.
    texts = [_message(rng, _ORDINARY if i % 2 else _SAMPLES) for i in range(200)]
    for text in texts:
        net.check(text)
    times = []
    for i in range(messages):
        text = texts[i % len(texts)]
        t0 = time.perf_counter()
        net.check(text)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    return SafetyFigures(analyser, start_s, rss, statistics.median(times), p99)


def main(analyser: str = "fugashi") -> None:
    """Prints the figures for one analyser (run each in a fresh process for fair memory)."""
    f = measure(analyser)
    print(f"safety net ({f.analyser}): start-up {f.start_s:.2f} s, RSS +{f.rss_mb:.0f} MB")
    print(f"  per 500-character message: p50 {f.p50_ms:.2f} ms, p99 {f.p99_ms:.2f} ms")


def measured_in_a_fresh_process() -> SafetyFigures:
    """One measurement in a new Python, so start-up and memory are the analysers' own."""
    code = (
        "import dataclasses, json; from benchmarks.safety import measure; "
        "print(json.dumps(dataclasses.asdict(measure())))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return SafetyFigures(**json.loads(done.stdout.splitlines()[-1]))


def safety_rows(runs: int) -> list[Line]:
    """The table's section: the net's start-up, memory and time per 500-character message."""
    found = [measured_in_a_fresh_process() for _ in range(runs)]
    return [
        Heading("Safety net (fugashi + unidic-lite, phrases and the statistical model)"),
        figure("start-up (import, dictionaries, model)", [f.start_s for f in found], "s", 2),
        figure("memory added (RSS)", [f.rss_mb for f in found], "MB", 0),
        figure("500-character message, p50", [f.p50_ms for f in found], "ms", 2),
        figure(
            "500-character message, p99 after warm-up",
            [f.p99_ms for f in found],
            "ms",
            2,
            at_most=2.0,
        ),
    ]


if __name__ == "__main__":
    main(*sys.argv[1:2])
