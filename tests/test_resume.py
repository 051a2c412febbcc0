"""Drafts survive restarts, crashes and days of silence, until the retention period ends."""

from __future__ import annotations

from tests.fakes import Harness
from tests.scripts import begin_form


async def test_draft_survives_a_new_application_on_the_same_database(harness: Harness) -> None:
    """After a restart, /start offers to continue and the resident resumes at the same step."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send("2")
    await resident.send("1")
    await harness.restart()
    harness.rebind(resident)
    await resident.send("/start")
    assert "You have an unfinished request: Food support." in resident.last.text
    await resident.click("Continue where I stopped")
    assert "How much food" in resident.last.text
    await resident.click("Enough for about a week")
    assert (await harness.draft_state(resident))["answers"] == {
        "adults": 2,
        "children": 1,
        "urgency": "week",
    }


async def test_answer_after_restart_without_start_continues(harness: Harness) -> None:
    """A resident who simply answers after a restart carries on where they were."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send("2")
    await harness.restart()
    harness.rebind(resident)
    await resident.send("0")
    assert "How much food" in resident.last.text


async def test_a_button_pressed_after_restart_still_works(harness: Harness) -> None:
    """The question's buttons stay valid across a restart (their state is in the database)."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    await harness.restart()
    harness.rebind(resident)
    await resident.click("Something else")
    assert "Who needs help?" in resident.last.text


async def test_start_over_discards_the_draft(harness: Harness) -> None:
    """'Start over' deletes the draft and shows the menu."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send("2")
    await resident.send("/start")
    await resident.click("Start over")
    assert await harness.draft_state(resident) is None
    assert any("Consultation" in label for label in resident.labels())


async def test_draft_kept_through_days_of_silence(harness: Harness) -> None:
    """Two days later (inside 72 hours) the draft is still there."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send("2")
    harness.clock.advance(hours=71)
    await resident.send("/start")
    assert "unfinished request" in resident.last.text


async def test_draft_expires_after_the_retention_period(harness: Harness) -> None:
    """After 72 hours of silence the draft is gone; the resident starts afresh."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send("2")
    harness.clock.advance(hours=73)
    await resident.send("/start")
    assert "unfinished request" not in resident.last.text
    assert await harness.draft_state(resident) is None


async def test_purge_job_removes_only_expired_drafts(harness: Harness) -> None:
    """The hourly purge deletes drafts older than the retention period and keeps newer ones."""
    from handlers.jobs import purge_expired_drafts

    old, recent = harness.resident(6001), harness.resident(6002)
    await begin_form(harness, old, harness.en(), "Food support")
    harness.clock.advance(hours=50)
    await begin_form(harness, recent, harness.en(), "Food support")
    harness.clock.advance(hours=23)

    class _Context:
        services = harness.services

    await purge_expired_drafts(_Context())
    assert await harness.draft_state(old) is None
    assert await harness.draft_state(recent) is not None


async def test_an_answer_to_an_expired_draft_is_not_read_as_a_menu_choice(harness: Harness) -> None:
    """After expiry, typing '1' tells the resident the draft is gone; no form starts."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send("2")
    harness.clock.advance(hours=73)
    await resident.send("1")
    assert resident.said("Your unfinished request was deleted", since=-2)
    assert await harness.draft_state(resident) is None
    row = await harness.resident_row(resident)
    assert row.screen == "menu"


async def test_purge_forgets_update_ids_after_a_week(harness: Harness) -> None:
    """Processed update ids are kept for a week (Telegram redelivers within a day), then dropped."""
    from handlers.jobs import purge_expired_drafts
    from storage.models import ProcessedUpdate
    from storage.runs import count_rows

    resident = harness.resident()
    await resident.send("/start")

    class _Context:
        services = harness.services

    harness.clock.advance(days=6)
    await purge_expired_drafts(_Context())
    async with harness.db() as session:
        assert await count_rows(session, ProcessedUpdate) == 1
    harness.clock.advance(days=2)
    await purge_expired_drafts(_Context())
    async with harness.db() as session:
        assert await count_rows(session, ProcessedUpdate) == 0
