"""`madoguchi chat --channel line`: a LINE resident in the terminal, through the LINE renderer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.i18n import Catalogs

ROOT = Path(__file__).resolve().parent.parent


def _chat(lines: list[str], data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs `python -m bot chat` of this checkout with lines on standard input."""
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


def test_piped_line_chat_completes_a_food_request(tmp_path: Path) -> None:
    """Plain text and quick replies as on LINE; the card in the staff chat says LINE; the
    Telegram console's database is left alone."""
    ja = Catalogs().translator_for("ja")
    lines = ["/start", "2", "1", "2", "1", "1", ja.gettext("Skip"), "2", "1", "2", "1", "22", "1"]
    lines += [ja.gettext("Send"), ":staff", "/queue"]
    result = _chat(lines, tmp_path, "--channel", "line")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert ja.gettext("Thank you. We have received your request.") in out
    assert "[2. " + ja.gettext("Food support") + "]" in out
    assert "[staff chat]" in out and "新規受付" in out and " · LINE" in out
    assert "<b>" not in out
    assert (tmp_path / "madoguchi-line-chat.sqlite3").exists()
    assert not (tmp_path / "madoguchi-chat.sqlite3").exists()
