"""Crisis detection: the labelled corpus, and what a resident and staff see on a hit."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.resident import views
from bot.safety import suggests_danger
from tests.fakes import Harness
from tests.scripts import FORM_SCRIPTS, Type, begin_form, play
from tests.staff_helpers import add_staff, events, resident_request, ticket

CORPUS = Path(__file__).parent / "data" / "crisis_corpus.tsv"
MIN_RECALL = 0.95


def test_crisis_corpus_recall_and_precision() -> None:
    """Recall on the positives must stay ≥ 0.95; precision is reported (doubt shows the lines)."""
    with CORPUS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) >= 150
    assert {r["lang"] for r in rows} == {"ja", "easy", "en", "zh", "ko", "vi"}
    results = [(r, suggests_danger(r["text"])) for r in rows]
    true_pos = sum(1 for r, hit in results if hit and r["label"] == "1")
    false_pos = sum(1 for r, hit in results if hit and r["label"] == "0")
    positives = sum(1 for r in rows if r["label"] == "1")
    recall = true_pos / positives
    precision = true_pos / (true_pos + false_pos)
    by_lang = {
        lang: sum(1 for r, hit in results if hit and r["label"] == "1" and r["lang"] == lang)
        / sum(1 for r in rows if r["label"] == "1" and r["lang"] == lang)
        for lang in ("ja", "easy", "en", "zh", "ko", "vi")
    }
    print(
        f"\ncrisis corpus: {len(rows)} phrases, {positives} positives; recall {recall:.3f}, "
        f"precision {precision:.3f}; recall by language {by_lang}"
    )
    missed = [r["text"] for r, hit in results if not hit and r["label"] == "1"]
    assert recall >= MIN_RECALL, missed


async def test_crisis_in_the_middle_of_a_form(harness: Harness) -> None:
    """Lines shown at once, draft urgent, staff alerted now; the form goes on and the ticket is urgent."""
    ja = harness.ja()
    resident = harness.resident(language="ja")
    await begin_form(harness, resident, ja, "Consultation")
    await resident.send("1")
    await resident.send("1")
    await resident.send("夫から毎日殴られています。もう死にたいです。")
    assert resident.said("110", since=-3) and resident.said("0120-279-889", since=-3)
    council = harness.services.profile.name.get("ja")
    assert resident.said(ja.gettext(views.STAFF_TOLD).format(council=council), since=-3)
    assert resident.said(ja.gettext(views.CARRY_ON), since=-3)
    assert ja.gettext("How should staff get back to you?") in resident.last.text
    assert (await harness.draft_state(resident))["urgent"] is True
    await harness.relay()
    [alert] = [m for m in harness.staff_messages() if "⚠" in m.text]
    assert "もう死にたいです" in alert.text
    for answer in ("1", "22", "1", ja.gettext("Send")):
        await resident.send(answer)
    [tk] = await harness.tickets()
    assert tk.priority == "urgent"


async def test_crisis_in_a_follow_up(harness: Harness) -> None:
    """A follow-up that suggests danger makes the open request urgent and alerts staff."""
    await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness, form="opinion")
    assert (await ticket(harness, tk.id)).priority == "normal"
    await resident.send("He hits me every night and I am scared to go home")
    assert resident.said("0120-279-338", since=-3)
    assert resident.said(f"added your message to your request {tk.reference}", since=-1)
    tk = await ticket(harness, tk.id)
    assert tk.priority == "urgent"
    assert "crisis_flagged" in [e.kind for e in await events(harness, tk.id)]
    await harness.relay()
    assert any("⚠" in m.text and tk.reference in m.text for m in harness.staff_messages())


async def test_ordinary_text_shows_no_crisis_lines(harness: Harness) -> None:
    """An ordinary answer does not show the lines or alert anyone."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    await resident.send("1")
    await resident.send("1")
    await resident.send("I need help filling in forms for the welfare service.")
    assert not resident.said("0120-279-338")
    await harness.relay()
    assert not [m for m in harness.staff_messages() if "⚠" in m.text]


async def test_someone_under_18_is_not_asked_for_details(harness: Harness) -> None:
    """A resident who says they are in middle school goes straight to sending; staff follow up."""
    ja = harness.ja()
    resident = harness.resident(language="ja")
    await begin_form(harness, resident, ja, "Consultation")
    await resident.send("6")
    await resident.send("1")
    await resident.send("私は中学生です。親とうまくいっていません。")
    assert ja.gettext("Please check your answers.") in resident.last.text
    await resident.click(ja.gettext("Send"))
    [tk] = await harness.tickets()
    assert set(tk.answers) == {"topic", "who", "situation"}
    assert tk.phone is None
    created = [e for e in await events(harness, tk.id) if e.kind == "created"]
    assert created[0].data.get("minor") is True and tk.minor
    await harness.relay()
    from bot.staff.cards import MINOR

    assert any(ja.gettext(MINOR) in m.text for m in harness.staff_messages())


