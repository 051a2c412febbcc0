"""The vocabulary of a declarative intake form: steps, choices and conditions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class StepKind(StrEnum):
    """What kind of answer a step takes."""

    CHOICE = "choice"
    MULTI = "multi"
    TEXT = "text"
    NUMBER = "number"
    PHONE = "phone"


@dataclass(frozen=True)
class Choice:
    """One option of a choice step; `label` is a message id unless `translate` is false.

    `button` is a short message id for the button when the label is long (the full label is
    listed in the message body); `receipt` is a line the receipt adds when this was chosen.
    """

    value: str
    label: str
    note: str | None = None
    translate: bool = True
    aliases: tuple[str, ...] = ()
    button: str | None = None
    receipt: str | None = None


class Condition(Protocol):
    """Decides from earlier answers whether a step is shown."""

    def holds(self, answers: dict[str, Any]) -> bool:
        """Returns whether the condition is met."""
        ...

    def possible(self, answers: dict[str, Any]) -> bool:
        """Returns whether the condition can still be met once later steps are answered."""
        ...


@dataclass(frozen=True)
class Equals:
    """Met when a step was answered with one of the given values."""

    step: str
    values: tuple[str, ...]

    def holds(self, answers: dict[str, Any]) -> bool:
        """Returns whether the answer is one of the values."""
        return answers.get(self.step) in self.values

    def possible(self, answers: dict[str, Any]) -> bool:
        """Met, or its step is not answered yet."""
        return self.step not in answers or self.holds(answers)


@dataclass(frozen=True)
class NotIn:
    """Met unless a step was answered with one of the given values."""

    step: str
    values: tuple[str, ...]

    def holds(self, answers: dict[str, Any]) -> bool:
        """Returns whether the answer is none of the values."""
        return answers.get(self.step) not in self.values

    def possible(self, answers: dict[str, Any]) -> bool:
        """Met, or its step is not answered yet."""
        return self.step not in answers or self.holds(answers)


@dataclass(frozen=True)
class AllOf:
    """Met when every condition is met."""

    conditions: tuple[Condition, ...]

    def holds(self, answers: dict[str, Any]) -> bool:
        """Returns whether all conditions hold."""
        return all(c.holds(answers) for c in self.conditions)

    def possible(self, answers: dict[str, Any]) -> bool:
        """Returns whether every condition can still be met."""
        return all(c.possible(answers) for c in self.conditions)


@dataclass(frozen=True)
class Step:
    """One question of a form."""

    key: str
    kind: StepKind
    label: str
    prompt: str
    hint: str | None = None
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    min_value: int = 0
    max_value: int = 99
    max_length: int = 300
    optional: bool = False
    sensitive: bool = False
    when: Condition | None = None

    @property
    def is_sensitive(self) -> bool:
        """Whether answers to this step are sensitive; all free text is."""
        return self.sensitive or self.kind is StepKind.TEXT

    def shown(self, answers: dict[str, Any]) -> bool:
        """Returns whether this step applies, given the answers so far."""
        return self.when is None or self.when.holds(answers)

    def may_be_shown(self, answers: dict[str, Any]) -> bool:
        """Returns whether this step applies or may still apply once earlier steps are answered."""
        return self.when is None or self.when.possible(answers)


@dataclass(frozen=True)
class PriorityRule:
    """Sets a ticket's priority when a step has one of the given answers."""

    step: str
    values: tuple[str, ...]
    priority: str


@dataclass(frozen=True)
class SameDayNeed:
    """Answers that mean the need is for today (no food today): the receipt gives the route
    for today, not only the reply in office hours."""

    step: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Form:
    """An intake form: its steps in order and what happens after it is sent."""

    key: str
    title: str
    intro: str
    next_steps: str
    steps: tuple[Step, ...]
    # The receipt's first line (a message id): a request is received, an opinion thanked for.
    thanks: str
    priority_rules: tuple[PriorityRule, ...] = ()
    default_priority: str = "normal"
    same_day: SameDayNeed | None = None
    _index: dict[str, Step] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = [s.key for s in self.steps]
        if len(keys) != len(set(keys)):
            raise ValueError(f"form {self.key} repeats a step key")
        object.__setattr__(self, "_index", {s.key: s for s in self.steps})

    def step(self, key: str) -> Step:
        """Returns the step with this key."""
        return self._index[key]

    def needed_today(self, answers: dict[str, Any]) -> bool:
        """Whether the answers say the need is for today."""
        return self.same_day is not None and answers.get(self.same_day.step) in self.same_day.values

    def visible_steps(self, answers: dict[str, Any]) -> list[Step]:
        """Returns the steps that apply, in order."""
        return [s for s in self.steps if s.shown(answers)]

    def receipt_notes(self, answers: dict[str, Any]) -> list[str]:
        """The receipt lines (message ids) of the choices made on the steps that apply."""
        notes = []
        for step in self.visible_steps(answers):
            picked = answers.get(step.key)
            values = picked if isinstance(picked, list) else [picked]
            notes += [c.receipt for c in step.choices if c.value in values and c.receipt]
        return notes

    def priority(self, answers: dict[str, Any]) -> str:
        """Returns the priority a ticket from these answers starts with."""
        for rule in self.priority_rules:
            if answers.get(rule.step) in rule.values:
                return rule.priority
        return self.default_priority
