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
CONTACT_KEYS = ("contact_method", "phone", "contact_name", "contact_times", "district")


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
    lines = [
        f"🆕 <b>{t.gettext('New request')} {escape(ticket.reference)}</b>",
        f"{t.gettext('Service')}: {escape(t.gettext(form.title))}",
        f"{t.gettext('Priority')}: {escape(t.gettext(PRIORITY_LABELS[ticket.priority]))}",
        f"{t.gettext('Status')}: {escape(t.gettext(STATUS_LABELS[ticket.status]))}",
        f"{t.gettext('District')}: {escape(district_name)}",
        f"{t.gettext('Contact')}: {escape(contact)}",
        f"{t.gettext('Received')}: {created}",
        f"{t.gettext('Language')}: {escape(ticket.locale)}",
        "―――",
    ]
    for step in form.visible_steps(answers):
        if step.key in answers and step.key not in ("contact_method", "district"):
            value = engine.display_answer(step, answers[step.key], ctx)
            lines.append(f"<b>{escape(t.gettext(step.label))}</b>: {escape(value)}")
    return Screen("\n".join(lines))
