"""What staff may type for a status, a priority, a queue filter, a partner or a colleague:
the key, the Japanese label, a common short form, or a part of a name only one thing has."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.forms.engine import normalize
from bot.i18n import Translator
from bot.settings import OfficeProfile
from bot.tickets.lifecycle import PRIORITY_LABELS, STATUS_LABELS
from storage.models import Priority, TicketStatus
from storage.staff import StaffDTO

# Short forms staff use in the office, beside each label (keys and labels always work).
STATUS_SHORT = {
    TicketStatus.NEW: ("新", "新着"),
    TicketStatus.ASSIGNED: ("担当済", "担当済み", "担当"),
    TicketStatus.IN_PROGRESS: ("要対応", "作業中", "対応"),
    TicketStatus.WAITING: ("返答待ち", "返事待ち", "本人待ち", "相談者待ち", "待ち"),
    TicketStatus.REFERRED: ("つなぎ", "紹介", "紹介済み"),
    TicketStatus.RESOLVED: ("解決済み", "済み"),
    TicketStatus.CLOSED: ("終了", "クローズ", "完了済み"),
}
PRIORITY_SHORT = {
    Priority.URGENT: ("至急", "最優先"),
    Priority.HIGH: ("高い", "優先"),
    Priority.NORMAL: ("普通", "中"),
    Priority.LOW: ("低い",),
}
CONTACT_SHORT = {
    "phone": ("電話",),
    "office_visit": ("来所", "窓口"),
    "home_visit": ("訪問", "家庭訪問"),
    "accompany": ("同行",),
}
QUEUE_SHORT = {
    "all": ("全部", "すべて", "全件", "未完了"),
    "new": ("新規", "新着"),
    "mine": ("自分", "自分の", "私", "わたし", "me"),
    "urgent": ("緊急", "至急"),
    "unassigned": ("未担当", "担当なし", "担当者なし"),
    "volunteer_centre": ("ボランティア", "ボラセン"),
}
# What staff write after /refer … when they asked the resident and the resident agreed.
# Only words that cannot be read the other way (「同意」 alone could begin 「同意なし」).
AGREED = ("同意あり", "同意済み", "同意済", "本人同意", "本人同意あり", "agreed")
LEADING_NOTE = re.compile(r"^\s*[（(][^）)]*[）)]\s*")
# Typed parts of a name shorter than this are not looked for inside names.
MIN_PART = 2


@dataclass(frozen=True)
class Word:
    """One thing staff can name: its key, the label shown to them, and what they may type."""

    key: str
    label: str
    forms: tuple[str, ...] = ()


def read(typed: str, words: list[Word]) -> list[Word]:
    """The things a typed word names: exact matches of a key, label or short form, else those
    whose label contains it (several: the caller asks which one)."""
    wanted = normalize(typed)
    found = exact(typed, words)
    if found or len(wanted) < MIN_PART:
        return found
    return _unique([w for w in words if wanted in normalize(w.label)])


def exact(typed: str, words: list[Word]) -> list[Word]:
    """The things a typed word names exactly: by key, label or short form."""
    wanted = normalize(typed)
    if not wanted:
        return []
    return _unique(
        [w for w in words if wanted in {normalize(f) for f in (w.key, w.label, *w.forms)}]
    )


def _unique(words: list[Word]) -> list[Word]:
    """Drops repeats of the same key, keeping the first."""
    seen: set[str] = set()
    return [w for w in words if not (w.key in seen or seen.add(w.key))]


def labels(words: list[Word]) -> str:
    """The Japanese labels of some words, as a list to show staff."""
    return "、".join(w.label for w in words)


def statuses(t: Translator, keys: tuple[str, ...] | None = None) -> list[Word]:
    """Ticket statuses (all, or only `keys`)."""
    return [
        Word(key, t.gettext(label), STATUS_SHORT.get(key, ()))
        for key, label in STATUS_LABELS.items()
        if keys is None or key in keys
    ]


def priorities(t: Translator) -> list[Word]:
    """Priority levels."""
    return [
        Word(key, t.gettext(label), PRIORITY_SHORT.get(key, ()))
        for key, label in PRIORITY_LABELS.items()
    ]


def partners(profile: OfficeProfile, locale: str) -> list[Word]:
    """The partner agencies of the office profile, with their short names."""
    return [Word(p.key, p.name.get(locale), tuple(p.aliases)) for p in profile.partners]


def districts(profile: OfficeProfile, locale: str) -> list[Word]:
    """The districts of the office profile (a leading note such as （例） may be left out)."""
    return [
        Word(d.key, d.name.get(locale), (_without_note(d.name.get(locale)), *d.aliases))
        for d in profile.districts
    ]


def _without_note(name: str) -> str:
    """A name without a leading bracketed note: （例）地区1 → 地区1."""
    return LEADING_NOTE.sub("", name)


def colleagues(staff: list[StaffDTO]) -> list[Word]:
    """Active staff members, by user id (key) and display name."""
    return [Word(str(s.telegram_user_id), s.display_name) for s in staff]
