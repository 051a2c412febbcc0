"""`madoguchi profile check FILE`: every problem of a broken profile at its line in plain words;
the example profile passes only with a warning for each example value; the residents' view."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.i18n import Catalogs
from bot.profile.lines import LineMap
from bot.profile.problems import check_file, check_text
from bot.settings import EXAMPLE_PROFILE

GOOD_PROFILE = (Path(__file__).parent / "data" / "office_profile.test.toml").read_text(
    encoding="utf-8"
)

BROKEN = """\
phone = 45
adress = "typo"

[name]
en = "No Japanese"

[hours]
ja = "平日"

[counter]
ja = "窓口"

[[districts]]
key = "d01"
name = { ja = "地区", en = 3 }

[[partners]]
key = "Bad Key"
name = { ja = "x" }

[[crisis_lines]]
number = "110"
name = { ja = "警察" }
hours = { ja = "24時間" }
verified = true

[[crisis_lines.open]]
days = "sometimes"
opens = "9am"
closes = 17:00:00
"""


def english(problems) -> list[tuple[int | None, str, str]]:
    """Each problem as (line, severity, English text)."""
    t = Catalogs().translator_for("en")
    return [(p.line, p.severity, p.said.render(t)) for p in problems]


def test_every_problem_of_a_broken_profile_has_its_line_and_plain_words() -> None:
    """Wrong types, a missing key, an unknown key, a bad pattern, a bad choice, a bad time."""
    assert english(check_text(BROKEN)) == [
        (None, "error", "address is missing."),
        (1, "error", "phone must be text in quotes."),
        (2, "error", "Unknown key adress: the bot ignores it. Check its spelling."),
        (4, "error", "name.ja is missing."),
        (15, "error", "districts[1].name.en must be text in quotes."),
        (18, "error", "partners[1].key has characters that are not allowed here."),
        (28, "error", "crisis_lines[1].open[1].days must be one of: 'daily' or 'weekdays'."),
        (
            29,
            "error",
            "crisis_lines[1].open[1].opens must be a time written as 09:00:00 (without quotes).",
        ),
    ]


def test_a_toml_syntax_error_names_its_line() -> None:
    """tomllib's own position is kept."""
    [(line, severity, text)] = english(check_text('phone = "1"\n[name\nja = "x"\n'))
    assert (line, severity) == (2, "error") and text.startswith("The file is not valid TOML.")


def test_the_example_profile_passes_with_a_warning_for_each_example_value() -> None:
    """No error; every line holding a marked placeholder and every unverified line is flagged."""
    problems = check_file(EXAMPLE_PROFILE)
    assert [p for p in problems if p.severity == "error"] == []
    text = EXAMPLE_PROFILE.read_text(encoding="utf-8").splitlines()
    marked = {
        number
        for number, line in enumerate(text, start=1)
        if not line.lstrip().startswith("#") and re.search(r"（例）|\(example\)|000-0000", line)
    }
    unverified = {
        number for number, line in enumerate(text, start=1) if line.startswith("verified = false")
    }
    assert len(marked) > 20 and len(unverified) == 8
    example_lines = {p.line for p in problems if p.kind == "example"}
    assert marked <= example_lines
    assert {p.line for p in problems if p.kind == "unverified"} == unverified
    assert 16 in example_lines  # `example = true` itself


def test_the_command_exits_0_on_warnings_and_1_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Problems are printed as FILE:LINE; errors make the status 1 and skip the preview."""
    assert main(["profile", "check", str(EXAMPLE_PROFILE), "--no-preview"]) == 0
    output = capsys.readouterr().out
    assert f"{EXAMPLE_PROFILE}:17: ! phone is still an example value (“000-0000”)." in output
    warnings = len(check_file(EXAMPLE_PROFILE))
    assert warnings > 100 and output.rstrip().endswith(f"0 error(s), {warnings} warning(s).")
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    assert main(["profile", "check", str(broken)]) == 1
    output = capsys.readouterr().out
    assert f"{broken}:1: ✗ phone must be text in quotes." in output
    assert "Privacy notice" not in output


def test_the_preview_shows_what_residents_read_in_each_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Office information, crisis lines and the privacy notice, per locale, from the file."""
    good = tmp_path / "profile.toml"
    good.write_text(GOOD_PROFILE, encoding="utf-8")
    assert main(["profile", "check", str(good)]) == 0
    output = capsys.readouterr().out
    sections = output.split("─" * 60)
    english_part = next(part for part in sections if "Test Council of Social Welfare" in part)
    assert "☎ 110 Police · 24 hours" in english_part
    assert "How we handle your information (full notice)" in output
    for heading in ("日本語 (ja)", "English (en)", "한국어 (ko)", "Tiếng Việt (vi)"):
        assert heading in output
    # Korean readers get the English name (no Korean given), as the bot would show it.
    korean = sections[sections.index(next(s for s in sections if "한국어 (ko)" in s)) + 1]
    assert "Test Council of Social Welfare" in korean and "☎ 110 Police" in korean
    assert main(["profile", "check", str(good), "--language", "ja"]) == 0
    only_ja = capsys.readouterr().out
    assert "テスト社会福祉協議会" in only_ja and "English (en)" not in only_ja


def test_line_map_counts_nested_arrays_of_tables() -> None:
    """[[a]] then [[a.b]] twice then [[a]] again: each entry and its keys have their lines."""
    lines = LineMap("[[a]]\nx = 1\n[[a.b]]\ny = 2\n[[a.b]]\ny = 3\n[a.c]\nz = { k = 1 }\n[[a]]\n")
    assert lines.line_of(("a", 0, "x")) == 2
    assert lines.line_of(("a", 0, "b", 1, "y")) == 6
    assert lines.line_of(("a", 0, "c", "z", "k")) == 8
    assert lines.line_of(("a", 1, "missing")) == 9


def test_a_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is reported, with status 1, not a traceback."""
    missing = tmp_path / "nowhere.toml"
    assert main(["profile", "check", str(missing)]) == 1
    assert f"{missing}: ✗ The file cannot be read." in capsys.readouterr().out
