"""The resident's screens: menu, consent, language, forms, review and confirmations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from bot import callbacks
from bot.forms import engine
from bot.forms.definitions import FORMS
from bot.forms.engine import DraftState, FormContext
from bot.forms.model import Form, StepKind
from bot.i18n import LANGUAGE_NAMES, N_, Translator, format_day
from bot.resident.statuses import resident_status
from bot.screens import Button, Screen, rows_of
from bot.settings import CrisisLine, OfficeProfile, Settings

MENU_LABELS = {
    "consultation": N_("Consultation"),
    "food": N_("Food support"),
    "volunteer_request": N_("I need a volunteer"),
    "volunteer_registration": N_("I want to volunteer"),
    "opinion": N_("Opinion or complaint"),
    "giving": N_("I want to give"),
    "household_goods": N_("Household goods and appliances"),
    "disaster_relief": N_("Fire or flood damage"),
    "groups": N_("Groups, schools and facilities"),
    "office": N_("Office information"),
    "language": N_("Language / 言語"),
}
CONSENT_LABELS = {
    "agree": N_("I agree"),
    "decline": N_("I do not agree"),
    "full": N_("Read the full notice"),
}
RESUME_LABELS = {
    "continue": N_("Continue where I stopped"),
    "over": N_("Start over"),
}


def numbered(number: int, label: str) -> str:
    """Returns a button label with the number a resident can type instead."""
    return f"{number}. {label}"


def option_lines(labels: list[str]) -> list[str]:
    """The options in full as numbered lines of the message body (buttons stay short)."""
    return [escape(numbered(i, label)) for i, label in enumerate(labels, start=1)]


def menu(t: Translator, greeting: bool = True, profile: OfficeProfile | None = None) -> Screen:
    """The main menu: every service, office information and language, listed and as buttons."""
    lines = []
    if greeting and profile is not None:
        lines.append(
            escape(
                t.gettext("Hello. This is the front desk of {council}.").format(
                    council=profile.name.get(t.locale)
                )
            )
        )
    elif greeting:
        lines.append(
            escape(t.gettext("Hello. This is the front desk of the Council of Social Welfare."))
        )
    lines.append(escape(t.gettext("What can we help you with? Press a button or type its number.")))
    lines += option_lines([t.gettext(MENU_LABELS[item]) for item in callbacks.MENU_ITEMS])
    if greeting:
        lines.append(
            escape(t.gettext("Your requests and data: /mytickets /privacy /mydata /delete"))
        )
    buttons = [
        Button(numbered(i, t.gettext(MENU_LABELS[item])), callbacks.menu(item))
        for i, item in enumerate(callbacks.MENU_ITEMS, start=1)
    ]
    return Screen("\n".join(lines), rows_of(buttons, 1))


def menu_hint(t: Translator) -> Screen:
    """The menu again, for text that did not match any of its items."""
    return Screen(
        escape(t.gettext("Sorry, I did not understand that. Please choose from the menu."))
        + "\n"
        + menu(t, greeting=False).text,
        menu(t).rows,
    )


def office_info(t: Translator, profile: OfficeProfile) -> Screen:
    """The council's name, address, phone and hours from the office profile."""
    loc = t.locale
    lines = [
        f"<b>{escape(profile.name.get(loc))}</b>",
        t.gettext("Address: {address}").format(address=escape(profile.address.get(loc))),
        t.gettext("Phone: {phone}").format(phone=escape(profile.phone)),
        t.gettext("Counter: {counter}").format(counter=escape(profile.counter.get(loc))),
        t.gettext("Office hours: {hours}").format(hours=escape(profile.hours.get(loc))),
    ]
    if profile.example:
        lines.append(t.gettext("(These details are an example and not yet confirmed.)"))
    return Screen("\n".join(lines))


def talk_to_staff(t: Translator, profile: OfficeProfile) -> Screen:
    """How to reach staff by phone or at the counter instead of chatting."""
    return Screen(
        t.gettext("You can talk to staff by phone or at the counter.")
        + "\n"
        + office_info(t, profile).text
    )


JAPANESE_REPLIES = N_("Staff work in Japanese, so their replies may come in Japanese.")


def japanese_replies(t: Translator, profile: OfficeProfile) -> list[str]:
    """For residents who do not read Japanese: replies may be in Japanese, and interpretation."""
    if t.locale.startswith("ja"):
        return []
    lines = [escape(t.gettext(JAPANESE_REPLIES))]
    if profile.interpretation is not None:
        lines.append(escape(profile.interpretation.get(t.locale)))
    return lines


