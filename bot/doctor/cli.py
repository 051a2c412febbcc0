"""`madoguchi doctor` and `madoguchi profile check`: printing, exit statuses, and the refusal
text `madoguchi run` prints (the same lines as the doctor's)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from bot.doctor.diagnose import ProbeFactory, diagnose, start_refusals
from bot.doctor.model import Said
from bot.doctor.report import as_json, as_text, bilingual, check_lines
from bot.i18n import N_, SUPPORTED_LOCALES, Catalogs
from bot.settings import Settings, load_profile


def doctor(json_output: bool, probes: ProbeFactory) -> int:
    """Prints the checklist; 0 only when every check passed."""
    try:
        settings: Settings | ValidationError = Settings()
    except ValidationError as error:
        settings = error
    checks = asyncio.run(diagnose(settings, probes, datetime.now(UTC)))
    catalogs = Catalogs()
    print(as_json(checks, catalogs) if json_output else as_text(checks, catalogs))
    return 1 if any(check.failed for check in checks) else 0


def start_refusal(settings: Settings, probes: ProbeFactory) -> str | None:
    """The doctor's lines for the checks `run` must not start past, else None."""
    refusals = asyncio.run(start_refusals(settings, probes))
    if not refusals:
        return None
    catalogs = Catalogs()
    return "\n".join(line for check in refusals for line in check_lines(check, catalogs))


def profile_check(path: Path, locales: list[str] | None, show: bool) -> int:
    """Prints every problem of a profile with its line, then the residents' view; 1 on errors."""
    from bot.profile.preview import preview
    from bot.profile.problems import check_file

    catalogs = Catalogs()
    problems = check_file(path)
    for problem in problems:
        where = f"{path}:{problem.line}" if problem.line else f"{path}"
        mark = "✗" if problem.severity == "error" else "!"
        for text in bilingual(problem.said, catalogs):
            print(f"{where}: {mark} {text}")
    errors = sum(p.severity == "error" for p in problems)
    summary = Said(
        N_("{errors} error(s), {warnings} warning(s)."),
        {"errors": errors, "warnings": len(problems) - errors},
    )
    print(" / ".join(bilingual(summary, catalogs)))
    if errors:
        return 1
    if show:
        try:
            retention: Settings = Settings()
        except ValidationError:
            retention = Settings.model_construct()
        chosen = tuple(locales or SUPPORTED_LOCALES)
        unknown = [locale for locale in chosen if locale not in SUPPORTED_LOCALES]
        if unknown:
            print(f"unknown language(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        print(preview(load_profile(path), retention, catalogs, chosen))
    return 0
