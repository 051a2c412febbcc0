"""The form engine on its own: properties that hold for every form and any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.callbacks import parse
from bot.forms import engine
from bot.forms.definitions import FORMS
from bot.forms.engine import Action, FormContext
from bot.forms.model import StepKind
from bot.i18n import Catalogs
from bot.resident.views import question, review
from bot.screens import split_text
from bot.settings import EXAMPLE_PROFILE, load_profile

CATALOGS = Catalogs()
PROFILE = load_profile(EXAMPLE_PROFILE)


def _ctx(locale: str = "en") -> FormContext:
    from bot.forms.definitions import DISTRICTS, UNKNOWN_DISTRICT
    from bot.forms.model import Choice

    districts = tuple(Choice(d.key, d.name.get(locale), translate=False) for d in PROFILE.districts)
    return FormContext(
        CATALOGS.translator_for(locale),
        {DISTRICTS: (*districts, Choice(UNKNOWN_DISTRICT, "Don't know"))},
    )


actions = st.one_of(
    st.builds(Action, st.just("answer"), text=st.text(max_size=500)),
    st.builds(
        Action,
        st.just("answer"),
        text=st.sampled_from(["1", "2", "3", "0", "12", "x", "045-123-4567"]),
    ),
    st.builds(Action, st.sampled_from(["pick", "toggle", "edit"]), index=st.integers(-2, 30)),
    st.builds(
        Action,
        st.sampled_from(["done", "back", "skip", "send", "cancel", "keep", "confirm_cancel"]),
    ),
)


@settings(max_examples=150, deadline=None)
@given(form_key=st.sampled_from(sorted(FORMS)), script=st.lists(actions, max_size=40))
def test_any_sequence_of_actions_keeps_the_draft_consistent(
    form_key: str, script: list[Action]
) -> None:
    """Whatever is typed or pressed: answers only for relevant steps, valid values, screens fit."""
    form = FORMS[form_key]
    ctx = _ctx()
    state = engine.begin(form)
    for action in script:
        outcome = engine.apply(form, state, action, ctx)
        if outcome.kind == "invalid":
            assert outcome.state == state
        if outcome.kind in ("cancelled", "submitted"):
            break
        if outcome.kind == "updated":
            assert outcome.state.seq == state.seq + 1
        state = outcome.state
        visible = {s.key for s in form.visible_steps(state.answers)}
        assert set(state.answers) <= visible
        for key, value in state.answers.items():
            step = form.step(key)
            if value is None:
                assert step.optional
            elif step.kind is StepKind.NUMBER:
                assert step.min_value <= value <= step.max_value
            elif step.kind is StepKind.TEXT:
                assert 0 < len(value) <= step.max_length
        screen = (
            review(form, state, ctx)
            if state.mode == "review"
            else (question(form, state, ctx) if state.mode == "filling" else None)
        )
        if screen is not None:
            assert len(screen.text) <= 4096
            buttons = [b for row in screen.rows for b in row]
            assert len(buttons) <= 100
            assert all(len(row) <= 8 for row in screen.rows)
            assert all(len(b.data.encode()) <= 64 for b in buttons)
            assert all(parse(b.data, ("ja", "en")) is not None for b in buttons)


@pytest.mark.parametrize("form_key", sorted(FORMS))
def test_every_step_has_translated_texts(form_key: str) -> None:
    """Every prompt, label and choice of every form has a Japanese translation."""
    ja = CATALOGS.translator_for("ja")
    form = FORMS[form_key]
    texts = [form.title, form.intro, form.next_steps]
    for step in form.steps:
        texts += [step.label, step.prompt] + ([step.hint] if step.hint else [])
        texts += [c.label for c in step.choices] + [c.note for c in step.choices if c.note]
    assert [t for t in texts if ja.gettext(t) == t] == []


def test_all_free_text_is_sensitive() -> None:
    """Every free-text answer counts as sensitive (SERVICES.md), whether marked or not."""
    text_steps = [s for f in FORMS.values() for s in f.steps if s.kind is StepKind.TEXT]
    assert text_steps and all(s.is_sensitive for s in text_steps)
    phone = FORMS["food"].step("phone")
    assert not phone.is_sensitive


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20_000))
def test_split_text_keeps_every_character_under_the_limit(text: str) -> None:
    """Splitting never loses a character and never exceeds Telegram's limit."""
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


@given(st.lists(st.text(alphabet="あいうxyz &<>", max_size=300), max_size=60))
def test_split_text_breaks_only_between_lines_when_lines_fit(lines: list[str]) -> None:
    """Lines that fit are never cut: the parts joined by newlines are the original text."""
    text = "\n".join(lines)
    parts = split_text(text, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert "\n".join(parts) == text