def consent_summary(t: Translator, profile: OfficeProfile, retention: Settings) -> Screen:
    """The short consent notice with agree, decline and full-text buttons."""
    name = profile.name.get(t.locale)
    points = [
        t.gettext("{council} collects what you tell us here, to answer your request.").format(
            council=name
        ),
        t.gettext(
            "Some questions may touch on health, disability or money. Answer only what you "
            "are comfortable with."
        ),
        t.gettext(
            "Before passing your request to a partner, a district council or a welfare "
            "commissioner, staff ask you first, as a rule. A volunteer receives only the minimum."
        ),
        t.gettext("If a life is in danger, we may contact the police or fire service."),
        t.gettext(
            "Messages pass through Telegram, an overseas service. Details are better told "
            "by phone or in person."
        ),
        t.gettext(
            "Unfinished answers are deleted after {hours} hours. You can ask to see, correct or "
            "delete your data, or to stop its use, at any time."
        ).format(hours=retention.draft_retention_hours),
        t.gettext("This is not an emergency service. Staff reply in office hours."),
        t.gettext(
            "Agreeing is your choice. You can always get help by phone or at the counter instead."
        ),
    ]
    heading = t.gettext("Before we start: how we handle your information")
    text = (
        f"<b>{escape(heading)}</b>\n"
        + "\n".join(f"• {escape(p)}" for p in points)
        + "\n"
        + "".join(f"{line}\n" for line in japanese_replies(t, profile))
        + escape(t.gettext("Do you agree?"))
    )
    return Screen(text, _consent_buttons(t))


def privacy_facts(t: Translator, profile: OfficeProfile) -> list[str]:
    """The notice's lines on the data holder and the resident's rights (APPI Art. 32)."""
    loc = t.locale
    facts = profile.privacy
    holder = t.gettext("Who handles it: {council}, {address}, phone {phone}.").format(
        council=profile.name.get(loc), address=profile.address.get(loc), phone=profile.phone
    )
    if facts is None:
        return [
            escape(holder),
            escape(
                t.gettext(
                    "You can ask us to disclose, correct or delete your data, to stop using it, "
                    "or to stop giving it to others, by phone or at the counter."
                )
            ),
        ]
    lines = [
        escape(holder)
        + "\n"
        + escape(t.gettext("Representative: {name}.").format(name=facts.representative.get(loc))),
        escape(
            t.gettext(
                "You can ask us to disclose, correct or delete your data, to stop using it, "
                "or to stop giving it to others, by phone or at the counter."
            )
        )
        + "\n"
        + escape(facts.requests.get(loc))
        + "\n"
        + escape(facts.fee.get(loc)),
        escape(
            t.gettext("Complaints about how we handle personal data: {where}").format(
                where=facts.complaints.get(loc)
            )
        ),
    ]
    if facts.policy_url:
        lines.append(
            escape(t.gettext("Our personal data policy: {url}").format(url=facts.policy_url))
        )
    return lines