async def test_a_parent_writing_about_a_child_is_asked_as_usual(harness: Harness) -> None:
    """'中学生の息子' is about a child, not the writer: the form goes on."""
    ja = harness.ja()
    resident = harness.resident(language="ja")
    await begin_form(harness, resident, ja, "Consultation")
    await resident.send("5")
    await resident.send("2")
    await resident.send("子どもは中学生です。学校に行けていません。")
    assert ja.gettext("How should staff get back to you?") in resident.last.text


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("私は中学生です", True),
        ("中学生です。親が怖い", True),
        ("15歳です", True),
        ("私は高校2年です", True),
        ("わたしは こうこうせいです", True),
        ("I am 15 and my dad hits me", True),
        ("I'm 16 years old.", True),
        ("うちは中学生が二人います", False),
        ("私は中学校の教員です", False),
        ("私は17歳の子の母です", False),
        ("子どもは中学生です", False),
        ("息子は15歳です", False),
        ("I am 7 months behind on rent", False),
        ("I'm 8 weeks pregnant", False),
        ("He hit him 10 times", False),
        ("My son is 15", False),
    ],
)
def test_who_is_taken_for_under_18(text: str, minor: bool) -> None:
    """Only someone speaking of themselves is taken for a minor; parents and teachers are not."""
    from bot.safety import says_minor

    assert says_minor(text) is minor


async def test_danger_after_an_expired_draft_still_alerts(harness: Harness) -> None:
    """A crisis message that arrives after the draft expired shows the lines and alerts staff."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    harness.clock.advance(hours=80)
    await resident.send("I want to die")
    assert resident.said("0120-279-338", since=-3)
    await harness.relay()
    assert [m for m in harness.staff_messages() if "⚠" in m.text]


async def test_danger_in_a_photo_caption_is_seen(harness: Harness) -> None:
    """The caption of a photo is checked like any text."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.send_content(
        photo=[{"file_id": "p", "file_unique_id": "pu", "width": 9, "height": 9}],
        caption="my husband hits me",
    )
    assert resident.said("0120-279-338", since=-3)


async def test_words_in_a_new_request_belong_to_it_and_not_to_older_ones(harness: Harness) -> None:
    """Danger written in a new form: the new request (and the ticket it becomes) is urgent;
    the resident's open opinion is neither changed nor named; once the request is sent, staff
    answering the alert reach the resident."""
    en = harness.en()
    staff = await add_staff(harness, 700001, "佐藤")
    resident, opinion = await resident_request(harness, form="opinion")
    title, steps, _ = FORM_SCRIPTS["consultation"]
    danger = [
        Type("He beats me every night") if isinstance(s, Type) and "bills" in s.text else s
        for s in steps
    ]
    await begin_form(harness, resident, en, title)
    await play(harness, resident, en, danger)
    assert (await ticket(harness, opinion.id)).priority == "normal"
    await harness.relay()
    alert = next(m for m in harness.staff_messages() if "⚠" in m.text)
    assert opinion.reference not in alert.text
    await resident.click(en.gettext("Send"))
    await harness.relay()
    new = (await harness.tickets())[-1]
    assert new.id != opinion.id and new.priority == "urgent"
    await staff.send("すぐにお電話します。", reply_to=alert)
    await harness.relay()
    assert resident.said("すぐにお電話します。", since=-2)


async def test_an_alert_about_someone_without_a_request_can_be_answered(harness: Harness) -> None:
    """No request to answer through: the alert's button opens an urgent case assigned to the
    staff member, after which replying to the alert reaches the resident; a second press
    opens nothing more."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    resident = harness.resident()
    await resident.send("/start")
    await resident.send("I want to die tonight, I have the pills ready")
    await harness.relay()
    alert = next(m for m in harness.staff_messages() if "⚠" in m.text)
    await staff.click(ja.gettext("Open a case to answer them"), message=alert)
    await harness.relay()
    [case] = await harness.tickets()
    assert (case.priority, case.status, case.source) == ("urgent", "assigned", "staff")
    assert case.resident_id is not None
    await staff.press(alert, f"s:{case.resident_id}:case")
    assert len(await harness.tickets()) == 1
    await staff.send("佐藤です。今からお電話してもいいですか。", reply_to=alert)
    await harness.relay()
    assert resident.said("今からお電話してもいいですか。", since=-2)
