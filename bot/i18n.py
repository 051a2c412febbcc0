"""Gettext catalogs from locales/, loaded once, and a translator chosen per recipient."""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from storage.residents import ResidentDTO

LOCALES_DIR = PROJECT_ROOT / "locales"
DEFAULT_LOCALE = "ja"
SUPPORTED_LOCALES = ("ja", "en", "ja_easy", "zh_Hans", "ko", "vi")
STAFF_LOCALE = "ja"
# Each language named in itself, so a resident can find theirs whatever the current locale.
LANGUAGE_NAMES = {
    "ja": "日本語",
    "ja_easy": "やさしい日本語",
    "en": "English",
    "zh_Hans": "简体中文",
    "ko": "한국어",
    "vi": "Tiếng Việt",
}
# Babel's name for each of our locales (dates and numbers).
BABEL_LOCALES = {
    "ja": "ja",
    "ja_easy": "ja",
    "en": "en",
    "zh_Hans": "zh_Hans",
    "ko": "ko",
    "vi": "vi",
}
# Telegram language codes (lower case, first part or whole) for each locale.
TELEGRAM_CODES = {
    "zh": "zh_Hans",
    "zh-hans": "zh_Hans",
    "zh-cn": "zh_Hans",
    "zh-sg": "zh_Hans",
    "ko": "ko",
    "vi": "vi",
    "ja": "ja",
    "en": "en",
}


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated later, for its recipient."""
    return message


@dataclass(frozen=True)
class Translator:
    """Translates messages into one locale."""

    locale: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        """Returns the translation of a message id."""
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Returns the translation of a message id with a plural form."""
        return self.catalog.ngettext(singular, plural, n)


def _load_po(path: Path) -> gettext.GNUTranslations:
    """Compiles a .po file in memory and loads it as gettext translations."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Catalogs:
    """All loaded catalogs; build one per process and pass it explicitly."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self._translators: dict[str, Translator] = {}
        for locale in SUPPORTED_LOCALES:
            po = locales_dir / locale / "LC_MESSAGES" / "messages.po"
            catalog = _load_po(po) if po.exists() else gettext.NullTranslations()
            self._translators[locale] = Translator(locale, catalog)

    def translator_for(self, locale: str | None) -> Translator:
        """Returns the translator for a locale, falling back to the default."""
        return self._translators.get(locale or DEFAULT_LOCALE, self._translators[DEFAULT_LOCALE])


# Japanese dates the way a Japanese office writes them: 11月30日（月）, full-width brackets.
JAPANESE_DAY = "M月d日（E）"
JAPANESE_MOMENT = "y年M月d日（E）H:mm"


def format_day(day, locale: str) -> str:
    """A day for residents, e.g. 11月30日（月） or "Mon, Nov 30" (Babel for other languages)."""
    from babel.dates import format_date, format_skeleton

    babel_locale = BABEL_LOCALES.get(locale, locale)
    if babel_locale == "ja":
        return format_date(day, format=JAPANESE_DAY, locale="ja")
    return format_skeleton("MMMMEd", day, locale=babel_locale)


def format_day_and_time(day, at, locale: str) -> str:
    """A date and a clock time (e.g. staff back at 9:00 on Monday) in the recipient's way."""
    from babel.dates import format_time

    babel_locale = BABEL_LOCALES.get(locale, locale)
    space = "" if babel_locale == "ja" else " "
    return f"{format_day(day, locale)}{space}{format_time(at, format='short', locale=babel_locale)}"


def format_moment(moment, locale: str, tz) -> str:
    """A date and time for residents, e.g. 2026年11月30日（月）5:43 (no seconds)."""
    from babel.dates import format_datetime, format_skeleton, format_time

    babel_locale = BABEL_LOCALES.get(locale, locale)
    local = moment.astimezone(tz)
    if babel_locale == "ja":
        return format_datetime(local, format=JAPANESE_MOMENT, locale="ja")
    day = format_skeleton("yMMMEd", local, locale=babel_locale)
    return f"{day} {format_time(local, format='short', locale=babel_locale)}"


def resident_locale(resident: ResidentDTO) -> str:
    """The resident's chosen locale, else the one of their Telegram app."""
    return resident.locale or locale_from_language_code(resident.language_code)


def locale_from_language_code(language_code: str | None) -> str:
    """Maps Telegram's language code to a supported locale, else the default (Japanese)."""
    if not language_code:
        return DEFAULT_LOCALE
    code = language_code.lower()
    # Traditional Chinese readers are not given simplified Chinese; they get the default.
    if code.startswith("zh-") and code not in TELEGRAM_CODES:
        return DEFAULT_LOCALE
    return TELEGRAM_CODES.get(code) or TELEGRAM_CODES.get(code.split("-")[0], DEFAULT_LOCALE)
