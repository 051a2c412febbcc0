"""The staff card of a ticket, always in the staff language (Japanese), with its buttons."""

from __future__ import annotations

from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.forms import engine
from bot.forms.definitions import FORMS
from bot.forms.engine import FormContext
from bot.i18n import LANGUAGE_NAMES, N_, STAFF_LOCALE, format_day
from bot.screens import Button, Screen, rows_of
from bot.services import Services
from bot.tickets.lifecycle import (
    PRIORITY_LABELS,
    SETTABLE_STATUSES,
    STATUS_LABELS,
    district_coordinator,
    is_open,
    outcome_labels,
)
from storage.canned import CannedDTO, canned_replies
from storage.line import resident_channel, waiting_for_quota
from storage.staff import StaffDTO, get_staff
from storage.tickets import TicketDTO

# A card is one message, so its buttons stay on it: long answers (when the card shows them)
# are shortened here (the whole text is in /ticket).
CARD_ANSWER_LIMIT = 300
# Cards are in Japanese: a label and its value are joined by a full-width colon.
COLON = "："
CARD_TEXT_LIMIT = 3900

NEW_REQUEST = N_("New request {reference}")
SERVICE = N_("Service")
PRIORITY = N_("Priority")
STATUS = N_("Status")
ASSIGNEE = N_("Assignee")
UNASSIGNED = N_("Unassigned")
SUGGESTED = N_("{name} (district coordinator, suggested)")
DISTRICT = N_("District")
CONTACT = N_("Contact")
RECEIVED = N_("Received")
LAST_ACTIVITY = N_("Last activity")
LANGUAGE = N_("Language")
REFERRED_TO = N_("Referred to")
ENTERED_BY_STAFF = N_("Entered by staff ({name})")
UNREACHABLE = N_("⚠ The resident cannot be reached through the bot (they blocked it).")
LINE_QUOTA = N_(
    "⚠ LINE's monthly message quota is used up: messages to this resident wait until next month."
)
DETAILS_BY_COMMAND = N_("Details: /ticket {reference} (sent to you privately)")
MINOR = N_("⚠ The resident said they are under 18: no details were asked. Please follow up.")

CLAIM = N_("Take this")
CHANGE_STATUS = N_("Status")
CHANGE_PRIORITY = N_("Priority")
REFER = N_("Refer")
REPLY = N_("Reply")
CANNED = N_("Canned reply")
CANNED_CHOOSE = N_("Which canned reply? You will see it before it is sent.")
CANNED_NONE_YET = N_("There are no canned replies yet: admins add them with /canned 追加.")
CLOSE = N_("Close")
FOLLOW_UP_ON = N_("⏰ Follow up on {day}")
CLOSE_QUESTION = N_("Close this request? Choose what came of it (Back keeps it open).")
REOPEN = N_("Reopen")
BACK = N_("Back")


def staff_form_context(services: Services) -> FormContext:
    """The form context in the staff language."""
    return FormContext(
        services.catalogs.translator_for(STAFF_LOCALE), services.dynamic_choices(STAFF_LOCALE)
    )


def mention(staff: StaffDTO) -> str:
    """A staff member's name as a Telegram mention (HTML)."""
    return f'<a href="tg://user?id={staff.telegram_user_id}">{escape(staff.display_name)}</a>'


