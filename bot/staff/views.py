"""What staff read: help, refusals, ticket details with history, queue pages, lists (Japanese)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bot import callbacks
from bot.calendar import BusinessCalendar
from bot.forms import engine
from bot.forms.definitions import FORMS
from bot.forms.engine import FormContext
from bot.i18n import N_, Translator
from bot.screens import Button, Document, Screen, plain, rows_of
from bot.settings import OfficeProfile
from bot.staff.cards import MINOR
from bot.tickets.lifecycle import CONTACT_LABELS, PRIORITY_LABELS, STATUS_LABELS, outcome_labels
from storage.staff import AuditDTO, StaffDTO
from storage.tickets import EventDTO, TicketDTO, TicketLine, count_limit

EVENT_LABELS = {
    "created": N_("created"),
    "assigned": N_("assigned"),
    "claimed": N_("taken"),
    "status": N_("status changed"),
    "priority": N_("priority changed"),
    "referred": N_("referred"),
    "closed": N_("closed"),
    "reopened": N_("reopened"),
    "note": N_("internal note"),
    "staff_reply": N_("reply to resident"),
    "reply_delivered": N_("reply delivered"),
    "delivery_failed": N_("delivery failed"),
    "resident_message": N_("message from resident"),
    "viewed": N_("details viewed"),
    "crisis_flagged": N_("crisis words: marked urgent"),
    "erased": N_("personal data erased"),
    "told_taken_up": N_("resident told it was taken up"),
    "reminder": N_("follow-up date set"),
    "contact": N_("contact"),
    "household": N_("linked as one household with"),
    "household_left": N_("taken out of its household"),
    "merged_into": N_("duplicate: merged into"),
    "merged_from": N_("duplicate merged in"),
    "moved_out": N_("resident's message moved to"),
    "moved_in": N_("resident's message moved here from"),
    "volunteer_asked": N_("volunteer asked"),
    "volunteer_accepted": N_("volunteer accepted"),
    "volunteer_declined": N_("volunteer declined"),
}
# How the resident agreed to a referral.
REFERRAL_CONSENT = {
    "intake": N_("agreed at intake"),
    "asked": N_("asked since, and agreed"),
}
# History entries whose detail is the references of other tickets.
LINK_KINDS = ("household", "merged_into", "merged_from", "moved_out", "moved_in")
# Why the system closed a ticket (staff write their own reasons).
SYSTEM_CLOSE_REASONS = {
    "erasure": N_("the resident deleted their data"),
    "retention": N_("retention"),
}
HISTORY_TEXT_KINDS = ("note", "staff_reply", "resident_message")
PERSON_TITLE = N_("The person behind this request: {count} request(s)")
HOUSEHOLD_TITLE = N_("The same household: {count} more request(s)")
CONSENT_ORAL = N_("taken by staff; the person agreed to the privacy notice aloud")
PAGE_AND_TOTAL = N_(" (page {page}/{pages}, {count} in all)")
REPLY_HINT = N_(
    "To answer a resident, reply to their message in this group or use the card's Reply "
    "button. Anything else said in the group stays internal."
)
AUDIT_LABELS = {
    "admin_as_staff": N_("admin became staff"),
    "admin_revoked": N_("former admin no longer staff"),
    "staff_add": N_("staff member added"),
    "staff_remove": N_("staff member removed"),
    "export": N_("export"),
    "report": N_("monthly report"),
    "search": N_("search"),
    "canned_save": N_("canned reply saved"),
    "canned_remove": N_("canned reply removed"),
    "staff_invite_created": N_("staff invitation made"),
    "staff_invite_opened": N_("staff invitation opened"),
    "staff_invite_confirmed": N_("staff invitation confirmed"),
    "staff_invite_declined": N_("staff invitation declined"),
    "staff_invite_expired": N_("expired staff invitation opened"),
    "staff_invite_reused": N_("used staff invitation opened again"),
}
# How many of the latest history entries a ticket's details show; the rest come as a file.
HISTORY_SHOWN = 15


def bold(text: str) -> str:
    """Wraps our own (already safe) text in bold markup."""
    return f"<b>{text}</b>"


def refusal(t: Translator) -> Screen:
    """The answer to anyone who is not staff: it reveals nothing about tickets."""
    return Screen(t.gettext("Sorry, this is only for council staff."))


def ticket_line(
    ticket: TicketLine, t: Translator, calendar: BusinessCalendar, now, names: dict[int, str]
) -> str:
    """One line of a ticket list: reference, service, priority, status, age, assignee."""
    age = calendar.business_days_between(ticket.created_at, now)
    assignee = (
        names.get(ticket.assignee_id, t.gettext("Unassigned"))
        if ticket.assignee_id
        else t.gettext("Unassigned")
    )
    return t.gettext(
        "{reference} · {service} · {priority} · {status} · {age} business days · {assignee}"
    ).format(
        reference=escape(ticket.reference),
        service=escape(t.gettext(FORMS[ticket.service].title)),
        priority=escape(t.gettext(PRIORITY_LABELS[ticket.priority])),
        status=escape(t.gettext(STATUS_LABELS[ticket.status])),
        age=age,
        assignee=escape(assignee),
    )


def ticket_list(
    title: str,
    tickets: list[TicketLine],
    total: int,
    page: int,
    page_size: int,
    t: Translator,
    calendar: BusinessCalendar,
    now,
    names: dict[int, str],
    page_data: Callable[[int], str] | None,
) -> Screen:
    """A page of tickets with a button to open each and buttons to turn pages.

    `title` is HTML (callers escape what a person typed).
    """
    if not tickets:
        return Screen(f"<b>{title}</b>\n" + t.gettext("No tickets."))
    limit = count_limit(page * page_size, page_size)
    more = total > limit  # counted only this far: "1000+"
    pages = (min(total, limit) + page_size - 1) // page_size
    count = f"{limit}+" if more else str(total)
    position = t.gettext(PAGE_AND_TOTAL).format(
        page=page + 1, pages=f"{pages}{'+' if more else ''}", count=count
    )
    lines = [f"<b>{title}</b>{escape(position)}"]
    lines += [ticket_line(tk, t, calendar, now, names) for tk in tickets]
    buttons = [Button(tk.reference, callbacks.staff(tk.id, "view")) for tk in tickets]
    rows = list(rows_of(buttons, 3))
    nav = []
    if page_data is not None and page > 0:
        nav.append(Button("◀ " + t.gettext("Previous"), page_data(page - 1)))
    if page_data is not None and (page + 1 < pages or more):
        nav.append(Button(t.gettext("Next") + " ▶", page_data(page + 1)))
    if nav:
        rows.append(tuple(nav))
    return Screen("\n".join(lines), tuple(rows))


def ticket_details(
    ticket: TicketDTO,
    ctx: FormContext,
    profile: OfficeProfile,
    events: list[EventDTO],
    names: dict[int, str],
    actor_names: dict[int, str],
    calendar: BusinessCalendar,
    now,
    tz,
) -> tuple[Screen, Document | None]:
    """Everything about a ticket: state, contact, every answer and the latest history; a
    longer history comes whole as a text file beside it."""
    t = ctx.t
    summary = _ticket_summary(ticket, ctx, profile, names, calendar, now)
    history = [_history_line(event, t, profile, actor_names, tz) for event in events]
    shown = history[-HISTORY_SHOWN:]
    lines = [*summary, "―――", bold(t.gettext("History"))]
    if len(shown) < len(history):
        lines.append(
            escape(
                t.gettext("(the latest {shown} of {total}; the whole history is in the file)")
            ).format(shown=len(shown), total=len(history))
        )
    lines += shown
    if len(shown) == len(history):
        return Screen("\n".join(lines)), None
    whole = "\n".join([*summary, "―――", bold(t.gettext("History")), *history])
    return Screen("\n".join(lines)), Document(
        f"madoguchi-{ticket.reference}-history.txt",
        plain(whole).encode("utf-8"),
        escape(t.gettext("History of {reference}").format(reference=ticket.reference)),
    )


def _ticket_summary(
    ticket: TicketDTO,
    ctx: FormContext,
    profile: OfficeProfile,
    names: dict[int, str],
    calendar: BusinessCalendar,
    now,
) -> list[str]:
    """A ticket's state, contact and every answer, as HTML lines."""
    t = ctx.t
    form = FORMS[ticket.service]
    district = profile.district(ticket.district_key) if ticket.district_key else None
    lines = [
        f"<b>{escape(ticket.reference)}</b> · {escape(t.gettext(form.title))}",
        ticket_line(ticket, t, calendar, now, names),
        t.gettext("District: {district}").format(
            district=escape(district.name.get(t.locale) if district else t.gettext("Don't know"))
        ),
    ]
    if ticket.minor:
        lines.append(escape(t.gettext(MINOR)))
    if ticket.phone:
        lines.append(
            t.gettext("Phone: {phone}").format(phone=escape(engine.format_phone(ticket.phone)))
        )
    if ticket.referred_to:
        partner = profile.partner(ticket.referred_to)
        lines.append(
            t.gettext("Referred to: {partner}").format(
                partner=escape(partner.name.get(t.locale) if partner else ticket.referred_to)
            )
        )
    lines.append("―――")
    for step, answer in engine.review_items(
        form,
        engine.DraftState(form=form.key, step=None, mode="review", answers=ticket.answers),
        ctx,
    ):
        lines.append(f"<b>{escape(t.gettext(step.label))}</b>: {escape(answer)}")
    return lines