def consent_full(t: Translator, profile: OfficeProfile, retention: Settings) -> Screen:
    """The full consent notice, with the same buttons; every fact comes from the profile."""
    loc = t.locale
    partners = "\n".join(f"  – {escape(p.name.get(loc))}" for p in profile.partners)
    heading = t.gettext("How we handle your information (full notice)")
    facts = profile.privacy
    telegram = (
        t.gettext(
            "Telegram is run by {operator}, outside Japan. Your messages pass through its "
            "servers, which the council does not control, so it is better to tell us details "
            "by phone or in person."
        ).format(operator=facts.messenger_operator.get(loc))
        if facts is not None
        else t.gettext(
            "Telegram is a service run outside Japan. Your messages pass through it, so it "
            "is better to tell us details by phone or in person."
        )
    )
    facts_lines = privacy_facts(t, profile)
    sections = [
        f"<b>{escape(heading)}</b>",
        facts_lines[0],
        escape(
            t.gettext(
                "Why: to answer your requests and opinions, and to coordinate the support you need."
            )
            + "\n"
            + t.gettext(
                "We also use anonymous counts for statistics and reports, in a form that "
                "identifies no one."
            )
        ),
        escape(
            t.gettext(
                "What: the answers you give in this chat and your Telegram user ID (a number). "
                "Some questions may touch on health, disability, money or being a victim of a "
                "crime; this is sensitive information and we ask for it only with your consent."
            )
        ),
        escape(t.gettext("Who may receive it, only when needed for your support:"))
        + "\n"
        + partners,
        escape(
            t.gettext(
                "Before passing your request to a partner, a district council or a welfare "
                "commissioner, staff ask you first, as a rule. A volunteer receives only the "
                "minimum."
            )
        ),
        escape(
            t.gettext(
                "Loans are decided by the prefectural council of social welfare, which receives "
                "what a loan consultation needs. If you register as a volunteer, the person or "
                "facility you are matched with receives what they need to contact you."
            )
        ),
        escape(
            t.gettext(
                "If a life or someone's safety is in danger, we may tell the police or the fire "
                "service."
            )
        ),
        escape(telegram),
        escape(
            t.gettext(
                "An anonymous opinion carries no name or contact details, but in our system it "
                "is linked to your Telegram account (you can see it with /mydata)."
            )
        ),
        escape(
            t.gettext(
                "How long: unfinished answers are deleted after {hours} hours; the personal data "
                "of a finished request is deleted {days} days after it is closed, and that of a "
                "volunteer registration {volunteer_days} days after its last activity, keeping "
                "only anonymous counts."
            ).format(
                hours=retention.draft_retention_hours,
                days=retention.closed_retention_days,
                volunteer_days=retention.volunteer_retention_days,
            )
        ),
        *facts_lines[1:],
        escape(
            t.gettext(
                "This chat is not an emergency service. Staff reply in office hours. In an "
                "emergency call 110 (police) or 119 (fire and ambulance)."
            )
        ),
        *japanese_replies(t, profile),
        escape(
            t.gettext(
                "Agreeing is your choice. If you do not agree, you can still get help by phone "
                "or at the counter."
            )
        ),
    ]
    if profile.example:
        sections.append(escape(t.gettext("(These details are an example and not yet confirmed.)")))
    return Screen("\n\n".join(sections), _consent_buttons(t, full=False))


def _consent_buttons(t: Translator, full: bool = True) -> tuple[tuple[Button, ...], ...]:
    """Agree / do not agree (and 'read the full notice' on the summary)."""
    actions = ["agree", "decline"] + (["full"] if full else [])
    buttons = [
        Button(numbered(i, t.gettext(CONSENT_LABELS[a])), callbacks.consent(a))
        for i, a in enumerate(actions, start=1)
    ]
    return rows_of(buttons, 1)


def consent_declined(t: Translator, profile: OfficeProfile) -> Screen:
    """Shown after declining: nothing was stored, and how to get help instead."""
    return Screen(
        t.gettext("All right. Nothing has been recorded.") + "\n" + talk_to_staff(t, profile).text,
        menu(t).rows,
    )


def language_picker(t: Translator) -> Screen:
    """Every language, each named in itself."""
    buttons = [
        Button(numbered(i, name), callbacks.language(code))
        for i, (code, name) in enumerate(LANGUAGE_NAMES.items(), start=1)
    ]
    prompt = t.gettext("Please choose your language.")
    note = t.gettext("Translations other than Japanese and English are drafts being checked.")
    return Screen(f"{escape(prompt)}\n{escape(note)}", rows_of(buttons, 2))


def resume_offer(t: Translator, form: Form) -> Screen:
    """Offers to continue an unfinished request or start over."""
    text = t.gettext("You have an unfinished request: {title}.").format(title=t.gettext(form.title))
    buttons = [
        Button(numbered(i, t.gettext(RESUME_LABELS[a])), callbacks.resume(a))
        for i, a in enumerate(callbacks.RESUME_ACTIONS, start=1)
    ]
    return Screen(text, rows_of(buttons, 1))


