"""The resident's rights: /privacy (and withdrawing consent), /mydata, /delete."""

from __future__ import annotations

from sqlalchemy import text

from storage.models import Base
from tests.fakes import Harness
from tests.scripts import begin_form
from tests.staff_helpers import add_staff, card_of, resident_request, ticket

SITUATION = "My mother cannot manage her bills any more."


async def _resident_with_history(harness: Harness):
    """A consultation with a phone number and name, a follow-up and a staff reply."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness, form="consultation")
    await resident.send("She also forgets her medicine.")
    await staff.send(f"/reply {tk.reference} We will call you tomorrow.")
    await harness.relay()
    return staff, resident, tk


async def test_mydata_shows_exactly_what_is_stored(harness: Harness) -> None:
    """Answers, phone, name, messages both ways, consent; nothing about anyone else."""
    _, resident, tk = await _resident_with_history(harness)
    other, other_tk = await resident_request(harness, user_id=5999, form="food")
    await resident.send("/mydata")
    shown = "\n".join(resident.texts()[-3:])
    for fragment in (
        tk.reference,
        SITUATION,
        "045-123-4567",
        "Sato",
        "She also forgets her medicine.",
        "We will call you tomorrow.",
        str(resident.user_id),
        "Consent given",
    ):
        assert fragment in shown, fragment
    assert other_tk.reference not in shown and "wheelchair" not in shown


async def test_delete_leaves_no_personal_data_in_any_table(harness: Harness) -> None:
    """After /delete no table holds the resident's id, chat, phone, name or words; counts stay."""
    _, resident, tk = await _resident_with_history(harness)
    await resident.send("/delete")
    await resident.click("Yes, delete my data")
    assert resident.said("Your personal data has been deleted", since=-1)
    await harness.relay()
    personal = [
        str(resident.user_id),
        "+81451234567",
        "045-123-4567",
        "Sato",
        SITUATION,
        "She also forgets her medicine",
        "We will call you tomorrow",
    ]
    async with harness.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = (await conn.execute(text(f"SELECT * FROM {table.name}"))).all()
            dump = repr(rows)
            for fragment in personal:
                assert fragment not in dump, (table.name, fragment)
    kept = await ticket(harness, tk.id)
    assert (kept.service, kept.status, kept.answers, kept.resident_id) == (
        "consultation",
        "closed",
        {},
        None,
    )
    card = card_of(harness, kept)
    assert SITUATION not in card.text and "045-123-4567" not in card.text
    from bot.resident.privacy import ERASED_FOR_STAFF

    notice = harness.ja().gettext(ERASED_FOR_STAFF).format(reference=tk.reference)
    assert any(notice in m.text for m in harness.staff_messages())


async def test_delete_can_be_declined(harness: Harness) -> None:
    """'No, keep it' keeps everything."""
    resident, tk = await resident_request(harness)
    await resident.send("/delete")
    await resident.send("2")
    assert resident.said("Nothing was deleted.", since=-2)
    assert (await ticket(harness, tk.id)).answers


async def test_privacy_notice_and_withdrawing_consent(harness: Harness) -> None:
    """/privacy shows the notice; withdrawing clears consent and the draft; the next intake asks again."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send("2")
    await resident.send("/privacy")
    for partner in harness.services.profile.partners[:3]:
        assert partner.name.get("en") in resident.last.text
    await resident.click("Withdraw my consent")
    row = await harness.resident_row(resident)
    assert row.consent_version is None and row.consent_at is None
    assert await harness.draft_state(resident) is None
    await resident.send("/start")
    await resident.click("Food support")
    assert "Do you agree?" in resident.last.text
