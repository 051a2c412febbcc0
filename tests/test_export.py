"""/export: staff get the tickets of a date range as a CSV or Excel file, and it is audited."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.channels.telegram.local_api import StoredMessage
from bot.forms import engine
from bot.forms.definitions import FORMS
from bot.staff import export
from bot.staff.export import safe_cell
from bot.tickets.lifecycle import PRIORITY_LABELS, STATUS_LABELS
from storage.staff import recent_audit, save_staff, staff_names
from storage.tickets import TicketChange, TicketDTO, update_ticket
from tests.fakes import Harness, UserClient
from tests.scripts import FORM_SCRIPTS, Type, begin_form, play

ADMIN_ID = 900001
TOKYO = ZoneInfo("Asia/Tokyo")
BOM = b"\xef\xbb\xbf"
FORMULA = '=HYPERLINK("http://example.com/?q=1","詳しくはこちら")'
AT_TEXT = "@とても使いやすいです。ありがとうございます。"
SITUATION = "母が請求書の支払いを管理できなくなりました。"
# The scripts' English free text, typed in Japanese instead (and two formula-like answers).
JAPANESE_TYPING = {
    "My mother cannot manage her bills any more.": SITUATION,
    "Sato": "佐藤",
    "I use a wheelchair.": FORMULA,
    "Every Tuesday afternoon": "毎週火曜日の午後",
    "Talking with residents of our group home.": "グループホームの入居者の話し相手をお願いしたいです。",
    "Very easy to use, thank you.": AT_TEXT,
}
HEADER_IDS = (
    "Reference",
    "Received",
    "Service",
    "Status",
    "Priority",
    "District",
    "Assignee",
    "Referred to",
    "Contact method",
    "Phone number",
    "Source",
    "Closed at",
    "Answers",
)
CONTACT_IDS = {
    "chat": "Reply in this chat",
    "phone": "Phone call",
    "counter": "I will come to the counter",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


async def _file_ticket(harness: Harness, form_key: str, user_id: int) -> None:
    """A Japanese-speaking resident completes and sends one form."""
    ja = harness.ja()
    resident = harness.resident(user_id, language="ja")
    title, steps, _ = FORM_SCRIPTS[form_key]
    typed = [Type(JAPANESE_TYPING.get(s.text, s.text)) if isinstance(s, Type) else s for s in steps]
    await begin_form(harness, resident, ja, title)
    await play(harness, resident, ja, typed)
    await resident.click(ja.gettext("Send"))


async def _staff_command(harness: Harness, user: UserClient, text: str) -> list[StoredMessage]:
    """Sends a command in the staff group and returns what the bot sent in answer, there and
    in the sender's private chat (where files with personal data go)."""
    chat_id = harness.settings.staff_chat_id
    before = len(harness.api.sent_to(chat_id)), len(harness.api.sent_to(user.user_id))
    payload = user.message_payload(text=text)
    payload["chat"] = {"id": chat_id, "type": "supergroup", "title": "staff"}
    payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    await user.deliver({"update_id": next(harness.update_ids), "message": payload})
    in_group = harness.api.sent_to(chat_id)[before[0] :]
    return in_group + harness.api.sent_to(user.user_id)[before[1] :]


async def _export(harness: Harness, text: str = "/export") -> StoredMessage:
    """Runs /export as the admin and returns the one file it sent."""
    sent = await _staff_command(harness, harness.resident(ADMIN_ID, language="ja"), text)
    documents = [m for m in sent if m.document is not None]
    assert len(documents) == 1, [m.text for m in sent]
    return documents[0]


