"""The staff card of a ticket, always in the staff language (Japanese)."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from bot.forms import engine
from bot.forms.engine import FormContext
from bot.forms.model import Form
from bot.i18n import N_
from bot.screens import Screen
from bot.settings import OfficeProfile
from storage.repositories import TicketDTO

PRIORITY_LABELS = {
    "urgent": N_("Urgent"),
    "high": N_("High"),
    "normal": N_("Normal"),
    "low": N_("Low"),
}
STATUS_LABELS = {
    "new": N_("New"),
    "assigned": N_("Assigned"),
    "in_progress": N_("In progress"),
    "waiting": N_("Waiting for resident"),
    "referred": N_("Referred"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
NEW_REQUEST = N_("New request {reference}")
SERVICE = N_("Service")
PRIORITY = N_("Priority")
STATUS = N_("Status")
DISTRICT = N_("District")
CONTACT = N_("Contact")
RECEIVED = N_("Received")
LANGUAGE = N_("Language")


def ticket_card(
    ticket: TicketDTO, form: Form, ctx: FormContext, profile: OfficeProfile, tz: ZoneInfo
) -> Screen:
    """Builds the card staff see for a new ticket: reference, service, priority and answers."""
    t = ctx.t
    answers = ticket.answers
    district = profile.district(ticket.district_key) if ticket.district_key else None
    district_name = district.name.get(t.locale) if district else t.gettext("Don't know")
    contact = engine.display_answer(form.step("contact_method"), answers["contact_method"], ctx) \
        if "contact_method" in answers else t.gettext("No reply wanted")
    if ticket.phone:
        contact += f" {engine.format_phone(ticket.phone)}"
    created = ticket.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    header = t.gettext(NEW_REQUEST).format(reference=escape(ticket.reference))
    fields = (
        (SERVICE, t.gettext(form.title)),
        (PRIORITY, t.gettext(PRIORITY_LABELS[ticket.priority])),
        (STATUS, t.gettext(STATUS_LABELS[ticket.status])),
        (DISTRICT, district_name),
        (CONTACT, contact),
        (RECEIVED, created),
        (LANGUAGE, ticket.locale),
    )
    lines = [f"🆕 <b>{header}</b>"]
    lines += [f"{t.gettext(label)}: {escape(value)}" for label, value in fields]
    lines.append("―――")
    for step in form.visible_steps(answers):
        if step.key in answers and step.key not in ("contact_method", "district"):
            value = engine.display_answer(step, answers[step.key], ctx)
            lines.append(f"<b>{escape(t.gettext(step.label))}</b>: {escape(value)}")
    return Screen("\n".join(lines))