def question(form: Form, state: DraftState, ctx: FormContext) -> Screen:
    """The current question with its progress, choices and navigation buttons."""
    t = ctx.t
    step = form.step(state.step)
    position, total = engine.progress(form, state)
    counter = t.gettext(" ({position}/{total})").format(position=position, total=total)
    lines = [f"<b>{escape(t.gettext(form.title))}</b>{escape(counter)}", t.gettext(step.prompt)]
    if state.for_staff:
        lines.insert(
            0, t.gettext("(Recorded by staff for someone who phoned or came to the counter)")
        )
    if step.hint:
        lines.append(f"<i>{t.gettext(step.hint)}</i>")
    if step.kind is StepKind.TEXT:
        lines.append(t.gettext("(up to {limit} characters)").format(limit=step.max_length))
    if step.key in state.answers:
        current = engine.display_answer(step, state.answers[step.key], ctx)
        lines.append(t.gettext("Current answer: {answer}").format(answer=escape(current)))
    buttons: list[Button] = []
    choices = engine.choices_for(step, ctx)
    per_row = 1
    if choices:
        lines += option_lines([engine.choice_label(c, t) for c in choices])
    if step.kind is StepKind.CHOICE:
        buttons = [
            Button(
                numbered(i, engine.button_label(c, t)),
                callbacks.form(state.round, state.seq, "pick", i - 1),
            )
            for i, c in enumerate(choices, start=1)
        ]
        per_row = 2 if len(choices) > 8 else 1
    elif step.kind is StepKind.MULTI:
        selected = engine.current_selection(step, state)
        buttons = [
            Button(
                ("☑ " if c.value in selected else "☐ ") + numbered(i, engine.button_label(c, t)),
                callbacks.form(state.round, state.seq, "toggle", i - 1),
            )
            for i, c in enumerate(choices, start=1)
        ]
        buttons.append(
            Button("✔ " + t.gettext(engine.DONE), callbacks.form(state.round, state.seq, "done"))
        )
        lines.append(t.gettext("You can also type the numbers, for example 1 3."))
    rows = list(rows_of(buttons, per_row))
    rows.append(_navigation(form, state, ctx))
    rows.append(
        (
            Button(
                t.gettext(engine.TALK_TO_STAFF),
                callbacks.form(state.round, state.seq, "talk_to_staff"),
            ),
        )
    )
    return Screen("\n".join(lines), tuple(rows))


def _navigation(form: Form, state: DraftState, ctx: FormContext) -> tuple[Button, ...]:
    """Back, skip (optional steps only) and cancel."""
    t = ctx.t
    step = form.step(state.step)
    first = form.visible_steps(state.answers)[0].key == step.key
    nav = []
    if not first or state.editing:
        nav.append(
            Button("◀ " + t.gettext(engine.BACK), callbacks.form(state.round, state.seq, "back"))
        )
    if step.optional:
        nav.append(
            Button(t.gettext(engine.SKIP) + " ▶", callbacks.form(state.round, state.seq, "skip"))
        )
    nav.append(
        Button("✖ " + t.gettext(engine.CANCEL), callbacks.form(state.round, state.seq, "cancel"))
    )
    return tuple(nav)


def review(form: Form, state: DraftState, ctx: FormContext) -> Screen:
    """Every answer, with a button to change each, then send."""
    t = ctx.t
    items = engine.review_items(form, state, ctx)
    lines = [
        f"<b>{escape(t.gettext(form.title))}</b>",
        t.gettext("Please check your answers."),
        "",
    ]
    lines += [
        escape(
            numbered(
                i, t.gettext("{label}: {answer}").format(label=t.gettext(step.label), answer=answer)
            )
        )
        for i, (step, answer) in enumerate(items, start=1)
    ]
    lines += [
        "",
        t.gettext("To change an answer, press its number. If all is correct, press Send."),
    ]
    edit_buttons = [
        Button(
            t.gettext(engine.CHANGE).format(number=i),
            callbacks.form(state.round, state.seq, "edit", i - 1),
        )
        for i in range(1, len(items) + 1)
    ]
    rows = list(rows_of(edit_buttons, 4))
    rows.append(
        (
            Button("✅ " + t.gettext(engine.SEND), callbacks.form(state.round, state.seq, "send")),
            Button(
                "✖ " + t.gettext(engine.CANCEL), callbacks.form(state.round, state.seq, "cancel")
            ),
        )
    )
    return Screen("\n".join(lines), tuple(rows))


def confirm_cancel(state: DraftState, t: Translator) -> Screen:
    """Asks before a draft and its answers are deleted."""
    return Screen(
        t.gettext("Cancel this request? Your answers will be deleted."),
        (
            (
                Button(
                    numbered(1, t.gettext(engine.YES_CANCEL)),
                    callbacks.form(state.round, state.seq, "confirm_cancel"),
                ),
                Button(
                    numbered(2, t.gettext(engine.NO_CONTINUE)),
                    callbacks.form(state.round, state.seq, "keep"),
                ),
            ),
        ),
    )


def cancelled(t: Translator) -> Screen:
    """Shown after a draft was cancelled."""
    return Screen(
        t.gettext("Your request was cancelled and your answers were deleted."),
        menu(t).rows,
    )


