"""The checklist as people read it (✓/✗ in Japanese, then English) and as monitoring reads it
(JSON)."""

from __future__ import annotations

import json

from bot.doctor.model import Check, Said
from bot.i18n import Catalogs

MARKS = {"ok": "✓", "fail": "✗", "skip": "–"}
READERS = ("ja", "en")


def bilingual(said: Said, catalogs: Catalogs) -> list[str]:
    """A text in Japanese and in English (once when the two read the same)."""
    texts = [said.render(catalogs.translator_for(locale)) for locale in READERS]
    return texts[:1] if texts[0] == texts[1] else texts


def check_lines(check: Check, catalogs: Catalogs) -> list[str]:
    """One check: its mark and what was found, then, when it failed, what to do."""
    lines = [f"{MARKS[check.status]} {text}" for text in bilingual(check.said, catalogs)]
    if check.advice is not None and check.failed:
        lines += [f"    → {text}" for text in bilingual(check.advice, catalogs)]
    return lines


def as_text(checks: list[Check], catalogs: Catalogs) -> str:
    """The whole checklist for a terminal."""
    return "\n".join(line for check in checks for line in check_lines(check, catalogs))


def as_json(checks: list[Check], catalogs: Catalogs) -> str:
    """The checklist for monitoring: ok overall, and each check's key, status and texts."""
    en, ja = catalogs.translator_for("en"), catalogs.translator_for("ja")
    return json.dumps(
        {
            "ok": not any(check.failed for check in checks),
            "checks": [
                {
                    "key": check.key,
                    "status": check.status,
                    "fatal": check.fatal,
                    "message": check.said.render(en),
                    "message_ja": check.said.render(ja),
                    "advice": check.advice.render(en) if check.advice and check.failed else None,
                    "advice_ja": check.advice.render(ja) if check.advice and check.failed else None,
                }
                for check in checks
            ],
        },
        ensure_ascii=False,
        indent=2,
    )
