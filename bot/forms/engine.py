"""The generic engine that walks any form: validates answers, moves between steps, reviews.

It knows nothing of Telegram: input is text or a button action, output is a new state or
a problem to show. The state is plain data, stored with the draft after every step.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

import phonenumbers
from pydantic import BaseModel, Field

from bot.forms.model import Choice, Form, Step, StepKind
from bot.i18n import N_, Translator

Mode = Literal["filling", "review", "confirm_cancel"]

BACK = N_("Back")
SKIP = N_("Skip")
DONE = N_("Done")
CANCEL = N_("Cancel")
SEND = N_("Send")
YES_CANCEL = N_("Yes, cancel")
NO_CONTINUE = N_("No, continue")
TALK_TO_STAFF = N_("Talk to staff instead")
SKIPPED = N_("(skipped)")
CHANGE = N_("Change {number}")
# Between the answers of a multi-choice step (「、」 in Japanese).
LIST_SEPARATOR = N_(", ")


class DraftState(BaseModel):
    """Where a resident is in a form; stored as JSON with the draft."""

    form: str
    step: str | None
    mode: Mode = "filling"
    answers: dict[str, Any] = Field(default_factory=dict)
    # Choices ticked so far on a multi-choice step, before "Done"; None until the first tick.
    selection: list[str] | None = None
    # The step being changed from the review screen; "back" then returns to review.
    editing: bool = False
    before_cancel: Mode = "filling"
    # Which of the resident's drafts this is, and a counter bumped on every change: buttons
    # carry both, so a button of an earlier question or an earlier draft is recognised.
    round: int = 0
    seq: int = 0
    # True when a staff member fills the form for someone who phoned or came to the counter.
    for_staff: bool = False
    # Set when something the resident wrote suggested danger: the ticket starts urgent.
    urgent: bool = False
    # Set when the resident said they are under 18: no further details are asked (SERVICES.md).
    minor: bool = False
    # A call staff take about someone already known (/newticket 1234-5678): the ticket id
    # whose household the new ticket joins.
    household_of: int | None = None


@dataclass(frozen=True)
class Problem:
    """Why an input was not accepted: a message id and its placeholders."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, t: Translator) -> str:
        """Returns the problem in the recipient's language."""
        return t.gettext(self.message).format(**self.params)


# What a resident can do on a form: type an answer, or press one of the form's buttons.
ActionKind = Literal[
    "answer",
    "pick",
    "toggle",
    "done",
    "back",
    "skip",
    "cancel",
    "confirm_cancel",
    "keep",
    "edit",
    "send",
    "talk_to_staff",
]


@dataclass(frozen=True)
class Action:
    """Something the resident did: typed an answer or pressed a button."""

    kind: ActionKind
    text: str = ""
    index: int = 0


@dataclass(frozen=True)
class Outcome:
    """What an action led to."""

    kind: Literal["updated", "invalid", "cancelled", "submitted", "talk_to_staff"]
    state: DraftState
    problem: Problem | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormContext:
    """What the engine needs from outside: the translator and choices from configuration."""

    t: Translator
    dynamic_choices: dict[str, tuple[Choice, ...]] = field(default_factory=dict)


def normalize(text: str) -> str:
    """Folds full-width characters, case and surrounding spaces so typed input can match."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return folded.strip(" .。、,!！?？「」\"'")


def begin(form: Form, round_: int = 0, for_staff: bool = False) -> DraftState:
    """Returns the state of a new draft at the form's first step."""
    first = form.visible_steps({})[0]
    return DraftState(form=form.key, step=first.key, round=round_, for_staff=for_staff)


def choices_for(step: Step, ctx: FormContext) -> tuple[Choice, ...]:
    """Returns a step's choices, including those that come from configuration."""
    if step.choices_from:
        return ctx.dynamic_choices.get(step.choices_from, ())
    return step.choices


def choice_label(choice: Choice, t: Translator) -> str:
    """Returns the label of a choice in the recipient's language."""
    return t.gettext(choice.label) if choice.translate else choice.label


def progress(form: Form, state: DraftState) -> tuple[int, int]:
    """Returns the current step's position and the number of steps, e.g. (3, 7).

    Steps that may still apply count from the start, so the total never grows when an answer
    opens a branch; it only shrinks when an answer closes one.
    """
    answers = state.answers
    counted = [s.key for s in form.steps if s.may_be_shown(answers)]
    position = counted.index(state.step) + 1 if state.step in counted else len(counted)
    return position, len(counted)