TODAY = N_("today, {day}")
TOMORROW = N_("tomorrow, {day}")


def relative_day(t: Translator, day: date, today: date | None, written: str) -> str:
    """A written day with 'today' or 'tomorrow' in front when it is one of those."""
    if today is not None and day == today:
        return t.gettext(TODAY).format(day=written)
    if today is not None and (day - today).days == 1:
        return t.gettext(TOMORROW).format(day=written)
    return written


def submitted(
    t: Translator,
    form: Form,
    reference: str,
    profile: OfficeProfile,
    answers: dict,
    reply_day: date | None = None,
    same_day: SameDay | None = None,
    today: date | None = None,
) -> Screen:
    """The reference number, what happens next, office hours and, out of hours, when staff reply."""
    spoken = reference
    lines = [
        escape(t.gettext(form.thanks)),
        t.gettext("Your reference number is <b>{reference}</b>.").format(reference=spoken),
        t.gettext("Please tell staff this number when you call or visit."),
        "",
        escape(t.gettext(form.next_steps)),
        *(escape(t.gettext(note)) for note in form.receipt_notes(answers)),
        *japanese_replies(t, profile),
        "",
        *(same_day_route(t, profile, same_day) if same_day is not None else []),
        *(
            [
                escape(
                    t.gettext("The office is closed now. Staff will be back: {day}.").format(
                        day=relative_day(t, reply_day, today, format_day(reply_day, t.locale))
                    )
                )
            ]
            if reply_day
            else []
        ),
        t.gettext("Office hours: {hours}").format(hours=escape(profile.hours.get(t.locale))),
        t.gettext("Phone: {phone}").format(phone=escape(profile.phone)),
        "",
        t.gettext("To make another request, send /start."),
    ]
    return Screen("\n".join(lines))


NO_FOOD_TODAY = N_("If you have nothing to eat today:")
LIFE_IN_DANGER = N_("If someone's life is in danger, call 119 (ambulance) or 110 (police) now.")
NOBODY_READS_TODAY = N_(
    "Nobody at the council reads messages until {moment}, so please do this today."
)


@dataclass(frozen=True)
class SameDay:
    """A need for today (no food today): the receipt says what to do today, and whether
    anyone at the council reads messages before `staff_back` (None: they are in now)."""

    staff_back: str | None = None


def same_day_route(t: Translator, profile: OfficeProfile, same_day: SameDay) -> list[str]:
    """What a resident with no food today can do today, above the usual receipt lines."""
    lines = [f"<b>{escape(t.gettext(NO_FOOD_TODAY))}</b>"]
    if same_day.staff_back is not None:
        lines.append(escape(t.gettext(NOBODY_READS_TODAY).format(moment=same_day.staff_back)))
    if profile.food_today is not None:
        lines.append(escape(profile.food_today.get(t.locale)))
    lines += [escape(t.gettext(LIFE_IN_DANGER)), ""]
    return lines


def notice(text: str) -> Screen:
    """A plain message without buttons."""
    return Screen(text)


WARM_WORDS = N_("Thank you for telling us. Your safety matters to us.")
STAFF_TOLD = N_("Staff of {council} have been told and will contact you as soon as they can.")
NOBODY_READS = N_(
    "Nobody reads messages here until {moment}. If you need help before then, please call "
    "one of these numbers now."
)
CALL_NOW = N_("If you are in danger now, please call for help straight away.")
CARRY_ON = N_("You can carry on here; your answers are kept.")


def crisis_line(line: CrisisLine, locale: str) -> str:
    """One crisis line: the number first, then its name and hours, and its note below."""
    text = (
        f"☎ <b>{escape(line.number)}</b> {escape(line.name.get(locale))}"
        f" · {escape(line.hours.get(locale))}"
    )
    if line.note is not None:
        text += f"\n    {escape(line.note.get(locale))}"
    return text


def crisis_screen(
    t: Translator, lines: list[CrisisLine], staff_back: str | None, council: str
) -> Screen:
    """The crisis screen: a warm word, whether anyone reads this now, and the lines to call
    (`staff_back` is when staff next read messages, None while they are in)."""
    reading = (
        t.gettext(STAFF_TOLD).format(council=council)
        if staff_back is None
        else t.gettext(NOBODY_READS).format(moment=staff_back)
    )
    parts = [
        f"<b>{escape(t.gettext(WARM_WORDS))}</b>",
        escape(reading),
        "",
        f"<b>{escape(t.gettext(CALL_NOW))}</b>",
        *(crisis_line(line, t.locale) for line in lines),
        "",
        escape(t.gettext(CARRY_ON)),
    ]
    return Screen("\n".join(parts))


