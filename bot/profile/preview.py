"""The office information, crisis lines and privacy notice a resident reads, rendered from a
profile in each language, as plain text for the operator to read before going live."""

from __future__ import annotations

from bot.i18n import LANGUAGE_NAMES, N_, SUPPORTED_LOCALES, Catalogs
from bot.resident import views
from bot.screens import plain
from bot.settings import OfficeProfile, Settings

RULE = "─" * 60
HEADINGS = (N_("Office information"), N_("Crisis lines"), N_("Privacy notice"))


def preview(
    profile: OfficeProfile,
    retention: Settings,
    catalogs: Catalogs,
    locales: tuple[str, ...] = SUPPORTED_LOCALES,
) -> str:
    """The three screens residents see from the profile, in each of the locales."""
    parts = []
    for locale in locales:
        t = catalogs.translator_for(locale)
        crisis = "\n".join(views.crisis_line(line, locale) for line in profile.crisis_lines)
        notice = views.privacy_notice(t, profile, retention, consented=False).text
        office, lines, privacy = (f"[{t.gettext(heading)}]" for heading in HEADINGS)
        parts += [
            RULE,
            f"{LANGUAGE_NAMES.get(locale, locale)} ({locale})",
            RULE,
            office,
            plain(views.office_info(t, profile).text),
            "",
            lines,
            plain(crisis) if crisis else "-",
            "",
            privacy,
            plain(notice),
            "",
        ]
    return "\n".join(parts)