def button_label(choice: Choice, t: Translator) -> str:
    """Returns the short label of a choice for its button."""
    if choice.button is not None:
        return t.gettext(choice.button)
    return choice_label(choice, t)


def display_answer(step: Step, value: Any, ctx: FormContext) -> str:
    """Returns an answer as a person should read it."""
    if value is None:
        return ctx.t.gettext(SKIPPED)
    if step.kind in (StepKind.CHOICE, StepKind.MULTI):
        by_value = {c.value: choice_label(c, ctx.t) for c in choices_for(step, ctx)}
        values = value if isinstance(value, list) else [value]
        return ctx.t.gettext(LIST_SEPARATOR).join(by_value.get(v, str(v)) for v in values)
    if step.kind is StepKind.PHONE:
        return format_phone(value)
    return str(value)


def review_items(form: Form, state: DraftState, ctx: FormContext) -> list[tuple[Step, str]]:
    """Returns every answered step that applies, with its answer for the review screen."""
    return [
        (step, display_answer(step, state.answers[step.key], ctx))
        for step in form.visible_steps(state.answers)
        if step.key in state.answers
    ]


def format_phone(e164: str) -> str:
    """Formats a stored phone number the way it is written in Japan."""
    try:
        number = phonenumbers.parse(e164, "JP")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def parse_phone(text: str) -> str | None:
    """Returns a valid Japanese phone number in E.164 form, or None."""
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", text), "JP")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 81 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _matches_label(text: str, message_id: str, t: Translator) -> bool:
    """Returns whether typed text is a button label, in the resident's language or English."""
    typed = normalize(text)
    return typed in (normalize(t.gettext(message_id)), normalize(message_id))


# Answers and choices are numbered with a few digits; longer runs are no number of ours (and
# int() refuses more than 4,300 digits).
MAX_NUMBER_DIGITS = 3


def _change_number(text: str, t: Translator) -> int | None:
    """Reads '3', 'Change 3' or its translation (e.g. '3番を変更') as the answer number 3."""
    typed = normalize(text)
    if typed.isdecimal():
        return int(typed) if len(typed) <= MAX_NUMBER_DIGITS else None
    for template in {t.gettext(CHANGE), CHANGE}:
        before, _, after = normalize(template).partition("{number}")
        pattern = re.escape(before) + r"\s*(\d{1,3})\s*" + re.escape(after)
        match = re.fullmatch(pattern, typed)
        if match:
            return int(match.group(1))
    return None


def parse_text(form: Form, state: DraftState, text: str, ctx: FormContext) -> Action:
    """Turns typed text into an action: a navigation word, a command word or an answer."""
    t = ctx.t
    if state.mode == "confirm_cancel":
        typed = normalize(text)
        if typed == "1" or _matches_label(text, YES_CANCEL, t) or _matches_label(text, CANCEL, t):
            return Action("confirm_cancel")
        if typed == "2" or _matches_label(text, NO_CONTINUE, t):
            return Action("keep")
        return Action("answer", text=text)
    if _matches_label(text, CANCEL, t):
        return Action("cancel")
    if _matches_label(text, TALK_TO_STAFF, t):
        return Action("talk_to_staff")
    if state.mode == "review":
        if _matches_label(text, SEND, t):
            return Action("send")
        number = _change_number(text, t)
        if number is not None:
            return Action("edit", index=number - 1)
        return Action("answer", text=text)
    if _matches_label(text, BACK, t):
        return Action("back")
    if _matches_label(text, SKIP, t):
        return Action("skip")
    if _matches_label(text, DONE, t):
        return Action("done")
    return Action("answer", text=text)


def apply(form: Form, state: DraftState, action: Action, ctx: FormContext) -> Outcome:
    """Applies an action to a draft and returns the outcome; the given state is not changed."""
    state = state.model_copy(deep=True)
    if action.kind == "talk_to_staff":
        return Outcome("talk_to_staff", state)
    if state.mode == "confirm_cancel":
        return _apply_confirm_cancel(state, action)
    if action.kind == "cancel":
        state.before_cancel = state.mode
        return _changed(state, mode="confirm_cancel")
    if state.mode == "review":
        return _apply_review(form, state, action, ctx)
    return _apply_filling(form, state, action, ctx)


