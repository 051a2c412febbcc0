"""A check's outcome and the texts that explain it, free of any messenger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.i18n import Translator

Status = Literal["ok", "fail", "skip"]


@dataclass(frozen=True)
class Said:
    """A message id and its placeholders, translated for each reader when printed."""

    msgid: str
    params: dict[str, object] = field(default_factory=dict)
    # Words from outside the catalog (e.g. storage's refusals), shown after the translation.
    detail: str = ""

    def render(self, t: Translator) -> str:
        """The text in the translator's language."""
        text = t.gettext(self.msgid).format(**self.params)
        return f"{text} {self.detail}" if self.detail else text


@dataclass(frozen=True)
class Check:
    """One line of the checklist: what was checked, how it went and, when failed, what to do.

    `fatal` checks are the ones `madoguchi run` refuses to start on (they would lose requests).
    """

    key: str
    status: Status
    said: Said
    advice: Said | None = None
    fatal: bool = False

    @property
    def failed(self) -> bool:
        """Whether this check failed."""
        return self.status == "fail"


def ok(key: str, said: Said) -> Check:
    """A passed check."""
    return Check(key, "ok", said)


def fail(key: str, said: Said, advice: Said | None = None, *, fatal: bool = False) -> Check:
    """A failed check with what to do."""
    return Check(key, "fail", said, advice, fatal)


def skip(key: str, said: Said) -> Check:
    """A check that does not apply here (or cannot run before another one passes)."""
    return Check(key, "skip", said)