def _csv_rows(document: StoredMessage) -> list[list[str]]:
    """Reads an exported CSV back, checking it is UTF-8 with a BOM and CRLF line endings."""
    assert document.document.startswith(BOM)
    text = document.document.decode("utf-8-sig")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def _xlsx_rows(document: StoredMessage) -> list[list[str]]:
    """Reads an exported workbook back as text rows, checking it holds no formula."""
    book = openpyxl.load_workbook(io.BytesIO(document.document))
    assert book.sheetnames == ["tickets"]
    sheet = book["tickets"]
    assert all(cell.font.b for cell in sheet[1])
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def _guarded(value: str) -> str:
    """What a typed value looks like once defused for spreadsheets."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _local(moment: datetime | None) -> str:
    """A stored timestamp as Yokohama local time."""
    return moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M") if moment else ""


def _expected_row(harness: Harness, ticket: TicketDTO, names: dict[int, str]) -> list[str]:
    """The row a ticket should become, worked out from the ticket itself."""
    ja = harness.ja()
    profile = harness.services.profile
    form = FORMS[ticket.service]
    district = profile.district(ticket.district_key) if ticket.district_key else None
    partner = profile.partner(ticket.referred_to) if ticket.referred_to else None
    ctx = engine.FormContext(ja, harness.services.dynamic_choices("ja"))
    answers = [
        ja.gettext(step.label)
        + ": "
        + _guarded(engine.display_answer(step, ticket.answers[step.key], ctx))
        for step in form.visible_steps(ticket.answers)
        if step.key in ticket.answers
    ]
    return [
        ticket.reference,
        _local(ticket.created_at),
        ja.gettext(form.title),
        ja.gettext(STATUS_LABELS[ticket.status]),
        ja.gettext(PRIORITY_LABELS[ticket.priority]),
        district.name.ja if district else ja.gettext("Don't know"),
        _guarded(names[ticket.assignee_id]) if ticket.assignee_id else "",
        partner.name.ja if partner else "",
        ja.gettext(CONTACT_IDS[ticket.contact_method])
        if ticket.contact_method
        else ja.gettext("No reply wanted"),
        "045-123-4567" if ticket.phone == "+81451234567" else "",
        ja.gettext("resident") if ticket.source == "resident" else ja.gettext("staff"),
        _local(ticket.closed_at),
        "\n".join(answers),
    ]


async def _one_ticket_per_form(harness: Harness) -> list[TicketDTO]:
    """One ticket of every form, minutes apart; one assigned, one referred, one closed."""
    for user_id, form_key in enumerate(FORM_SCRIPTS, start=5001):
        await _file_ticket(harness, form_key, user_id)
        harness.clock.advance(minutes=7)
    tickets = {t.service: t for t in await harness.tickets()}
    now = harness.clock()
    async with harness.db.begin() as session:
        sneaky = await save_staff(session, 700001, "=1+2", [], now)
        await update_ticket(
            session,
            tickets["consultation"].id,
            now,
            TicketChange(assignee_id=sneaky.id, status="in_progress"),
        )
        await update_ticket(
            session,
            tickets["food"].id,
            now,
            TicketChange(referred_to="care_plaza", status="referred"),
        )
        await update_ticket(
            session, tickets["opinion"].id, now, TicketChange(status="closed", closed_at=now)
        )
    return await harness.tickets()


async def _names(harness: Harness) -> dict[int, str]:
    """Every staff member's display name by row id."""
    async with harness.db() as session:
        return await staff_names(session)


async def test_csv_has_a_japanese_header_and_every_ticket_cell_by_cell(harness: Harness) -> None:
    """/export sends this month's tickets as a UTF-8 (BOM) CSV that matches the database."""
    tickets = await _one_ticket_per_form(harness)
    document = await _export(harness)
    ja = harness.ja()
    assert document.filename == "madoguchi-tickets-2026-11-01_2026-11-27.csv"
    assert document.text == ja.gettext("Tickets received from {start} to {end}: {count}").format(
        start="2026-11-01", end="2026-11-27", count=len(FORM_SCRIPTS)
    )
    header, *rows = _csv_rows(document)
    assert header == [ja.gettext(column) for column in HEADER_IDS]
    names = await _names(harness)
    expected = [_expected_row(harness, ticket, names) for ticket in tickets]
    assert len(rows) == len(expected) == len(FORM_SCRIPTS)
    for row, wanted in zip(rows, expected, strict=True):
        for column, cell, wanted_cell in zip(header, row, wanted, strict=True):
            assert cell == wanted_cell, (column, cell, wanted_cell)


