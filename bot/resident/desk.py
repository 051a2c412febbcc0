"""The resident's conversation: menu, consent, language, resuming and walking a form.

Every update is handled from the state stored in the database and leaves its new state
there; nothing about a resident is kept in memory between updates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.callbacks import ButtonData, ButtonFamily
from bot.forms import engine
from bot.forms.definitions import FORMS
from bot.forms.engine import Action, DraftState, FormContext, normalize
from bot.forms.model import Form
from bot.i18n import (
    LANGUAGE_NAMES,
    STAFF_LOCALE,
    SUPPORTED_LOCALES,
    Translator,
    format_day_and_time,
    resident_locale,
)
from bot.outbox.queue import enqueue
from bot.resident import views
from bot.resident.consent import CONSENT_VERSION
from bot.resident.crisis import lines_now
from bot.resident.followups import add_resident_message, alert_staff
from bot.resident.privacy import erase_resident, my_data
from bot.resident.state import ResidentScreen
from bot.resident.uploads import (
    MAX_UPLOAD_BYTES,
    MAX_UPLOADS,
    UPLOAD_ADDED,
    UPLOAD_AFTER_FORM,
    UPLOAD_KIND,
    UPLOAD_NEEDS_REQUEST,
    UPLOAD_TOO_MANY,
    Upload,
    add_upload,
    upload_problem,
)
from bot.safety import Hit, says_minor
from bot.screens import Reply, Screen
from bot.services import Services
from bot.staff.commands import staff_help
from bot.staff.desk import staff_for_user
from bot.staff.views import refusal
from bot.tickets import lifecycle as tickets
from bot.tickets.deliveries import queue_card_refresh
from bot.tickets.lifecycle import OPEN_STATUSES
from bot.volunteers.answers import MATCH_NO, MATCH_YES
from bot.volunteers.answers import answer as volunteer_answer
from bot.volunteers.answers import typed_answer as typed_volunteer_answer
from bot.volunteers.renewal import RENEW_NO, RENEW_YES
from storage.attachments import count_attachments
from storage.dto import KEEP, Keep
from storage.models import Priority, TicketStatus
from storage.residents import (
    DraftDTO,
    ResidentChange,
    ResidentDTO,
    changes_nothing,
    delete_draft,
    resident_and_draft,
    save_draft,
    set_resident_reachable,
    update_resident,
)
from storage.staff import StaffDTO
from storage.tickets import (
    TicketChange,
    TicketDTO,
    add_ticket_event,
    open_tickets_of_resident,
    tickets_of_resident,
    update_ticket,
)

# Options are numbered 1 to at most a few hundred.
MAX_OPTION_DIGITS = 3
# Words a resident with several open requests sends before choosing one are kept together up
# to this many characters; past it, what waited goes to the newest request.
MAX_WAITING_MESSAGE = 8000
# A change that changes nothing is not written, unless the resident's row is older than this:
# its updated_at keeps a resident who is about from being erased as idle (retention).
REWRITE_UNCHANGED_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Who:
    """The Telegram user and private chat an update came from."""

    user_id: int
    chat_id: int
    language_code: str | None


@dataclass(frozen=True)
class Event:
    """What the resident did, already stripped of Telegram types."""

    kind: Literal["command", "text", "button", "other", "edited", "upload"]
    text: str = ""
    data: str | None = None
    upload: Upload | None = None


def _pick_numbered(text: str, options: list[tuple[str, list[str]]]) -> str | None:
    """Returns the key of the option a typed number or label names."""
    typed = normalize(text)
    if typed.isdecimal():
        # No list is that long; a long run of digits (⑳ × 2,200) is no option, and int() of
        # over 4,300 digits would raise.
        index = int(typed) - 1 if len(typed) <= MAX_OPTION_DIGITS else -1
        return options[index][0] if 0 <= index < len(options) else None
    for key, labels in options:
        if typed in {normalize(label) for label in labels}:
            return key
    return None


def _labelled(
    t: Translator, labels: dict[str, str], keys: tuple[str, ...]
) -> list[tuple[str, list[str]]]:
    """Options a resident may type, each by its label in their language or in English."""
    return [(key, [t.gettext(labels[key]), labels[key]]) for key in keys]


class Desk:
    """Handles one update for one resident inside the update's transaction."""

    def __init__(
        self,
        session: AsyncSession,
        services: Services,
        resident: ResidentDTO,
        draft: DraftDTO | None,
    ) -> None:
        self.session = session
        self.services = services
        self.resident = resident
        self.draft = draft
        self.reply = Reply()

    @property
    def t(self) -> Translator:
        """The resident's translator."""
        return self.services.catalogs.translator_for(self.locale)

    @property
    def locale(self) -> str:
        """The resident's chosen locale, else the one of their Telegram app."""
        return resident_locale(self.resident)

    @property
    def form_ctx(self) -> FormContext:
        """What the form engine needs for this resident."""
        return FormContext(self.t, self.services.dynamic_choices(self.locale))

    def show(self, *screens: Screen) -> None:
        """Adds screens to the reply."""
        self.reply.screens.extend(screens)

    async def set_screen(
        self,
        screen: ResidentScreen,
        *,
        locale: str | Keep = KEEP,
        pending_service: str | None | Keep = KEEP,
        pending_message: str | None | Keep = KEEP,
        drafts_started: int | Keep = KEEP,
        consent_version: str | None | Keep = KEEP,
        consent_at: datetime | None | Keep = KEEP,
    ) -> None:
        """Stores which screen the resident is on, so typed input is read in that light, and
        what else changes with it."""
        change = ResidentChange(
            screen=screen,
            locale=locale,
            pending_service=pending_service,
            pending_message=pending_message,
            drafts_started=drafts_started,
            consent_version=consent_version,
            consent_at=consent_at,
        )
        now = self.services.clock()
        if (
            changes_nothing(self.resident, change)
            and now - self.resident.updated_at < REWRITE_UNCHANGED_AFTER
        ):
            return
        self.resident = await update_resident(self.session, self.resident.id, now, change)

    # ---- where the resident is -------------------------------------------------------------

    def form_and_state(self) -> tuple[Form, DraftState]:
        """The form and state of the resident's draft."""
        assert self.draft is not None
        return FORMS[self.draft.form_key], DraftState.model_validate(self.draft.state)

    @property
    def screen(self) -> ResidentScreen:
        """The stored screen while what it needs is still there (a draft, a pending choice or
        message), else the menu."""
        try:
            screen = ResidentScreen(self.resident.screen)
        except ValueError:
            return ResidentScreen.MENU
        needs = {
            ResidentScreen.FORM: self.draft is not None,
            ResidentScreen.RESUME: self.draft is not None,
            ResidentScreen.CONSENT: bool(self.resident.pending_service),
            ResidentScreen.FOLLOW_UP: bool(self.resident.pending_message),
        }
        return screen if needs.get(screen, True) else ResidentScreen.MENU

    def where_you_are(self) -> Screen:
        """The screen that matches the resident's stored state."""
        show = SHOW_SCREEN.get(self.screen, Desk.show_menu)
        return show(self)

    def show_menu(self) -> Screen:
        """The menu, without the greeting."""
        return views.menu(self.t, greeting=False)

    def show_form(self) -> Screen:
        """The question, review or cancel confirmation the draft is at."""
        return self.form_screen(*self.form_and_state())

    def show_resume(self) -> Screen:
        """The offer to continue the unfinished draft or start over."""
        return views.resume_offer(self.t, FORMS[self.draft.form_key])

    def show_consent(self) -> Screen:
        """The consent notice's summary."""
        return views.consent_summary(self.t, self.services.profile, self.services.settings)

    def show_language(self) -> Screen:
        """The language picker."""
        return views.language_picker(self.t)

    def show_follow_up(self) -> Screen:
        """The question which request a waiting message is about."""
        return Screen(self.t.gettext("Please choose which request your message is about."))

    def form_screen(self, form: Form, state: DraftState) -> Screen:
        """The question, review or cancel confirmation a draft is at."""
        if state.mode == "review":
            return views.review(form, state, self.form_ctx)
        if state.mode == "confirm_cancel":
            return views.confirm_cancel(state, self.t)
        return views.question(form, state, self.form_ctx)

    @property
    def retention_hours(self) -> int:
        """How long an unfinished draft is kept."""
        return self.services.settings.draft_retention_hours

    # ---- entry points ----------------------------------------------------------------------

    async def on_command(self, command: str) -> None:
        """Runs a resident command from the table; an unknown one gets a kind answer."""
        run = COMMANDS.get(command)
        if run is None:
            self.show(
                views.notice(
                    self.t.gettext("I do not know that command. Send /help to see what I can do.")
                ),
                self.where_you_are(),
            )
            return
        await run(self)

    async def command_start(self) -> None:
        """/start: a waiting message first, else the unfinished draft, else the menu."""
        if self.resident.pending_message and not await self.open_tickets():
            await self.deliver_waiting_message()
        elif self.resident.pending_message:
            await self.set_screen(ResidentScreen.FOLLOW_UP)
            self.show(views.which_ticket(self.t, await self.open_tickets()))
        elif self.draft is not None:
            await self.set_screen(ResidentScreen.RESUME)
            self.show(views.resume_offer(self.t, FORMS[self.draft.form_key]))
        else:
            await self.set_screen(ResidentScreen.MENU, pending_service=None)
            self.show(views.menu(self.t, profile=self.services.profile))

    async def command_help(self) -> None:
        """/help: what the bot can do (and the staff commands for staff), then where they are."""
        self.show(views.help_text(self.t))
        if await self.staff_member() is not None:
            self.show(
                staff_help(
                    self.services.catalogs.translator_for(STAFF_LOCALE),
                    self.resident.telegram_user_id in self.services.settings.admin_ids,
                )
            )
        self.show(self.where_you_are())

    async def command_privacy(self) -> None:
        """/privacy: the notice, and withdrawing consent."""
        self.show(
            views.privacy_notice(
                self.t,
                self.services.profile,
                self.services.settings,
                self.resident.consent_version is not None,
            )
        )

    async def command_mydata(self) -> None:
        """/mydata: everything stored about the resident."""
        screens, documents = await my_data(
            self.session, self.services, self.resident, self.form_ctx
        )
        self.show(*screens)
        self.reply.documents += documents

    async def command_delete(self) -> None:
        """/delete: asks before erasing everything."""
        await self.set_screen(ResidentScreen.DELETE_CONFIRM)
        self.show(views.delete_confirm(self.t))

    async def command_mytickets(self) -> None:
        """/mytickets: the resident's requests."""
        tickets = await tickets_of_resident(self.session, self.resident.id)
        self.show(views.my_tickets(self.t, tickets))

    async def command_language(self) -> None:
        """/language: the language picker."""
        await self.set_screen(ResidentScreen.LANGUAGE)
        self.show(views.language_picker(self.t))

    async def command_cancel(self) -> None:
        """/cancel: asks to cancel the draft, or says there is nothing to cancel."""
        if self.draft is not None:
            if self.resident.screen != ResidentScreen.FORM:
                await self.set_screen(ResidentScreen.FORM)
            await self.run_action(Action("cancel"))
            return
        await self.set_screen(ResidentScreen.MENU, pending_service=None)
        self.show(
            views.notice(self.t.gettext("There is nothing to cancel.")),
            views.menu(self.t, greeting=False),
        )

    async def on_text(self, text: str) -> None:
        """Reads typed text in the light of the screen the resident is on."""
        read = READ_TEXT.get(self.screen, Desk.text_on_menu)
        if not await read(self, text):
            self.show(
                views.notice(self.t.gettext("Please press one of the buttons or type its number.")),
                self.where_you_are(),
            )

    async def text_in_form(self, text: str) -> bool:
        """An answer to the question on screen."""
        form, state = self.form_and_state()
        await self.run_action(engine.parse_text(form, state, text, self.form_ctx))
        return True

    async def typed_choice(
        self,
        text: str,
        labels: dict[str, str],
        actions: tuple[str, ...],
        act: Callable[[str], Awaitable[None]],
    ) -> bool:
        """Acts on the action a typed number or label names; False when it names none."""
        action = _pick_numbered(text, _labelled(self.t, labels, actions))
        if action:
            await act(action)
        return action is not None

    async def text_on_consent(self, text: str) -> bool:
        """A typed consent choice."""
        return await self.typed_choice(
            text, views.CONSENT_LABELS, callbacks.CONSENT_ACTIONS, self.on_consent
        )

    async def text_on_language(self, text: str) -> bool:
        """A typed language, by number, name or code."""
        code = _pick_numbered(text, [(code, [name, code]) for code, name in LANGUAGE_NAMES.items()])
        if code:
            await self.on_language(code)
        return code is not None

    async def text_on_follow_up(self, text: str) -> bool:
        """Which request a waiting message is about, or more words to keep with it."""
        tickets = await self.open_tickets()
        if not tickets:
            # The requests it was meant for were closed meanwhile: it goes to the newest one.
            await self.deliver_waiting_message()
            return True
        chosen = _pick_numbered(text, [(str(tk.id), [tk.reference]) for tk in tickets])
        if chosen:
            await self.on_follow_up_choice(int(chosen))
            return True
        # More words before choosing: kept with the first, so nothing is lost.
        combined = f"{self.resident.pending_message}\n{text.strip()}"
        if len(combined) > MAX_WAITING_MESSAGE:
            # Kept small: what waited so far goes to the newest request now, where staff see
            # it, and the new words wait for the resident's choice.
            await add_resident_message(
                self.session,
                self.services,
                self.resident,
                tickets[-1],
                self.resident.pending_message,
            )
            self.reply.outbox_waiting = True
            combined = text.strip()
        await self.set_screen(ResidentScreen.FOLLOW_UP, pending_message=combined)
        self.show(views.which_ticket(self.t, tickets))
        return True

    async def text_on_delete_confirm(self, text: str) -> bool:
        """A typed answer to "delete everything?"."""
        return await self.typed_choice(
            text, views.DELETE_LABELS, callbacks.DELETE_ACTIONS, self.on_delete
        )

    async def text_on_resume(self, text: str) -> bool:
        """A typed continue or start over."""
        return await self.typed_choice(
            text, views.RESUME_LABELS, callbacks.RESUME_ACTIONS, self.on_resume
        )

    async def text_on_menu(self, text: str) -> bool:
        """A menu choice, else words for an open request, else a hint at the menu."""
        item = _pick_numbered(text, _labelled(self.t, views.MENU_LABELS, callbacks.MENU_ITEMS))
        if item:
            await self.on_menu(item)
            return True
        if await self.typed_volunteer_answer(text):
            return True
        if await self.follow_up(text):
            return True
        await self.set_screen(ResidentScreen.MENU, pending_service=None)
        self.show(views.menu_hint(self.t))
        return True

    async def on_button(self, data: str | None) -> None:
        """Handles a button press, refusing forged data and buttons of earlier messages."""
        parsed = callbacks.parse(data, SUPPORTED_LOCALES)
        if parsed is None:
            self.reply.toast = self.t.gettext("This button is not valid.")
            self.show(self.where_you_are())
            return
        self.reply.clear_pressed_keyboard = True
        wanted, press = BUTTONS.get(parsed.family, (None, None))
        if press is None or (wanted is not None and self.screen != wanted):
            self.stale()
            return
        await press(self, parsed)

    async def press_menu(self, pressed: ButtonData) -> None:
        """A main-menu button."""
        await self.on_menu(pressed.action)

    async def press_language(self, pressed: ButtonData) -> None:
        """A language button."""
        await self.on_language(pressed.action)

    async def press_consent(self, pressed: ButtonData) -> None:
        """Agree, decline or read the full notice."""
        await self.on_consent(pressed.action)

    async def press_resume(self, pressed: ButtonData) -> None:
        """Continue or start over."""
        await self.on_resume(pressed.action)

    async def press_erase(self, pressed: ButtonData) -> None:
        """Yes or no to "delete everything?"."""
        await self.on_delete(pressed.action)

    async def press_withdraw(self, pressed: ButtonData) -> None:
        """Withdraw consent (only someone who gave it)."""
        if self.resident.consent_version is None:
            self.stale()
            return
        await self.on_withdraw()

    async def press_new_ticket(self, pressed: ButtonData) -> None:
        """A staff member's choice of form for a request taken by phone."""
        await self.on_new_ticket(pressed.action, pressed.index or None)

    async def press_follow_up(self, pressed: ButtonData) -> None:
        """Which request a waiting message is about."""
        await self.on_follow_up_choice(pressed.index)

    async def typed_volunteer_answer(self, text: str) -> bool:
        """A yes or no typed to the one question the volunteer centre waits for (a request,
        or the yearly question), answered as its button would be."""
        labels = tuple(
            self.t.gettext(label) for label in (MATCH_YES, MATCH_NO, RENEW_YES, RENEW_NO)
        )
        data = await typed_volunteer_answer(self.session, self.resident, text, labels)
        if data is None:
            return False
        await self.press_volunteer(callbacks.parse(data, SUPPORTED_LOCALES))
        return True

    async def press_volunteer(self, pressed: ButtonData) -> None:
        """A volunteer's yes or no, to a request or to the yearly consent question."""
        said = await volunteer_answer(
            self.session, self.services, self.resident, self.t, pressed.action, pressed.index
        )
        if said is None:
            self.stale()
            return
        self.show(views.notice(said))
        self.reply.outbox_waiting = True
        # No to the yearly question deleted their registration.
        self.reply.erased = pressed.action == "rn"

    async def press_form(self, pressed: ButtonData) -> None:
        """A button of the question on screen (not of an earlier one)."""
        state = DraftState.model_validate(self.draft.state)
        if (state.round, state.seq) != (pressed.round, pressed.seq):
            self.stale()
            return
        await self.run_action(Action(pressed.action, index=pressed.index))

    def stale(self) -> None:
        """Answers a button from an earlier message by showing where the resident is now."""
        self.reply.toast = self.t.gettext("That button belongs to an earlier message.")
        self.show(
            views.notice(
                self.t.gettext(
                    "That button belongs to an earlier message. Here is where you are now."
                )
            ),
            self.where_you_are(),
        )

    async def on_upload(self, upload: Upload, caption: str) -> None:
        """Adds a photo or PDF (a letter, a bill) to the resident's newest open request, within
        limits; says kindly why not otherwise."""
        if self.draft is not None:
            self.show(views.notice(self.t.gettext(UPLOAD_AFTER_FORM)), self.where_you_are())
            return
        tickets = await self.open_tickets()
        if not tickets:
            self.show(
                views.notice(self.t.gettext(UPLOAD_NEEDS_REQUEST)),
                views.menu(self.t, greeting=False),
            )
            return
        problem = upload_problem(upload)
        ticket = max(tickets, key=lambda tk: (tk.created_at, tk.id))
        if problem is None and await count_attachments(self.session, ticket.id) >= MAX_UPLOADS:
            problem = UPLOAD_TOO_MANY
        if problem is not None:
            message = self.t.gettext(problem).format(megabytes=MAX_UPLOAD_BYTES // 2**20)
            self.show(views.notice(message))
            if caption.strip():
                # The file cannot be kept; the words sent with it go to the request.
                await self.follow_up(caption, tickets)
            return
        await add_upload(self.session, self.services, self.resident, ticket, upload, caption)
        self.reply.outbox_waiting = True
        self.show(views.notice(self.t.gettext(UPLOAD_ADDED).format(reference=ticket.reference)))

    async def on_other(self, kind: str, words: str = "") -> None:
        """Answers stickers, voice notes, locations, files it cannot keep and edited messages;
        words sent with such a file outside a form go to the resident's open request."""
        wanted = kind == "other" and words.strip() and self.draft is None
        tickets = await self.open_tickets() if wanted else []
        if tickets:
            self.show(views.notice(self.t.gettext(UPLOAD_KIND)))
            await self.follow_up(words, tickets)
            return
        if kind == "edited":
            message = self.t.gettext(
                "I cannot read changes to earlier messages. To change an answer, use Back, or "
                "Change on the review screen."
            )
        else:
            message = self.t.gettext(
                "I can only read text here. Please type your answer or press a button."
            )
        self.show(views.notice(message), self.where_you_are())

    async def on_draft_gone(self) -> None:
        """Tells a resident whose unfinished request expired that it is gone, and shows the menu."""
        await delete_draft(self.session, self.resident.id)
        self.draft = None
        await self.set_screen(ResidentScreen.MENU, pending_service=None)
        self.show(
            views.notice(
                self.t.gettext(
                    "Your unfinished request was deleted because it was not finished within "
                    "{hours} hours. Please start again from the menu."
                ).format(hours=self.retention_hours)
            ),
            views.menu(self.t, greeting=False),
        )

    # ---- privacy -----------------------------------------------------------------------------

    async def on_delete(self, action: str) -> None:
        """Erases everything about the resident, or keeps it."""
        if action == "yes":
            await erase_resident(self.session, self.services, self.resident)
            self.reply.outbox_waiting = True
            self.reply.erased = True
            self.show(views.deleted(self.t))
            return
        await self.set_screen(ResidentScreen.MENU)
        self.show(
            views.notice(self.t.gettext("Nothing was deleted.")), views.menu(self.t, greeting=False)
        )

    async def on_withdraw(self) -> None:
        """Withdraws consent: no new intake without asking again; the draft goes."""
        await delete_draft(self.session, self.resident.id)
        self.draft = None
        await self.set_screen(
            ResidentScreen.MENU, consent_version=None, consent_at=None, pending_service=None
        )
        self.show(views.consent_withdrawn(self.t))

    # ---- safety ------------------------------------------------------------------------------

    def staff_reply_day(self) -> date | None:
        """The day staff next read messages; None while they are in."""
        settings = self.services.settings
        return self.services.calendar.staff_reply_day(
            self.services.clock(), settings.office_opens, settings.office_closes
        )

    def staff_back(self, day: date | None) -> str | None:
        """When staff are back on that day, in the resident's words; None for no day."""
        settings = self.services.settings
        if day is None:
            return None
        today = self.services.clock().astimezone(settings.tz).date()
        written = format_day_and_time(day, settings.office_opens, self.locale)
        return views.relative_day(self.t, day, today, written)

    async def on_danger(self, text: str, hit: Hit) -> None:
        """Shows the crisis lines open now, marks the draft (or, with none, the open requests)
        urgent, alerts staff at once (and the on-call chat). The resident then carries on."""
        now = self.services.clock()
        local = now.astimezone(self.services.settings.tz)
        lines = lines_now(self.services.profile, self.locale, local)
        staff_back = self.staff_back(self.staff_reply_day())
        self.show(
            views.crisis_screen(
                self.t, lines, staff_back, self.services.profile.name.get(self.locale)
            )
        )
        flagged: list[TicketDTO] = []
        if self.draft is not None:
            # Words typed into a new request belong to it (and to the ticket it becomes);
            # the resident's other requests are left as they are.
            form, state = self.form_and_state()
            state.urgent = True
            self.draft = await save_draft(
                self.session, self.resident.id, form.key, state.model_dump(), now
            )
        for ticket in [] if self.draft is not None else await self.open_tickets():
            await update_ticket(
                self.session, ticket.id, now, TicketChange(priority=Priority.URGENT)
            )
            await add_ticket_event(
                self.session,
                ticket.id,
                "crisis_flagged",
                "resident",
                self.resident.telegram_user_id,
                now,
            )
            await queue_card_refresh(self.session, self.services, ticket.id)
            flagged.append(ticket)
        await alert_staff(
            self.session,
            self.services,
            self.resident,
            flagged,
            FORMS[self.draft.form_key] if self.draft else None,
            text,
            hit,
            out_of_hours=staff_back is not None,
        )
        self.reply.outbox_waiting = True

    async def on_minor(self) -> None:
        """Someone under 18 is routed to staff: the form asks nothing more after this answer."""
        if self.draft is None:
            return
        form, state = self.form_and_state()
        if state.minor:
            return
        state.minor = True
        self.draft = await save_draft(
            self.session, self.resident.id, form.key, state.model_dump(), self.services.clock()
        )
        self.show(
            views.notice(
                escape(
                    self.t.gettext(
                        "Thank you for telling us. Because you are under 18, we will not ask you for more "
                        "details here. After you send this, staff will contact you in this chat."
                    )
                )
            )
        )

    # ---- messages about open requests --------------------------------------------------------

    async def open_tickets(self) -> list[TicketDTO]:
        """The requests a message can be about: open ones and resolved ones, oldest first."""
        return await open_tickets_of_resident(
            self.session, self.resident.id, (*OPEN_STATUSES, TicketStatus.RESOLVED)
        )

    async def follow_up(self, text: str, tickets: list[TicketDTO] | None = None) -> bool:
        """Adds free text to the resident's open request (of `tickets`, if the caller has just
        read them), asking which one if there are several.

        Returns False when the resident has no open request.
        """
        if tickets is None:
            tickets = await self.open_tickets()
        if not tickets:
            return False
        text = text.strip()
        if len(tickets) == 1:
            await add_resident_message(self.session, self.services, self.resident, tickets[0], text)
            await self.set_screen(ResidentScreen.MENU, pending_service=None)
            self.show(views.follow_up_added(self.t, tickets[0].reference))
            self.reply.outbox_waiting = True
            return True
        # Kept until the resident says which request it is about, so nothing they said is lost.
        await self.set_screen(ResidentScreen.FOLLOW_UP, pending_message=text)
        self.show(views.which_ticket(self.t, tickets))
        return True

    async def deliver_waiting_message(self) -> None:
        """Adds a waiting message to the resident's newest request when none is open any more."""
        tickets = await tickets_of_resident(self.session, self.resident.id)
        if tickets:
            await add_resident_message(
                self.session,
                self.services,
                self.resident,
                tickets[-1],
                self.resident.pending_message,
            )
            self.reply.outbox_waiting = True
            self.show(views.follow_up_added(self.t, tickets[-1].reference))
        await self.set_screen(ResidentScreen.MENU, pending_message=None)
        self.show(views.menu(self.t, greeting=False))

    async def on_follow_up_choice(self, ticket_id: int) -> None:
        """Adds the waiting message to the request the resident chose."""
        ticket = next((tk for tk in await self.open_tickets() if tk.id == ticket_id), None)
        if ticket is None or not self.resident.pending_message:
            self.stale()
            return
        await add_resident_message(
            self.session, self.services, self.resident, ticket, self.resident.pending_message
        )
        await self.set_screen(ResidentScreen.MENU, pending_message=None)
        self.show(views.follow_up_added(self.t, ticket.reference))
        self.reply.outbox_waiting = True

    # ---- steps of the conversation -----------------------------------------------------------

    async def on_menu(self, item: str) -> None:
        """Acts on a main-menu choice."""
        if item == "office":
            await self.set_screen(ResidentScreen.MENU, pending_service=None)
            self.show(
                views.office_info(self.t, self.services.profile), views.menu(self.t, greeting=False)
            )
        elif item == "language":
            await self.set_screen(ResidentScreen.LANGUAGE)
            self.show(views.language_picker(self.t))
        elif self.draft is not None:
            await self.set_screen(ResidentScreen.RESUME)
            self.show(views.resume_offer(self.t, FORMS[self.draft.form_key]))
        else:
            await self.start_service(item)

    async def staff_member(self) -> StaffDTO | None:
        """The staff member this chat belongs to, if it is one (admins always are)."""
        return await staff_for_user(self.session, self.services, self.resident.telegram_user_id, "")

    async def on_new_ticket(self, item: str, household_of: int | None = None) -> None:
        """Starts a form a staff member fills for someone who phoned or came to the counter
        (joining the household of the ticket `household_of`, if given)."""
        if await self.staff_member() is None:
            self.show(refusal(self.t))
            return
        if self.draft is not None:
            await self.set_screen(ResidentScreen.RESUME)
            self.show(views.resume_offer(self.t, FORMS[self.draft.form_key]))
            return
        await self.start_service(item, for_staff=True, household_of=household_of)

    async def start_service(
        self, item: str, for_staff: bool = False, household_of: int | None = None
    ) -> None:
        """Starts a form, asking for consent first if the resident has not given it."""
        if not for_staff and self.resident.consent_version != CONSENT_VERSION:
            await self.set_screen(ResidentScreen.CONSENT, pending_service=item)
            self.show(views.consent_summary(self.t, self.services.profile, self.services.settings))
            return
        form = FORMS[item]
        round_ = self.resident.drafts_started + 1
        state = engine.begin(form, round_, for_staff).model_copy(
            update={"household_of": household_of}
        )
        self.draft = await save_draft(
            self.session, self.resident.id, form.key, state.model_dump(), self.services.clock()
        )
        await self.set_screen(ResidentScreen.FORM, pending_service=None, drafts_started=round_)
        self.show(
            views.notice(f"<b>{self.t.gettext(form.title)}</b>\n{self.t.gettext(form.intro)}"),
            views.question(form, state, self.form_ctx),
        )

    async def on_consent(self, action: str) -> None:
        """Records consent and starts the form, or explains the alternatives on decline."""
        if action == "full":
            self.reply.clear_pressed_keyboard = False
            self.show(views.consent_full(self.t, self.services.profile, self.services.settings))
        elif action == "agree":
            item = self.resident.pending_service
            now = self.services.clock()
            change = ResidentChange(consent_version=CONSENT_VERSION, consent_at=now)
            self.resident = await update_resident(self.session, self.resident.id, now, change)
            await self.start_service(item)
        else:
            await self.set_screen(ResidentScreen.MENU, pending_service=None)
            self.show(views.consent_declined(self.t, self.services.profile))

    async def on_language(self, code: str) -> None:
        """Stores the resident's language and returns to where they were."""
        screen = ResidentScreen.FORM if self.draft is not None else ResidentScreen.MENU
        await self.set_screen(screen, locale=code)
        notice = self.t.gettext("The language is now {language}.").format(
            language=LANGUAGE_NAMES[code]
        )
        self.show(views.notice(notice), self.where_you_are())

    async def on_resume(self, action: str) -> None:
        """Continues the unfinished draft or discards it."""
        if action == "continue":
            await self.set_screen(ResidentScreen.FORM)
            self.show(self.where_you_are())
        else:
            await delete_draft(self.session, self.resident.id)
            self.draft = None
            await self.set_screen(ResidentScreen.MENU)
            self.show(views.menu(self.t, greeting=False))

    async def submit_for_staff(self, form: Form, state: DraftState) -> None:
        """Stores a request a staff member recorded, marked as entered by staff."""
        staff = await self.staff_member()
        if staff is None:
            self.show(refusal(self.t))
            return
        ticket = await tickets.open_ticket(
            self.session, self.services, self.resident, form, state, STAFF_LOCALE, entered_by=staff
        )
        if ticket is None:
            self.stale()
            return
        self.draft = None
        await self.set_screen(ResidentScreen.MENU)
        staff_t = self.services.catalogs.translator_for(STAFF_LOCALE)
        receipt = views.notice(
            staff_t.gettext("Recorded as {reference}. Please tell the person this number.").format(
                reference=ticket.reference
            )
        )
        await enqueue(
            self.session,
            self.resident.chat_id,
            "staff_receipt",
            receipt,
            self.services.clock(),
            ticket.id,
        )
        self.reply.outbox_waiting = True

    async def run_action(self, action: Action) -> None:
        """Applies a form action and shows what follows."""
        form, state = self.form_and_state()
        outcome = engine.apply(form, state, action, self.form_ctx)
        t = self.t
        if outcome.kind == "invalid":
            assert outcome.problem is not None
            self.show(views.notice(outcome.problem.render(t)), self.form_screen(form, state))
        elif outcome.kind == "talk_to_staff":
            self.reply.clear_pressed_keyboard = False
            self.show(views.talk_to_staff(t, self.services.profile), self.form_screen(form, state))
        elif outcome.kind == "cancelled":
            await delete_draft(self.session, self.resident.id)
            self.draft = None
            await self.set_screen(ResidentScreen.MENU)
            self.show(views.cancelled(t))
        elif outcome.kind == "submitted" and outcome.state.for_staff:
            await self.submit_for_staff(form, outcome.state)
        elif outcome.kind == "submitted":
            ticket = await tickets.open_ticket(
                self.session, self.services, self.resident, form, outcome.state, self.locale
            )
            if ticket is None:
                self.stale()
                return
            self.draft = None
            await self.set_screen(ResidentScreen.MENU)
            # The receipt carries the reference: it goes through the outbox, committed with
            # the ticket, so a failed reply can never leave the resident without it.
            reply_day = self.staff_reply_day()
            same_day = (
                views.SameDay(self.staff_back(reply_day))
                if form.needed_today(outcome.state.answers)
                else None
            )
            receipt = views.submitted(
                t,
                form,
                ticket.reference,
                self.services.profile,
                outcome.state.answers,
                reply_day,
                same_day,
                today=self.services.clock().astimezone(self.services.settings.tz).date(),
            )
            await enqueue(
                self.session,
                self.resident.chat_id,
                "receipt",
                receipt,
                self.services.clock(),
                ticket.id,
            )
            self.reply.outbox_waiting = True
        else:
            self.draft = await save_draft(
                self.session,
                self.resident.id,
                form.key,
                outcome.state.model_dump(),
                self.services.clock(),
            )
            screen = self.form_screen(form, outcome.state)
            if action.kind == "toggle":
                self.reply.clear_pressed_keyboard = False
                self.reply.replace_pressed = screen
                return
            self.show(*(views.notice(t.gettext(n)) for n in outcome.notes), screen)


# What each screen shows when the resident comes back to it (any other: the menu).
SHOW_SCREEN: dict[ResidentScreen, Callable[[Desk], Screen]] = {
    ResidentScreen.FORM: Desk.show_form,
    ResidentScreen.RESUME: Desk.show_resume,
    ResidentScreen.CONSENT: Desk.show_consent,
    ResidentScreen.LANGUAGE: Desk.show_language,
    ResidentScreen.FOLLOW_UP: Desk.show_follow_up,
}

# How typed text is read on each screen; False means "not understood here".
READ_TEXT: dict[ResidentScreen, Callable[[Desk, str], Awaitable[bool]]] = {
    ResidentScreen.MENU: Desk.text_on_menu,
    ResidentScreen.FORM: Desk.text_in_form,
    ResidentScreen.RESUME: Desk.text_on_resume,
    ResidentScreen.CONSENT: Desk.text_on_consent,
    ResidentScreen.LANGUAGE: Desk.text_on_language,
    ResidentScreen.FOLLOW_UP: Desk.text_on_follow_up,
    ResidentScreen.DELETE_CONFIRM: Desk.text_on_delete_confirm,
}

# Each button family's handler, and the screen it belongs to (None: any screen).
BUTTONS: dict[
    ButtonFamily, tuple[ResidentScreen | None, Callable[[Desk, ButtonData], Awaitable[None]]]
] = {
    ButtonFamily.MENU: (None, Desk.press_menu),
    ButtonFamily.LANGUAGE: (None, Desk.press_language),
    ButtonFamily.CONSENT: (ResidentScreen.CONSENT, Desk.press_consent),
    ButtonFamily.RESUME: (ResidentScreen.RESUME, Desk.press_resume),
    ButtonFamily.ERASE: (ResidentScreen.DELETE_CONFIRM, Desk.press_erase),
    ButtonFamily.WITHDRAW: (None, Desk.press_withdraw),
    ButtonFamily.NEW_TICKET: (None, Desk.press_new_ticket),
    ButtonFamily.FOLLOW_UP: (ResidentScreen.FOLLOW_UP, Desk.press_follow_up),
    ButtonFamily.FORM: (ResidentScreen.FORM, Desk.press_form),
    ButtonFamily.VOLUNTEER: (None, Desk.press_volunteer),
}

# The resident commands (anything else gets a kind answer).
COMMANDS: dict[str, Callable[[Desk], Awaitable[None]]] = {
    "start": Desk.command_start,
    "help": Desk.command_help,
    "privacy": Desk.command_privacy,
    "mydata": Desk.command_mydata,
    "delete": Desk.command_delete,
    "mytickets": Desk.command_mytickets,
    "language": Desk.command_language,
    "cancel": Desk.command_cancel,
}


async def handle(session: AsyncSession, services: Services, who: Who, event: Event) -> Reply:
    """Handles one resident update inside its transaction and returns what to answer."""
    now = services.clock()
    resident, draft, marked_unreachable = await resident_and_draft(
        session, who.user_id, who.chat_id, who.language_code, now
    )
    # Any message from the resident shows they can be reached again (they unblocked the bot).
    if marked_unreachable:
        for ticket_id in await set_resident_reachable(session, resident.id, True):
            await queue_card_refresh(session, services, ticket_id)
    desk = Desk(session, services, resident, draft)
    expired = draft is not None and (
        draft.form_key not in FORMS
        or now - draft.updated_at > timedelta(hours=services.settings.draft_retention_hours)
    )
    gone = expired or (
        draft is None and resident.screen in (ResidentScreen.FORM, ResidentScreen.RESUME)
    )
    if gone:
        await desk.on_draft_gone()
    # Every text is checked, whatever else happens to it: typed, a caption, or an edit.
    hit = services.safety.check(event.text) if event.kind != "command" and event.text else None
    if hit is not None:
        await desk.on_danger(event.text, hit)
    if gone:
        return desk.reply
    if event.kind == "command":
        await desk.on_command(event.text)
    elif event.kind == "text":
        if says_minor(event.text):
            await desk.on_minor()
        await desk.on_text(event.text)
    elif event.kind == "button":
        await desk.on_button(event.data)
    elif event.kind == "upload" and event.upload is not None:
        await desk.on_upload(event.upload, event.text)
    else:
        await desk.on_other(event.kind, event.text)
    return desk.reply