async def render_card(
    session: AsyncSession, services: Services, ticket: TicketDTO, menu: str = "main"
) -> Screen:
    """Builds the card staff see for a ticket, showing its current state, with buttons."""
    ctx = staff_form_context(services)
    t = ctx.t
    form = FORMS[ticket.service]
    tz = services.settings.tz
    assignee = await get_staff(session, ticket.assignee_id) if ticket.assignee_id else None
    # The assignee (or suggested 地区担当) is mentioned, so Telegram notifies them.
    if assignee is not None:
        assignee_html = mention(assignee)
    else:
        assignee_html = escape(t.gettext(UNASSIGNED))
        if services.settings.district_routing == "suggest" and is_open(ticket):
            suggested = await district_coordinator(session, services, ticket.district_key)
            if suggested is not None:
                assignee_html += " – " + escape(t.gettext(SUGGESTED)).format(
                    name=mention(suggested)
                )
    district = services.profile.district(ticket.district_key) if ticket.district_key else None
    shows = set(services.settings.card_shows)
    channel = await resident_channel(session, ticket.resident_id)
    fields = [
        (SERVICE, t.gettext(form.title)),
        (PRIORITY, t.gettext(PRIORITY_LABELS[ticket.priority])),
        (STATUS, t.gettext(STATUS_LABELS[ticket.status])),
        (DISTRICT, district.name.get(STAFF_LOCALE) if district else t.gettext("Don't know")),
    ]
    if shows & {"contact", "phone"}:
        fields.append((CONTACT, _contact(ticket, ctx, shows)))
    if "received" in shows:
        fields.append((RECEIVED, ticket.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
    if "last_activity" in shows:
        fields.append(
            (LAST_ACTIVITY, ticket.last_activity_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
        )
    if "language" in shows:
        fields.append((LANGUAGE, LANGUAGE_NAMES.get(ticket.locale, ticket.locale)))
    if ticket.referred_to and "referred" in shows:
        partner = services.profile.partner(ticket.referred_to)
        fields.append(
            (REFERRED_TO, partner.name.get(STAFF_LOCALE) if partner else ticket.referred_to)
        )
    header = t.gettext(NEW_REQUEST).format(reference=escape(ticket.reference))
    # Staff see at once that the resident is on LINE (its monthly push quota, no calls).
    lines = [f"🆕 <b>{header}</b>" + (" · LINE" if channel == "line" else "")]
    lines += [f"{t.gettext(label)}{COLON}{escape(value)}" for label, value in fields[:3]]
    lines.append(f"{t.gettext(ASSIGNEE)}{COLON}{assignee_html}")
    lines += [f"{t.gettext(label)}{COLON}{escape(value)}" for label, value in fields[3:]]
    if ticket.entered_by_id:
        by = await get_staff(session, ticket.entered_by_id)
        lines.append(
            t.gettext(ENTERED_BY_STAFF).format(name=escape(by.display_name if by else "?"))
        )
    if ticket.follow_up_on and is_open(ticket):
        day = format_day(ticket.follow_up_on, STAFF_LOCALE)
        lines.append(escape(t.gettext(FOLLOW_UP_ON).format(day=day)))
    if ticket.resident_unreachable:
        lines.append(t.gettext(UNREACHABLE))
    if channel == "line" and await waiting_for_quota(session, ticket.resident_id):
        lines.append(escape(t.gettext(LINE_QUOTA)))
    if ticket.minor:
        lines.append(escape(t.gettext(MINOR)))
    if "answers" in shows:
        lines += _answer_lines(ticket, ctx, lines)
    else:
        lines.append(escape(t.gettext(DETAILS_BY_COMMAND).format(reference=ticket.reference)))
    if menu == "close":
        lines.append(f"<b>{escape(t.gettext(CLOSE_QUESTION))}</b>")
    canned = await canned_replies(session) if menu == "canned" else []
    if menu == "canned":
        lines.append(f"<b>{escape(t.gettext(CANNED_CHOOSE if canned else CANNED_NONE_YET))}</b>")
    return Screen("\n".join(lines), card_buttons(services, ticket, menu, canned))


def _contact(ticket: TicketDTO, ctx: FormContext, shows: set[str]) -> str:
    """How the resident wants to be contacted, with the phone number if the card shows it."""
    form = FORMS[ticket.service]
    answers = ticket.answers
    contact = (
        engine.display_answer(form.step("contact_method"), answers["contact_method"], ctx)
        if "contact_method" in answers
        else ctx.t.gettext("No reply wanted")
    )
    if ticket.phone and "phone" in shows:
        contact += f" {engine.format_phone(ticket.phone)}"
    return contact


def _answer_lines(ticket: TicketDTO, ctx: FormContext, above: list[str]) -> list[str]:
    """The answers under a card's fields, shortened to keep the card one message."""
    t = ctx.t
    form = FORMS[ticket.service]
    answers = ticket.answers
    lines = ["―――"]
    used = sum(len(x) + 1 for x in above)
    for step in form.visible_steps(answers):
        if step.key in answers and step.key not in ("contact_method", "district"):
            value = engine.display_answer(step, answers[step.key], ctx)
            if len(value) > CARD_ANSWER_LIMIT:
                value = value[:CARD_ANSWER_LIMIT] + "…"
            line = f"<b>{escape(t.gettext(step.label))}</b>: {escape(value)}"
            used += len(line) + 1
            if used > CARD_TEXT_LIMIT:
                lines.append("…")
                break
            lines.append(line)
    return lines


def card_buttons(
    services: Services, ticket: TicketDTO, menu: str = "main", canned: list[CannedDTO] = ()
) -> tuple[tuple[Button, ...], ...]:
    """The card's buttons: the main actions, or one of the choice menus."""
    t = services.catalogs.translator_for(STAFF_LOCALE)

    def button(label: str, action: str, arg: str | None = None) -> Button:
        return Button(t.gettext(label), callbacks.staff(ticket.id, action, arg))

    back = (button(BACK, "back"),)
    if menu == "status":
        options = [button(STATUS_LABELS[s], "st", s) for s in SETTABLE_STATUSES]
        return (*rows_of(options, 2), back)
    if menu == "priority":
        options = [button(PRIORITY_LABELS[p], "pr", p) for p in PRIORITY_LABELS]
        return (*rows_of(options, 4), back)
    if menu == "close":
        options = [
            Button(label, callbacks.staff(ticket.id, "cl", key))
            for key, label in outcome_labels(services.profile, t).items()
        ]
        return (*rows_of(options, 2), back)
    if menu == "canned":
        options = [Button(c.title, callbacks.staff(ticket.id, "cn", str(c.id))) for c in canned]
        return (*rows_of(options, 2), back)
    if menu == "refer":
        options = [
            Button(p.name.get(STAFF_LOCALE), callbacks.staff(ticket.id, "rf", p.key))
            for p in services.profile.partners
        ]
        return (*rows_of(options, 2), back)
    if not is_open(ticket):
        return ((button(REOPEN, "reopen"),),)
    first = [button(CLAIM, "claim")] if ticket.assignee_id is None else []
    first += [button(CHANGE_STATUS, "status"), button(CHANGE_PRIORITY, "priority")]
    return (
        tuple(first),
        (button(REFER, "refer"), button(REPLY, "reply"), button(CANNED, "canned")),
        (button(CLOSE, "close"),),
    )