DELETE_LABELS = {"yes": N_("Yes, delete my data"), "no": N_("No, keep it")}


def privacy_notice(
    t: Translator, profile: OfficeProfile, retention: Settings, consented: bool
) -> Screen:
    """The full privacy notice, with a button to withdraw consent when it was given."""
    full = consent_full(t, profile, retention)
    extra = escape(
        t.gettext(
            "See what we store with /mydata, or delete it with /delete. You can also ask by "
            "phone or at the counter."
        )
    )
    rows = ((Button(t.gettext("Withdraw my consent"), callbacks.WITHDRAW),),) if consented else ()
    return Screen(full.text + "\n\n" + extra, rows)


def consent_withdrawn(t: Translator) -> Screen:
    """Confirms that consent was withdrawn."""
    return Screen(
        escape(
            t.gettext(
                "Your consent is withdrawn and any unfinished request was deleted. Requests you already "
                "sent stay with staff until they are closed; to delete them now, send /delete."
            )
        )
    )


WHAT_STAYS = N_(
    "What stays: anonymous counts (which service, which district, which dates), with no name "
    "and none of your words. I also delete the messages I passed on to the staff chat in the "
    "last 48 hours; Telegram does not let me delete older ones, so for those please ask the "
    "council."
)


def delete_confirm(t: Translator) -> Screen:
    """Asks before everything about the resident is erased."""
    buttons = [
        Button(numbered(i, t.gettext(DELETE_LABELS[a])), callbacks.erase(a))
        for i, a in enumerate(callbacks.DELETE_ACTIONS, start=1)
    ]
    return Screen(
        escape(
            t.gettext(
                "Delete all your personal data? Your open requests will be closed and staff told. "
                "This cannot be undone."
            )
        )
        + "\n\n"
        + escape(t.gettext(WHAT_STAYS)),
        rows_of(buttons, 1),
    )


def deleted(t: Translator) -> Screen:
    """Confirms the erasure."""
    return Screen(
        escape(
            t.gettext(
                "Your personal data has been deleted. Only anonymous counts remain. If you need help "
                "again, send /start."
            )
        )
    )


def follow_up_added(t: Translator, reference: str) -> Screen:
    """Tells the resident their message was added to their request."""
    return Screen(
        t.gettext(
            "Thank you. I added your message to your request {reference}; staff will see it."
        ).format(reference=escape(reference))
    )


def which_ticket(t: Translator, tickets: list) -> Screen:
    """Asks which of several open requests a message is about."""
    buttons = [
        Button(
            numbered(i, f"{tk.reference} ({t.gettext(FORMS[tk.service].title)})"),
            callbacks.follow_up(tk.id),
        )
        for i, tk in enumerate(tickets, start=1)
    ]
    return Screen(t.gettext("Which of your requests is this message about?"), rows_of(buttons, 1))


def my_tickets(t: Translator, tickets: list) -> Screen:
    """The resident's requests with their status."""
    if not tickets:
        return Screen(t.gettext("You have no requests yet. Send /start to make one."))
    lines = [escape(t.gettext("Your requests:"))]
    lines += [
        escape(
            t.gettext("{reference} · {title} · {status}").format(
                reference=tk.reference,
                title=t.gettext(FORMS[tk.service].title),
                status=t.gettext(resident_status(tk.status)),
            )
        )
        for tk in tickets
    ]
    return Screen("\n".join(lines))


def help_text(t: Translator) -> Screen:
    """What the resident can do and type."""
    lines = [
        t.gettext("This chat takes requests for the Council of Social Welfare."),
        t.gettext("/start – the menu (or continue an unfinished request)"),
        t.gettext("/language – change the language"),
        t.gettext("/cancel – cancel the request you are filling in"),
        t.gettext("/mytickets – your requests and their status"),
        t.gettext("/privacy – how we handle your data; withdraw your consent"),
        t.gettext("/mydata – see everything we store about you"),
        t.gettext("/delete – delete your personal data"),
        t.gettext("/help – this help"),
        t.gettext(
            "You can press the buttons or type their number. During a request you can also "
            "type Back, Skip or Cancel."
        ),
    ]
    return Screen("\n".join(lines))
