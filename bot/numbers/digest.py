"""The morning digest's text, from its figures (pure: data in, text out; Japanese for staff)."""

from __future__ import annotations

from html import escape

from bot.forms.definitions import FORMS
from bot.i18n import N_, Translator
from bot.numbers.figures import AssigneeLoad, DigestData
from bot.screens import split_text
from bot.tickets.lifecycle import OPEN_STATUSES, STATUS_LABELS

TITLE = N_("Morning digest {day}")
NEW_SINCE = N_("New since the last digest")
NEW_FIRST = N_("New in the last 24 hours (first digest)")
OPEN_BY_STATUS = N_("Open by status")
URGENT = N_("Urgent: {count}")
UNASSIGNED = N_("Unassigned: {count}")
LONGEST = N_("Waiting longest")
OVERDUE = N_("Over target: {count}")
LOAD = N_("Open tickets per staff member")
# 「・佐藤：5件（目標超過1件・返答待ち2件・フォローアップ1件）」 in Japanese.
LOAD_DETAIL = N_("{overdue} over target, {waiting} waiting on the resident, {due} follow-ups due")
FOLLOW_UPS = N_("Follow-ups due today ({count})")
NONE = N_("none")
AGE = N_("{reference} ({days} business days)")
MORE = N_("… and {count} more")
# One counted line: 「・食糧支援：1件」 in Japanese.
COUNT_LINE = N_("・{label}: {count}")


def render_digest(data: DigestData, t: Translator) -> list[str]:
    """The digest as message texts, each under Telegram's limit."""
    lines = [f"<b>{escape(t.gettext(TITLE).format(day=data.day.isoformat()))}</b>", ""]

    def section(title: str, entries: list[str]) -> None:
        lines.append(f"<b>{escape(title)}</b>")
        lines.extend(entries or [escape(t.gettext(NONE))])
        lines.append("")

    def counted(counts: dict[str, int], label) -> list[str]:
        return [
            escape(t.gettext(COUNT_LINE).format(label=label(key), count=n))
            for key, n in counts.items()
            if n
        ]

    def refs(shown: list[str], total: int) -> list[str]:
        entries = [", ".join(escape(r) for r in shown)] if shown else []
        if total > len(shown):
            entries.append(escape(t.gettext(MORE).format(count=total - len(shown))))
        return entries

    def aged(entries: list[tuple[str, int]]) -> list[str]:
        return [escape(t.gettext(AGE).format(reference=r, days=d)) for r, d in entries]

    service_name = lambda key: t.gettext(FORMS[key].title) if key in FORMS else key  # noqa: E731
    section(
        t.gettext(NEW_SINCE if data.since else NEW_FIRST),
        counted(dict(sorted(data.new_by_service.items())), service_name),
    )
    ordered = {s: data.open_by_status.get(s, 0) for s in OPEN_STATUSES}
    section(t.gettext(OPEN_BY_STATUS), counted(ordered, lambda s: t.gettext(STATUS_LABELS[s])))
    section(t.gettext(URGENT).format(count=data.urgent_count), refs(data.urgent, data.urgent_count))
    section(
        t.gettext(UNASSIGNED).format(count=data.unassigned_count),
        refs(data.unassigned, data.unassigned_count),
    )
    section(t.gettext(LONGEST), aged(data.longest_waiting))
    overdue = aged(data.overdue)
    if data.overdue_count > len(data.overdue):
        overdue.append(escape(t.gettext(MORE).format(count=data.overdue_count - len(data.overdue))))
    section(t.gettext(OVERDUE).format(count=data.overdue_count), overdue)
    section(
        t.gettext(FOLLOW_UPS).format(count=len(data.follow_ups)),
        [
            f"・{escape(ref)}" + (f" ({escape(name)})" if name else "")
            for ref, name in data.follow_ups
        ],
    )
    section(t.gettext(LOAD), [assignee_line(load, t) for load in data.by_assignee])
    return [part for part in split_text("\n".join(lines).rstrip()) if part.strip()]


def assignee_line(load: AssigneeLoad, t: Translator) -> str:
    """One staff member's line: open tickets, and what needs them first when anything does."""
    line = t.gettext(COUNT_LINE).format(label=load.name, count=load.open)
    if load.overdue or load.waiting or load.follow_ups:
        detail = t.gettext(LOAD_DETAIL).format(
            overdue=load.overdue, waiting=load.waiting, due=load.follow_ups
        )
        line += f"（{detail}）"
    return escape(line)