async def test_formula_like_answers_are_defused_in_the_csv(harness: Harness) -> None:
    """A typed '=HYPERLINK(…)', '@…' or staff name '=1+2' gets a leading apostrophe."""
    await _one_ticket_per_form(harness)
    header, *rows = _csv_rows(await _export(harness))
    ja = harness.ja()
    by_service = {row[header.index(ja.gettext("Service"))]: row for row in rows}
    answers = header.index(ja.gettext("Answers"))
    food = by_service[ja.gettext("Food support")]
    assert ja.gettext("Why not") + ": '" + FORMULA in food[answers].split("\n")
    opinion = by_service[ja.gettext("Opinion or complaint")]
    assert ": '" + AT_TEXT in opinion[answers]
    consultation = by_service[ja.gettext("Consultation")]
    assert consultation[header.index(ja.gettext("Assignee"))] == "'=1+2"
    assert ja.gettext("Phone number") + ": 045-123-4567" in consultation[answers].split("\n")
    assert SITUATION in consultation[answers]
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)


async def test_xlsx_has_the_same_header_and_rows(harness: Harness) -> None:
    """/export … xlsx sends a workbook with a bold header and the same, defused cells."""
    tickets = await _one_ticket_per_form(harness)
    document = await _export(harness, "/export 2026-11-01 xlsx")
    assert document.filename == "madoguchi-tickets-2026-11-01_2026-11-27.xlsx"
    header, *rows = _xlsx_rows(document)
    ja = harness.ja()
    assert header == [ja.gettext(column) for column in HEADER_IDS]
    names = await _names(harness)
    assert rows == [_expected_row(harness, ticket, names) for ticket in tickets]
    assert any("'" + FORMULA in cell for row in rows for cell in row)
    assert "'=1+2" in [cell for row in rows for cell in row]


async def test_xlsx_is_chosen_by_the_word_anywhere_in_any_case(harness: Harness) -> None:
    """'XLSX' before the dates works too; an empty range still sends the header."""
    document = await _export(harness, "/export XLSX 2026-10-01 2026-10-31")
    assert document.filename == "madoguchi-tickets-2026-10-01_2026-10-31.xlsx"
    ja = harness.ja()
    assert _xlsx_rows(document) == [[ja.gettext(column) for column in HEADER_IDS]]
    assert document.text == ja.gettext("Tickets received from {start} to {end}: {count}").format(
        start="2026-10-01", end="2026-10-31", count=0
    )


async def test_dates_are_local_days_in_the_council_time_zone(harness: Harness) -> None:
    """A ticket at 23:59 Yokohama time belongs to that day, one at 00:00 to the next."""
    await _file_ticket(harness, "food", 5001)  # 2026-11-27 10:00 JST
    harness.clock.now = datetime(2026, 11, 27, 14, 59, tzinfo=UTC)
    await _file_ticket(harness, "opinion", 5002)  # 2026-11-27 23:59 JST
    harness.clock.advance(minutes=1)
    await _file_ticket(harness, "volunteer_request", 5003)  # 2026-11-28 00:00 JST
    harness.clock.advance(days=2, hours=12)
    await _file_ticket(harness, "consultation", 5004)  # 2026-11-30 12:00 JST
    harness.clock.advance(days=1)
    await _file_ticket(harness, "volunteer_registration", 5005)  # 2026-12-01 12:00 JST
    references = {t.service: t.reference for t in await harness.tickets()}

    async def exported(command: str) -> list[str]:
        """The references in the CSV a command sends."""
        return [row[0] for row in _csv_rows(await _export(harness, command))[1:]]

    assert await exported("/export 2026-11-27 2026-11-27") == [
        references["food"],
        references["opinion"],
    ]
    assert await exported("/export 2026-11-28 2026-11-30") == [
        references["volunteer_request"],
        references["consultation"],
    ]
    assert await exported("/export 2026-11-28") == [
        references["volunteer_request"],
        references["consultation"],
        references["volunteer_registration"],
    ]
    default = await _export(harness)
    assert default.filename == "madoguchi-tickets-2026-12-01_2026-12-01.csv"
    assert [row[0] for row in _csv_rows(default)[1:]] == [references["volunteer_registration"]]
    assert await exported("/export ２０２６-１１-３０ 2026-11-30") == [references["consultation"]]


