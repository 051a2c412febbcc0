"""The resident's rights over their data: see it (/mydata), erase it (/delete), withdraw consent."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.definitions import FORMS
from bot.forms.engine import DraftState, FormContext
from bot.i18n import LANGUAGE_NAMES, N_, STAFF_LOCALE, Translator, format_day, format_moment
from bot.outbox.queue import enqueue
from bot.resident.statuses import resident_status
from bot.screens import Document, Screen, plain, split_text
from bot.services import Services
from bot.tickets.deliveries import queue_card_refresh
from bot.tickets.lifecycle import OPEN_STATUSES
from storage.attachments import attachments_of
from storage.line import channel_of
from storage.models import TicketStatus
from storage.outbox import add_outbox_message, sent_copies_about
from storage.residents import ResidentDTO, delete_resident, get_draft
from storage.tickets import (
    TicketChange,
    add_ticket_event,
    resident_events,
    tickets_of_resident,
    update_ticket,
)
from storage.volunteers import volunteer_of_resident

# What a group holds of a resident's own words, and how long a bot may delete its messages
# there (Telegram allows 48 hours; the margin covers a relay that is behind).
GROUP_COPY_KINDS = ("resident_message", "crisis_alert")
DELETABLE_FOR = timedelta(hours=47)
FILE_YOU_SENT = N_("A file you sent: {name} ({kilobytes} KB)")
ERASED_FOR_STAFF = N_(
    "{reference}: the resident asked for their personal data to be deleted. The request was "
    "closed and its answers and contact details removed."
)
# More parts than this and /mydata comes as a file instead of a run of messages.
MAX_MESSAGES = 3
VOLUNTEER_RECORD = N_(
    "Volunteer registry: {status}; you last agreed to be contacted on {day} (we ask once a year)."
)
VOLUNTEER_STATUSES = {
    "active": N_("registered"),
    "paused": N_("paused (we do not contact you)"),
}


async def my_data(
    session: AsyncSession, services: Services, resident: ResidentDTO, ctx: FormContext
) -> tuple[list[Screen], list[Document]]:
    """Everything stored about a resident, in their language: as messages, or a file if long."""
    t = ctx.t
    tz = services.settings.tz
    heading = t.gettext("Everything we store about you")
    lines = [f"<b>{escape(heading)}</b>", ""]
    if channel_of(resident.chat_id) == "line":
        lines.append(escape(t.gettext("You write to us on LINE.")))
    else:
        lines.append(
            t.gettext("Telegram user ID (a number): {user_id}").format(
                user_id=resident.telegram_user_id
            )
        )
    lines.append(
        t.gettext("Language: {language}").format(
            language=escape(LANGUAGE_NAMES.get(resident.locale or t.locale, t.locale))
        )
    )
    if resident.consent_at:
        lines.append(
            t.gettext("Consent given: {when} (notice version {version})").format(
                when=format_moment(resident.consent_at, t.locale, tz),
                version=escape(resident.consent_version or ""),
            )
        )
    else:
        lines.append(t.gettext("Consent: not given"))
    if resident.pending_message:
        lines.append(
            t.gettext("A message waiting for you to choose its request: {text}").format(
                text=escape(resident.pending_message)
            )
        )
    draft = await get_draft(session, resident.id)
    if draft is not None and draft.form_key in FORMS:
        form = FORMS[draft.form_key]
        state = DraftState.model_validate(draft.state)
        unfinished = t.gettext("Unfinished request: {title}").format(title=t.gettext(form.title))
        lines += ["", f"<b>{escape(unfinished)}</b>"]
        lines += [
            escape(
                t.gettext("{label}: {answer}").format(label=t.gettext(step.label), answer=answer)
            )
            for step, answer in engine.review_items(form, state, ctx)
        ]
    tickets = await tickets_of_resident(session, resident.id)
    events = await resident_events(session, [tk.id for tk in tickets])
    files = await attachments_of(session, [tk.id for tk in tickets])
    for ticket in tickets:
        form = FORMS[ticket.service]
        lines += [
            "",
            "<b>"
            + escape(
                t.gettext("Request {reference} ({title}, {status}, received {when})").format(
                    reference=ticket.reference,
                    title=t.gettext(form.title),
                    status=t.gettext(resident_status(ticket.status)),
                    when=format_day(ticket.created_at.astimezone(tz).date(), t.locale),
                )
            )
            + "</b>",
        ]
        state = DraftState(form=form.key, step=None, mode="review", answers=ticket.answers)
        lines += [
            escape(
                t.gettext("{label}: {answer}").format(label=t.gettext(step.label), answer=answer)
            )
            for step, answer in engine.review_items(form, state, ctx)
        ]
        for event in events:
            if event.ticket_id != ticket.id or not event.data.get("text"):
                continue
            if event.kind == "resident_message":
                label = t.gettext("Your message ({when}): {text}")
            elif event.kind == "staff_reply":
                label = t.gettext("Our reply ({when}): {text}")
            else:
                continue
            lines.append(
                escape(
                    label.format(
                        when=format_moment(event.created_at, t.locale, tz), text=event.data["text"]
                    )
                )
            )
        lines += [
            escape(
                t.gettext(FILE_YOU_SENT).format(name=f.filename, kilobytes=max(1, f.size // 1024))
            )
            for f in files
            if f.ticket_id == ticket.id
        ]
    volunteer = await volunteer_of_resident(session, resident.id)
    if volunteer is not None:
        lines += [
            "",
            escape(
                t.gettext(VOLUNTEER_RECORD).format(
                    status=t.gettext(
                        VOLUNTEER_STATUSES.get(volunteer.status, VOLUNTEER_STATUSES["active"])
                    ),
                    day=format_day(volunteer.consent_renewed_on, t.locale),
                )
            ),
        ]
    lines += ["", escape(t.gettext("To delete all of this, send /delete."))]
    text = "\n".join(lines)
    parts = split_text(text)
    if len(parts) <= MAX_MESSAGES:
        return [Screen(part) for part in parts], []
    return (
        [Screen(escape(t.gettext("Your data is long, so it comes as a file.")))],
        [Document("my-data.txt", plain(text).encode("utf-8"))],
    )


async def erase_resident(session: AsyncSession, services: Services, resident: ResidentDTO) -> None:
    """Erases the resident's personal data, then closes their open requests (staff are told)."""
    now = services.clock()
    staff_t: Translator = services.catalogs.translator_for(STAFF_LOCALE)
    tickets = await tickets_of_resident(session, resident.id)
    await delete_resident(session, resident.id, resident.chat_id)
    await remove_group_copies(session, services, [t.id for t in tickets], resident.id)
    for ticket in tickets:
        await add_ticket_event(session, ticket.id, "erased", "system", None, now)
        if ticket.status in OPEN_STATUSES:
            await update_ticket(
                session, ticket.id, now, TicketChange(status=TicketStatus.CLOSED, closed_at=now)
            )
            await add_ticket_event(
                session, ticket.id, "closed", "system", None, now, {"reason": "erasure"}
            )
            if services.settings.staff_chat_id is not None:
                notice = staff_t.gettext(ERASED_FOR_STAFF).format(
                    reference=escape(ticket.reference)
                )
                await enqueue(
                    session,
                    services.settings.staff_chat_id,
                    "erasure_notice",
                    Screen(notice),
                    now,
                    ticket.id,
                )
        await queue_card_refresh(session, services, ticket.id)


async def remove_group_copies(
    session: AsyncSession, services: Services, ticket_ids: list[int], resident_id: int
) -> None:
    """Asks the relay to delete the resident's words we posted to staff chats (relays and
    crisis alerts) while Telegram still lets a bot delete them."""
    now = services.clock()
    chats = [c for c in (services.settings.staff_chat_id, services.settings.oncall_chat_id) if c]
    copies = await sent_copies_about(
        session, chats, GROUP_COPY_KINDS, ticket_ids, resident_id, now - DELETABLE_FOR
    )
    for copy in copies:
        await add_outbox_message(
            session,
            copy.chat_id,
            "delete_message",
            "",
            now,
            meta={"message_id": copy.telegram_message_id},
        )