def _changed(state: DraftState, notes: tuple[str, ...] = (), **updates: Any) -> Outcome:
    """Returns an 'updated' outcome with the changes applied and the sequence bumped."""
    for name, value in updates.items():
        setattr(state, name, value)
    state.seq += 1
    return Outcome("updated", state, notes=notes)


def _invalid(state: DraftState, message: str, **params: Any) -> Outcome:
    """Returns an 'invalid' outcome that leaves the draft as it was."""
    return Outcome("invalid", state, Problem(message, params))


def _apply_confirm_cancel(state: DraftState, action: Action) -> Outcome:
    """Handles the answer to 'cancel this request?'."""
    if action.kind == "confirm_cancel":
        return Outcome("cancelled", state)
    if action.kind == "keep":
        return _changed(state, mode=state.before_cancel)
    return _invalid(state, N_("Please choose: cancel the request, or continue."))


def _apply_review(form: Form, state: DraftState, action: Action, ctx: FormContext) -> Outcome:
    """Handles the review screen: send, or pick an answer to change."""
    if action.kind == "send":
        missing = _first_unanswered(form, state.answers, state.minor)
        if missing is not None:
            return _changed(state, mode="filling", step=missing.key, editing=True)
        return Outcome("submitted", state)
    if action.kind == "edit":
        items = review_items(form, state, ctx)
        if not 0 <= action.index < len(items):
            return _invalid(
                state, N_("Please choose a number from 1 to {count}."), count=len(items)
            )
        step = items[action.index][0]
        return _changed(state, mode="filling", step=step.key, editing=True, selection=None)
    return _invalid(
        state, N_("Press Send to send your request, or the number of an answer to change it.")
    )


def _apply_filling(form: Form, state: DraftState, action: Action, ctx: FormContext) -> Outcome:
    """Handles an action on the current question."""
    step = form.step(state.step) if state.step else None
    if step is None or not step.shown(state.answers):
        return _advance(form, state)
    if action.kind == "back":
        return _go_back(form, state, step)
    if action.kind == "skip":
        if not step.optional:
            return _invalid(state, N_("This question cannot be skipped."))
        state.answers[step.key] = None
        return _advance(form, state)
    if step.kind is StepKind.MULTI and action.kind in ("toggle", "done"):
        return _apply_multi_button(form, state, step, action, ctx)
    if action.kind == "pick":
        choices = choices_for(step, ctx)
        if step.kind is not StepKind.CHOICE or not 0 <= action.index < len(choices):
            return _invalid(state, N_("That button is not part of this question."))
        return _accept(form, state, step, choices[action.index].value, ctx)
    if action.kind != "answer":
        return _invalid(state, N_("That does not fit this question."))
    value_or_problem = validate(step, action.text, ctx)
    if isinstance(value_or_problem, Problem):
        return Outcome("invalid", state, value_or_problem)
    return _accept(form, state, step, value_or_problem, ctx)


def _apply_multi_button(
    form: Form, state: DraftState, step: Step, action: Action, ctx: FormContext
) -> Outcome:
    """Toggles a choice of a multi-choice step, or finishes it with Done."""
    choices = choices_for(step, ctx)
    if action.kind == "toggle":
        if not 0 <= action.index < len(choices):
            return _invalid(state, N_("That button is not part of this question."))
        value = choices[action.index].value
        ticked = current_selection(step, state)
        selected = [v for v in ticked if v != value] + ([] if value in ticked else [value])
        return _changed(state, selection=selected)
    if state.selection is None and step.key in state.answers:
        return _advance(form, state)
    if not state.selection:
        return _invalid(state, N_("Please choose at least one, then press Done."))
    ordered = [c.value for c in choices if c.value in state.selection]
    return _accept(form, state, step, ordered, ctx)


def current_selection(step: Step, state: DraftState) -> list[str]:
    """The ticks shown on a multi-choice step: those being changed, else the saved answer."""
    if state.selection is not None:
        return state.selection
    saved = state.answers.get(step.key)
    return list(saved) if isinstance(saved, list) else []


def _accept(form: Form, state: DraftState, step: Step, value: Any, ctx: FormContext) -> Outcome:
    """Stores a valid answer and moves on, showing any note the choice carries."""
    state.answers[step.key] = value
    notes = tuple(c.note for c in choices_for(step, ctx) if c.note and c.value in _as_list(value))
    return _advance(form, state, notes)


def _as_list(value: Any) -> list[Any]:
    """Returns a multi-choice answer as is and any other answer as a one-item list."""
    return value if isinstance(value, list) else [value]


