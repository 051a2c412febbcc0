"""Every text a person reads has a Japanese translation with the same placeholders."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, Catalogs, locale_from_language_code

PLACEHOLDER = re.compile(r"\{\w*\}")
TAG = re.compile(r"</?\w+>")
ROOT = Path(__file__).resolve().parent.parent


def _catalog(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory):
    """The messages the code uses now, extracted afresh with Babel."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(out),
            "--no-location",
            "--sort-output",
            "--omit-header",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return _catalog(out)


CATALOGUES = sorted(p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))


def test_every_supported_language_has_a_catalogue() -> None:
    """Each language offered in /language has its catalogue (English is the message ids)."""
    from bot.i18n import SUPPORTED_LOCALES

    assert sorted(set(SUPPORTED_LOCALES) - {"en"}) == CATALOGUES


@pytest.mark.parametrize("locale", CATALOGUES)
def test_every_message_in_the_code_is_translated(extracted, locale: str) -> None:
    """A message id used in the code without a translation in any catalogue fails the suite."""
    catalog = _catalog(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po")
    missing = [
        m.id for m in extracted if m.id and not (catalog.get(m.id) and catalog.get(m.id).string)
    ]
    assert missing == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


def _literal_messages() -> set[str]:
    """Every string literal passed to gettext, ngettext or N_ in the code, f-strings included."""
    found: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if (
                name in ("gettext", "ngettext", "N_")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                found.add(first.value)
    return found


def test_extraction_sees_every_message_in_the_code(extracted) -> None:
    """No message hides where Babel cannot see it (for example inside an f-string)."""
    literals = _literal_messages()
    assert len(literals) > 100
    assert sorted(literals - {m.id for m in extracted if m.id}) == []


@pytest.mark.parametrize("locale", CATALOGUES)
def test_translations_keep_placeholders_and_markup(locale: str) -> None:
    """Placeholders and HTML tags in a translation are exactly those of its message id."""
    catalog = _catalog(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po")
    broken = [
        m.id
        for m in catalog
        if m.id
        and (
            sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
            or sorted(TAG.findall(m.id)) != sorted(TAG.findall(m.string))
        )
    ]
    assert broken == []


def test_template_is_up_to_date(extracted) -> None:
    """locales/messages.pot holds exactly the messages the code uses."""
    committed = _catalog(LOCALES_DIR / "messages.pot")
    assert sorted(m.id for m in committed if m.id) == sorted(m.id for m in extracted if m.id)


@pytest.mark.parametrize("locale", CATALOGUES)
def test_translations_differ_from_english(locale: str) -> None:
    """A 'translation' that is a copy of an English sentence is caught."""
    catalog = _catalog(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po")
    copied = [
        m.id
        for m in catalog
        if m.id and m.string == m.id and re.search(r"[a-z]{3,} [a-z]{3,}", m.id)
    ]
    assert copied == []


def test_translator_falls_back_to_japanese() -> None:
    """Unknown locales get Japanese, Telegram codes with regions map to their language."""
    catalogs = Catalogs()
    assert catalogs.translator_for(None).locale == "ja"
    assert catalogs.translator_for("xx").locale == "ja"
    assert locale_from_language_code("en-US") == "en"
    assert locale_from_language_code("ja") == "ja"
    assert locale_from_language_code("pt-br") == "ja"
    assert locale_from_language_code(None) == "ja"
    assert locale_from_language_code("zh-hans") == "zh_Hans"
    assert locale_from_language_code("zh-hant") == "ja"
    assert locale_from_language_code("ko") == "ko"
    assert locale_from_language_code("vi") == "vi"