def _close_detail(data: dict, t: Translator, profile: OfficeProfile) -> str:
    """What came of a closed ticket and why, as staff read it."""
    parts = []
    outcomes = outcome_labels(profile, t)
    if data.get("outcome") in outcomes:
        parts.append(outcomes[data["outcome"]])
    reason = data.get("reason")
    if reason:
        label = SYSTEM_CLOSE_REASONS.get(reason)
        parts.append(t.gettext(label) if label else reason)
    return "・".join(parts)


def _history_line(
    event: EventDTO, t: Translator, profile: OfficeProfile, actor_names: dict[int, str], tz
) -> str:
    """One entry of a ticket's history: when, who, what (HTML)."""
    when = event.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    who = actor_names.get(event.actor_id or 0) or (
        t.gettext("resident") if event.actor_type == "resident" else t.gettext("system")
    )
    label = t.gettext(EVENT_LABELS.get(event.kind, event.kind))
    detail = ""
    if event.kind in HISTORY_TEXT_KINDS and event.data.get("text"):
        detail = ": " + escape(event.data["text"])
    elif event.kind == "status":
        detail = ": " + escape(t.gettext(STATUS_LABELS.get(event.data.get("to"), "")))
    elif event.kind == "created" and event.data.get("consent") == "oral":
        detail = ": " + escape(t.gettext(CONSENT_ORAL))
    elif event.kind == "contact" and event.data.get("type") in CONTACT_LABELS:
        detail = ": " + escape(t.gettext(CONTACT_LABELS[event.data["type"]]))
        if event.data.get("note"):
            detail += " " + escape(event.data["note"])
    elif event.kind == "reminder":
        detail = ": " + escape(event.data.get("on") or "–")
        if event.data.get("note"):
            detail += " " + escape(event.data["note"])
    elif event.kind == "referred":
        partner = profile.partner(event.data.get("partner", ""))
        detail = ": " + escape(partner.name.get(t.locale) if partner else "")
        if event.data.get("consent") in REFERRAL_CONSENT:
            detail += escape(f"（{t.gettext(REFERRAL_CONSENT[event.data['consent']])}）")
    elif event.kind in LINK_KINDS and event.data.get("with"):
        detail = " " + escape("、".join(event.data["with"]))
    elif event.kind.startswith("volunteer_") and event.data.get("volunteer"):
        detail = ": " + escape(event.data["volunteer"])
    elif event.kind == "closed" and (event.data.get("reason") or event.data.get("outcome")):
        detail = ": " + escape(_close_detail(event.data, t, profile))
    return f"{when} {escape(who)} – {label}{detail}"