def _first_unanswered(form: Form, answers: dict[str, Any], minor: bool = False) -> Step | None:
    """Returns the first step that applies and has no answer yet (none left for a minor)."""
    if minor:
        return None
    return next((s for s in form.visible_steps(answers) if s.key not in answers), None)


def _advance(form: Form, state: DraftState, notes: tuple[str, ...] = ()) -> Outcome:
    """Moves to the first unanswered step, or to the review screen when all are answered."""
    visible = {s.key for s in form.visible_steps(state.answers)}
    # Answers to steps that no longer apply are dropped, so nothing unneeded is kept.
    state.answers = {k: v for k, v in state.answers.items() if k in visible}
    state.selection = None
    nxt = _first_unanswered(form, state.answers, state.minor)
    if nxt is None:
        return _changed(state, notes, mode="review", step=None, editing=False)
    return _changed(state, notes, step=nxt.key)


def _go_back(form: Form, state: DraftState, step: Step) -> Outcome:
    """Returns to the previous question, or to the review screen when editing."""
    if state.editing and all(s.key in state.answers for s in form.visible_steps(state.answers)):
        return _changed(state, mode="review", step=None, editing=False, selection=None)
    visible = form.visible_steps(state.answers)
    position = [s.key for s in visible].index(step.key)
    if position == 0:
        return _invalid(state, N_("This is the first question."))
    return _changed(state, step=visible[position - 1].key, selection=None)


def validate(step: Step, text: str, ctx: FormContext) -> Any | Problem:
    """Checks typed text against a step and returns the value to store or the problem."""
    stripped = text.strip()
    if not stripped:
        return Problem(N_("Please type an answer."))
    if step.kind is StepKind.TEXT:
        if len(stripped) > step.max_length:
            return Problem(
                N_("That is {length} characters; please keep it within {limit}."),
                {"length": len(stripped), "limit": step.max_length},
            )
        return stripped
    if step.kind is StepKind.NUMBER:
        return _validate_number(step, stripped)
    if step.kind is StepKind.PHONE:
        phone = parse_phone(stripped) if len(stripped) <= 40 else None
        if phone is None:
            return Problem(
                N_(
                    "That does not look like a Japanese phone number. Please type it like 045-123-4567."
                )
            )
        return phone
    return _match_choices(step, stripped, ctx)


def _validate_number(step: Step, text: str) -> int | Problem:
    """Reads one whole number from typed text and checks its range."""
    numbers = re.findall(r"-?\d+", unicodedata.normalize("NFKC", text))
    if len(numbers) != 1 or len(numbers[0]) > 7:
        return Problem(N_("Please type a number, for example 2."))
    value = int(numbers[0])
    if not step.min_value <= value <= step.max_value:
        return Problem(
            N_("Please type a number from {minimum} to {maximum}."),
            {"minimum": step.min_value, "maximum": step.max_value},
        )
    return value


def _match_one(choices: tuple[Choice, ...], typed: str, t: Translator) -> Choice | None:
    """Finds the choice a typed number, label or alias names."""
    if typed.isdecimal():
        index = int(typed) - 1 if len(typed) <= MAX_NUMBER_DIGITS else -1
        return choices[index] if 0 <= index < len(choices) else None
    for choice in choices:
        names = {choice_label(choice, t), choice.label, choice.value, *choice.aliases}
        if choice.button is not None:
            names |= {t.gettext(choice.button), choice.button}
        if typed in {normalize(n) for n in names}:
            return choice
    return None


def _match_choices(step: Step, text: str, ctx: FormContext) -> Any | Problem:
    """Matches typed text to one choice, or to several on a multi-choice step."""
    choices = choices_for(step, ctx)
    problem = Problem(
        N_("Please choose one of the buttons, or type its number (1 to {count})."),
        {"count": len(choices)},
    )
    if step.kind is StepKind.CHOICE:
        match = _match_one(choices, normalize(text), ctx.t)
        return match.value if match else problem
    parts = [p for p in re.split(r"[\s,、，・/]+", normalize(text)) if p]
    matched = [_match_one(choices, p, ctx.t) for p in parts]
    if not matched or any(m is None for m in matched):
        whole = _match_one(choices, normalize(text), ctx.t)
        if whole is None:
            return problem
        matched = [whole]
    picked = {m.value for m in matched if m}
    return [c.value for c in choices if c.value in picked]
