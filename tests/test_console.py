"""`madoguchi chat`: the local terminal chat, piped, completes a food-support request in Japanese."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bot.i18n import Catalogs

# The checkout under test (not whichever copy the virtualenv installed).
ROOT = Path(__file__).resolve().parent.parent


def _chat(lines: list[str], data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs `python -m bot chat` with lines on standard input."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.update(MADOGUCHI_DATA_DIR=str(data_dir), PYTHONIOENCODING="utf-8", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=data_dir,
        env=env,
        timeout=120,
    )


def test_piped_chat_completes_a_food_request_in_japanese(tmp_path: Path) -> None:
    """The same Application and handlers on the chat's own SQLite file; the staff chat is shown."""
    ja = Catalogs().translator_for("ja")
    lines = [
        "/start",
        "2",
        "1",
        "2",
        "1",
        "1",
        ja.gettext("Skip"),
        "2",
        "1",
        "2",
        "1",
        "22",
        "1",
        ja.gettext("Send"),
    ]
    result = _chat(lines, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert ja.gettext("Thank you. We have received your request.") in out
    assert "[staff chat]" in out
    assert ja.gettext("Food support") in out
    assert (tmp_path / "madoguchi-chat.sqlite3").exists()
    assert "Traceback" not in result.stderr


def test_the_readmes_piped_example_completes_its_request(tmp_path: Path) -> None:
    """The printf line under "Trying it locally" in README.md does what the README says."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"printf '([^']*)' \| \.venv/bin/madoguchi chat", readme)
    assert example is not None, "README.md no longer shows the piped example"
    lines = example.group(1).split("\\n")
    result = _chat([line for line in lines if line], tmp_path)
    assert result.returncode == 0, result.stderr
    ja = Catalogs().translator_for("ja")
    assert ja.gettext("Thank you. We have received your request.") in result.stdout


def test_chat_resumes_a_draft_from_an_earlier_run(tmp_path: Path) -> None:
    """A second run on the same data directory offers to continue the unfinished request."""
    ja = Catalogs().translator_for("ja")
    first = _chat(["/start", "2", "1", "3"], tmp_path)
    assert first.returncode == 0, first.stderr
    second = _chat(["/start", "1"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert ja.gettext("Continue where I stopped") in second.stdout
    assert "（2/" in second.stdout


def test_console_switches_to_the_staff_group_and_back(tmp_path: Path) -> None:
    """As the admin in the staff group: take the ticket, answer the resident with '^'."""
    ja = Catalogs().translator_for("ja")
    lines = [
        "/start",
        "2",
        "1",
        "2",
        "1",
        "1",
        ja.gettext("Skip"),
        "2",
        "1",
        "2",
        "1",
        "22",
        "1",
        ja.gettext("Send"),
        ":staff",
        ja.gettext("Take this"),
        ":resident",
        "よろしくお願いします",
        ":staff",
        "^ 明日お電話します",
        "/queue",
        ":resident",
    ]
    result = _chat(lines, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[staff chat] " + ja.gettext("Assignee") in out
    assert (
        ja.gettext(
            "Your request {reference} has been taken up by a staff member. They will contact you."
        ).split("{")[0]
        in out
    )
    assert (
        "[staff chat] " + ja.gettext("✓ Delivered to the resident ({reference}).").split("{")[0]
        in out
    )
    assert "\n明日お電話します" in out