async def test_bad_dates_are_explained_and_no_file_is_sent(harness: Harness) -> None:
    """An impossible or unreadable date, too many dates or a reversed range: a message only."""
    admin = harness.resident(ADMIN_ID, language="ja")
    ja = harness.ja()
    bad_dates = ja.gettext(
        "Please give dates as YYYY-MM-DD, for example /export 2026-11-01 "
        "2026-11-30 (add xlsx for an Excel file)."
    )
    for command in (
        "/export 2026-02-30",
        "/export yesterday",
        "/export 2026/11/01",
        "/export 2026-11-01 2026-11-02 2026-11-03",
        "/export 20261101",
        "/export 9999-12-31",
    ):
        sent = await _staff_command(harness, admin, command)
        assert [(m.text, m.document) for m in sent] == [(bad_dates, None)], command
    sent = await _staff_command(harness, admin, "/export 2026-11-30 2026-11-01")
    assert [(m.text, m.document) for m in sent] == [
        (
            ja.gettext("The start date {start} is after the end date {end}.").format(
                start="2026-11-30", end="2026-11-01"
            ),
            None,
        )
    ]
    async with harness.db() as session:
        assert [a.action for a in await recent_audit(session, 10) if a.action == "export"] == []


async def test_each_export_is_audited_without_personal_data(harness: Harness) -> None:
    """Who exported which range, how many tickets and in what format; no answers, no phone."""
    tickets = await _one_ticket_per_form(harness)
    await _export(harness, "/export 2026-11-01 2026-11-30")
    harness.clock.advance(minutes=1)
    await _export(harness, "/export xlsx")
    async with harness.db() as session:
        audit = [a for a in await recent_audit(session, 10) if a.action == "export"]
    assert [(a.actor_id, a.action, a.detail) for a in reversed(audit)] == [
        (
            ADMIN_ID,
            "export",
            {"from": "2026-11-01", "to": "2026-11-30", "count": len(FORM_SCRIPTS), "format": "csv"},
        ),
        (
            ADMIN_ID,
            "export",
            {
                "from": "2026-11-01",
                "to": "2026-11-27",
                "count": len(FORM_SCRIPTS),
                "format": "xlsx",
            },
        ),
    ]
    stored = json.dumps([a.detail for a in audit], ensure_ascii=False)
    for personal in (
        SITUATION,
        "佐藤",
        "+81451234567",
        "045-123-4567",
        FORMULA,
        *(t.reference for t in tickets),
    ):
        assert personal not in stored


async def test_someone_who_is_not_staff_gets_no_file(harness: Harness) -> None:
    """A group member who is not staff gets the one refusal and nothing is exported."""
    await _one_ticket_per_form(harness)
    sent = await _staff_command(harness, harness.resident(424242, language="ja"), "/export")
    assert [(m.text, m.document) for m in sent] == [
        (harness.ja().gettext("Sorry, this is only for council staff."), None)
    ]
    async with harness.db() as session:
        assert await recent_audit(session, 10) == []


def test_cells_that_would_run_as_formulas_get_an_apostrophe() -> None:
    """Every formula start is defused, full-width ones and those behind control characters too."""
    for value in (
        "=1+2",
        "+81 90",
        "-3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "＝1+2",
        "＋1",
        "＠x",
        "\x01=1+2",
    ):
        assert safe_cell(value).startswith("'"), repr(value)
    assert safe_cell("\x01=1+2") == "'=1+2"
    for value in ("佐藤", "045-123-4567", "1234-5678", "", "a=b", "2026-11-27 10:00"):
        assert safe_cell(value) == value


async def test_an_export_past_the_cap_is_refused_with_a_hint(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More tickets than one file may hold: no file, a hint to export a shorter period, and
    nothing audited."""
    await _one_ticket_per_form(harness)
    monkeypatch.setattr(export, "MAX_EXPORT_TICKETS", 4)
    sent = await _staff_command(
        harness, harness.resident(ADMIN_ID, language="ja"), "/export 2026-11-01 2026-11-30"
    )
    assert [m for m in sent if m.document is not None] == []
    assert harness.ja().gettext(export.TOO_MANY).format(limit=4) in sent[-1].text
    async with harness.db() as session:
        assert [a for a in await recent_audit(session, 10) if a.action == "export"] == []
