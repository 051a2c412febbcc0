#!/usr/bin/env python3
"""Sets up and runs madoguchi with nothing but Python 3.11+.

    python3 dev.py start    # the bot: a local chat without a token, Telegram with one
    python3 dev.py test     # the test suite (extra arguments go to pytest)
    python3 dev.py lint     # ruff check and ruff format --check (CI runs it first)
    python3 dev.py catalog  # after changing texts: refresh messages.pot and the .po files

Each command creates ./.venv and installs the project into it on first use, and again
whenever pyproject.toml or requirements.lock changes; dependencies come from
requirements.lock, each checked against its hash.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".madoguchi-installed"
# Every dependency pinned with its hashes (refresh: see the README, "Dependencies").
LOCK = "requirements.lock"


def venv_python() -> Path:
    """The virtual environment's Python."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment() -> Path:
    """Creates the virtual environment and installs the project when needed."""
    # Checked at run time so an older Python gets this message instead of a syntax error.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"madoguchi needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + (ROOT / LOCK).read_bytes()
    ).hexdigest()
    python = venv_python()
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    if not python.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing madoguchi and its dependencies into .venv …", flush=True)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    # Exactly the locked versions, each checked against its recorded hash ...
    subprocess.run([*pip, "install", "--require-hashes", "-r", str(ROOT / LOCK)], check=True)
    # ... then madoguchi itself, which brings nothing more.
    subprocess.run([*pip, "install", "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)
    return python


CATALOG_SCRIPT = """
from pathlib import Path
from babel.messages.pofile import read_po, write_po
pot = Path("locales/messages.pot")
with pot.open("rb") as fh:
    template = read_po(fh)
for po in sorted(Path("locales").glob("*/LC_MESSAGES/messages.po")):
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=po.parts[1])
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    with po.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, no_location=True, width=100)
    missing = sum(1 for m in catalog if m.id and not m.string)
    print(f"{po}: {missing} message(s) to translate")
"""


def main() -> int:
    """Runs `start`, `test`, `lint` or `catalog`."""
    if len(sys.argv) < 2 or sys.argv[1] not in ("start", "test", "lint", "catalog"):
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    python = ensure_environment()
    os.chdir(ROOT)
    if command == "catalog":
        subprocess.run(
            [
                str(python),
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "N_",
                "-o",
                "locales/messages.pot",
                "--no-location",
                "--sort-output",
                "--omit-header",
                ".",
            ],
            check=True,
            capture_output=True,
        )
        return subprocess.call([str(python), "-c", CATALOG_SCRIPT])
    if command == "lint":
        ruff = [str(python), "-m", "ruff"]
        checked = subprocess.call([*ruff, "check", *rest, "."])
        return subprocess.call([*ruff, "format", "--check", *rest, "."]) or checked
    if command == "start":
        args = [str(python), "-m", "bot", *rest]
    else:
        args = [str(python), "-m", "pytest", *rest]
    return subprocess.call(args)


if __name__ == "__main__":
    sys.exit(main())