def staff_list(t: Translator, staff: list[StaffDTO], profile: OfficeProfile) -> Screen:
    """Every active staff member with their id, name, @username (when known) and districts."""
    if not staff:
        return Screen(
            escape(t.gettext("No staff yet. Admins add staff with /staff add <user id> <name>."))
        )
    lines = [bold(t.gettext("Staff"))]
    for member in staff:
        districts = ", ".join(
            (profile.district(k).name.get(t.locale) if profile.district(k) else k)
            for k in member.districts
        )
        lines.append(
            f"{member.telegram_user_id} · {escape(member.display_name)}"
            + (f" · @{escape(member.username)}" if member.username else "")
            + (f" · {escape(districts)}" if districts else "")
        )
    return Screen("\n".join(lines))


def audit_list(
    t: Translator,
    events: list[EventDTO],
    audit: list[AuditDTO],
    references: dict[int, str],
    tz,
    limit: int,
) -> Screen:
    """Recent ticket events and staff actions, newest first, without any content."""
    rows = [
        (
            e.created_at,
            e.actor_id,
            f"{references.get(e.ticket_id, '?')} " + t.gettext(EVENT_LABELS.get(e.kind, e.kind)),
        )
        for e in events
    ]
    rows += [
        (a.created_at, a.actor_id, t.gettext(AUDIT_LABELS.get(a.action, a.action))) for a in audit
    ]
    rows.sort(key=lambda r: r[0], reverse=True)
    lines = [bold(t.gettext("Recent audit events"))]
    lines += [
        f"{when.astimezone(tz).strftime('%Y-%m-%d %H:%M')} {actor or '-'} {escape(what)}"
        for when, actor, what in rows[:limit]
    ]
    return Screen("\n".join(lines))


def person_view(
    tickets: list[TicketDTO],
    notes: dict[int, list[str]],
    t: Translator,
    calendar: BusinessCalendar,
    now,
    names: dict[int, str],
    household: list[TicketDTO] = (),
) -> Screen:
    """Everything staff know about one resident: each of their requests (newest first) with
    its notes, and the phone numbers they gave; then the other requests of their household."""
    lines = [bold(escape(t.gettext(PERSON_TITLE).format(count=len(tickets))))]
    phones = dict.fromkeys(engine.format_phone(tk.phone) for tk in tickets if tk.phone)
    if phones:
        lines.append(escape(t.gettext("Phone: {phone}").format(phone="、".join(phones))))

    def listed(group: list[TicketDTO]) -> None:
        for ticket in sorted(group, key=lambda tk: (tk.created_at, tk.id), reverse=True):
            lines.extend(["", ticket_line(ticket, t, calendar, now, names)])
            lines.extend(f"・{escape(note)}" for note in notes.get(ticket.id, []))

    listed(tickets)
    if household:
        lines += ["", bold(escape(t.gettext(HOUSEHOLD_TITLE).format(count=len(household))))]
        listed(list(household))
    return Screen("\n".join(lines))
