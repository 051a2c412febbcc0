"""/match: registered volunteers ranked for a volunteer request; staff ask one with a button."""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.forms.definitions import FORMS
from bot.i18n import N_, Translator
from bot.outbox.queue import enqueue
from bot.screens import Button, Reply, Screen
from bot.settings import OfficeProfile
from bot.staff.desk import SENT_PRIVATELY, StaffDesk
from bot.staff.views import bold
from bot.tickets.lifecycle import is_open
from bot.volunteers.answers import MATCH_NO, MATCH_YES
from bot.volunteers.ranking import Fit, rank, wanted_slots
from storage.staff import StaffDTO
from storage.tickets import TicketDTO, add_ticket_event, get_ticket, references_of
from storage.volunteers import (
    active_volunteers,
    add_match,
    chat_of_volunteer,
    get_volunteer,
    matches_of_ticket,
)

NOT_A_REQUEST = N_("/match works on a volunteer request ({reference} is another kind of ticket).")
REQUEST_CLOSED = N_("{reference} is closed. Reopen it first to look for a volunteer.")
NO_VOLUNTEERS = N_("No registered volunteer is active at the moment.")
MATCH_TITLE = N_("Volunteers for {reference} ({help}, {district}): best fit first")
FITS = N_("fits: {fits}")
NO_FIT = N_("no fit")
FIT_INTEREST = N_("interest")
FIT_DISTRICT = N_("district")
FIT_TIME = N_("time")
ASK = N_("Ask {registration}")
MATCH_STATES = {
    "asked": N_("asked, no answer yet"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
}
ASKED = N_(
    "Asked the volunteer of {registration} about {reference}. Their answer will be posted here."
)
ALREADY_ASKED = N_("The volunteer of {registration} was already asked about {reference}.")
NOT_AVAILABLE = N_("This volunteer is no longer available (paused or unregistered).")
NOT_REACHABLE = N_("This volunteer cannot be reached through the bot.")
QUESTION = N_(
    "The volunteer centre is looking for a volunteer and thought of you.\n"
    "Kind of help: {help}\nWhere: {district}\nWhen: {when}\n"
    "Can you help? If you say yes, staff will contact you with the details."
)
WHEN_TO_ARRANGE = N_("to be arranged with the volunteer centre")


def _choice(form: str, step: str, value: str | None, t: Translator) -> str:
    """The label of a form's choice in a language ('' for none)."""
    for choice in FORMS[form].step(step).choices:
        if choice.value == value:
            return t.gettext(choice.label)
    return ""


def _district(profile: OfficeProfile, key: str | None, locale: str) -> str:
    """A district's name in a language, or '–'."""
    district = profile.district(key) if key else None
    return district.name.get(locale) if district else "–"


def _line(
    number: int,
    fit: Fit,
    label: str,
    state: str | None,
    t: Translator,
    profile: OfficeProfile,
) -> str:
    """One volunteer of the ranked list: interests, district, availability, fit, match state."""
    profile_ = fit.volunteer.profile
    interests = "・".join(
        _choice("volunteer_registration", "interests", key, t)
        for key in profile_.get("interests") or []
    )
    times = "・".join(
        _choice("volunteer_registration", "availability", key, t)
        for key in profile_.get("availability") or []
    )
    marks = [
        t.gettext(word)
        for word, ok in (
            (FIT_INTEREST, fit.interest),
            (FIT_DISTRICT, fit.district),
            (FIT_TIME, fit.availability),
        )
        if ok
    ]
    fits = t.gettext(FITS).format(fits="・".join(marks)) if marks else t.gettext(NO_FIT)
    parts = [
        label,
        interests or "–",
        _district(profile, fit.volunteer.district_key, t.locale),
        times or "–",
        fits,
    ]
    if state:
        parts.append(t.gettext(MATCH_STATES[state]))
    return f"{number}. " + escape(" · ".join(parts))


async def cmd_match(desk: StaffDesk, staff: StaffDTO, args: str) -> None:
    """/match <ref>: active volunteers ranked by interest, district and availability for a
    volunteer request, with a button to ask each one not asked yet."""
    ticket, _ = await desk._ticket_and_rest(args)
    if ticket is None:
        return
    t = desk.t
    if ticket.service != "volunteer_request":
        desk.say(t.gettext(NOT_A_REQUEST).format(reference=ticket.reference))
        return
    if not is_open(ticket):
        desk.say(t.gettext(REQUEST_CLOSED).format(reference=ticket.reference))
        return
    volunteers = [
        v for v in await active_volunteers(desk.session) if v.resident_id != ticket.resident_id
    ]
    if not volunteers:
        desk.say(t.gettext(NO_VOLUNTEERS))
        return
    answers = ticket.answers
    fits = rank(volunteers, answers.get("help_kind"), ticket.district_key, answers.get("when"))
    fits = fits[: desk.services.settings.staff_page_size]
    labels = await references_of(
        desk.session, {f.volunteer.ticket_id for f in fits if f.volunteer.ticket_id}
    )
    states = {m.volunteer_id: m.status for m in await matches_of_ticket(desk.session, ticket.id)}
    profile = desk.services.profile
    title = t.gettext(MATCH_TITLE).format(
        reference=ticket.reference,
        help=_choice("volunteer_request", "help_kind", answers.get("help_kind"), t) or "–",
        district=_district(profile, ticket.district_key, t.locale),
    )
    lines, buttons = [bold(escape(title))], []
    for number, fit in enumerate(fits, start=1):
        label = labels.get(fit.volunteer.ticket_id or 0, f"V{fit.volunteer.id}")
        state = states.get(fit.volunteer.id)
        lines.append(_line(number, fit, label, state, t, profile))
        if state is None:
            data = callbacks.ask_volunteer(ticket.id, fit.volunteer.id)
            buttons.append(
                (Button(f"{number}. " + t.gettext(ASK).format(registration=label), data),)
            )
    # Volunteers' interests, districts and times are theirs: the list goes to the asker alone.
    desk.send_privately([Screen("\n".join(lines), tuple(buttons))], [], t.gettext(SENT_PRIVATELY))


async def press_ask(desk: StaffDesk, data: str | None) -> Reply:
    """Asks a volunteer about a request: records the match, writes to them in their language
    and shows it in the request's history; a forged or stale press gets a kind answer."""
    staff = await desk.identify()
    parsed = callbacks.parse_ask(data)
    ticket = await get_ticket(desk.session, parsed[0]) if parsed and staff else None
    if staff is None or parsed is None or ticket is None or ticket.service != "volunteer_request":
        return desk.refuse(toast=True)
    t = desk.t
    volunteer = await get_volunteer(desk.session, parsed[1])
    chat_id = await chat_of_volunteer(desk.session, parsed[1]) if volunteer else None
    if volunteer is None or volunteer.status != "active":
        desk.reply.toast = t.gettext(NOT_AVAILABLE)
        return desk.reply
    if not is_open(ticket):
        desk.reply.toast = t.gettext(REQUEST_CLOSED).format(reference=ticket.reference)
        return desk.reply
    registration = (await references_of(desk.session, {volunteer.ticket_id or 0})).get(
        volunteer.ticket_id or 0, f"V{volunteer.id}"
    )
    if any(
        m.volunteer_id == volunteer.id for m in await matches_of_ticket(desk.session, ticket.id)
    ):
        desk.reply.toast = t.gettext(ALREADY_ASKED).format(
            registration=registration, reference=ticket.reference
        )
        return desk.reply
    if chat_id is None:
        desk.reply.toast = t.gettext(NOT_REACHABLE)
        return desk.reply
    now = desk.services.clock()
    match = await add_match(desk.session, ticket.id, volunteer.id, staff.telegram_user_id, now)
    await add_ticket_event(
        desk.session,
        ticket.id,
        "volunteer_asked",
        "staff",
        staff.telegram_user_id,
        now,
        {"volunteer": registration},
    )
    await enqueue(
        desk.session,
        chat_id,
        "volunteer_question",
        _question(desk, ticket, volunteer.locale, match.id),
        now,
        meta={"match_id": match.id},
    )
    done = t.gettext(ASKED).format(registration=registration, reference=ticket.reference)
    desk.reply.toast = done
    desk.say(escape(done))
    desk.reply.outbox_waiting = True
    return desk.reply


def _when(when: str | None, t: Translator) -> str:
    """When help is wanted, as the availability slots it names (never the requester's own
    words, which may say more than a volunteer needs), or 'to be arranged'."""
    slots = wanted_slots(when)
    if not slots:
        return t.gettext(WHEN_TO_ARRANGE)
    step = FORMS["volunteer_registration"].step("availability")
    return "、".join(t.gettext(c.label) for c in step.choices if c.value in slots)


def _question(desk: StaffDesk, ticket: TicketDTO, locale: str, match_id: int) -> Screen:
    """What a volunteer is asked, in their language: the kind of help, where and when (the
    minimum; the requester's details and contact stay with staff)."""
    vt = desk.services.catalogs.translator_for(locale)
    text = vt.gettext(QUESTION).format(
        help=escape(
            _choice("volunteer_request", "help_kind", ticket.answers.get("help_kind"), vt) or "–"
        ),
        district=escape(_district(desk.services.profile, ticket.district_key, locale)),
        when=escape(_when(ticket.answers.get("when"), vt)),
    )
    return Screen(
        text,
        (
            (Button(vt.gettext(MATCH_YES), callbacks.volunteer_answer("m", match_id, True)),),
            (Button(vt.gettext(MATCH_NO), callbacks.volunteer_answer("m", match_id, False)),),
        ),
    )
