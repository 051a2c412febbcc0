"""Statistics and the monthly report, checked against counts computed here independently."""

from __future__ import annotations

import io
import statistics
import struct
from collections import Counter
from datetime import timedelta

from openpyxl import load_workbook

from bot.forms.definitions import FORMS
from bot.numbers.reports import CHART_SIZE
from bot.tickets.lifecycle import STATUS_LABELS
from storage.tickets import TicketDTO
from tests.fakes import Harness
from tests.staff_helpers import ADMIN_ID
from tests.test_digest import make_ticket, tokyo

SERVICES = list(FORMS)


async def _november(harness: Harness) -> list[TicketDTO]:
    """Tickets through November (and one in October and one in December that must not count)."""
    calendar = harness.services.calendar
    made = []
    await make_ticket(harness, tokyo(2026, 10, 31, 12), service="food")
    await make_ticket(harness, tokyo(2026, 12, 1, 0, 0), service="food")
    for i in range(23):
        created = tokyo(2026, 11, 1 + i, 10 + i % 5)
        first = created + timedelta(days=i % 4) if i % 3 else None
        resolved = created + timedelta(days=i % 6 + 1) if i % 2 else None
        ticket = await make_ticket(
            harness,
            created,
            service=SERVICES[i % 5],
            status=list(STATUS_LABELS)[i % 7],
            priority=("urgent", "normal", "high")[i % 3],
            first_action_at=first,
            resolved_at=resolved,
            first_action_bday=calendar.ordinal_at(first) if first else None,
            resolved_bday=calendar.ordinal_at(resolved) if resolved else None,
            referred_to=("care_plaza", "minsei_iin", None)[i % 3],
        )
        made.append(ticket)
    return made


def _median(values: list[int]) -> float | None:
    return statistics.median(values) if values else None


async def test_report_xlsx_matches_independent_counts(harness: Harness) -> None:
    """/report 2026-11: every sheet, cell by cell, against counts computed from the tickets."""
    ja = harness.ja()
    tickets = await _november(harness)
    admin = harness.staff(ADMIN_ID, "Admin")
    harness.clock.now = tokyo(2026, 12, 2, 9)
    await admin.send("/report 2026-11")
    [xlsx] = [m for m in admin.messages() if m.filename and m.filename.endswith(".xlsx")]
    book = load_workbook(io.BytesIO(xlsx.document))
    summary = book[ja.gettext("Summary")]
    assert summary["B1"].value == "2026-11"
    assert summary["B2"].value == len(tickets)
    firsts = [
        t.first_action_bday - t.created_bday for t in tickets if t.first_action_bday is not None
    ]
    resolved = [t.resolved_bday - t.created_bday for t in tickets if t.resolved_bday is not None]
    assert summary["B3"].value == _median(firsts)
    assert summary["B4"].value == _median(resolved)

    by_service = Counter(t.service for t in tickets)
    sheet = book[ja.gettext("By service")]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == [(ja.gettext(FORMS[k].title), by_service.get(k, 0)) for k in FORMS]

    by_status = Counter(t.status for t in tickets)
    sheet = book[ja.gettext("By status (now)")]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == [(ja.gettext(STATUS_LABELS[k]), by_status.get(k, 0)) for k in STATUS_LABELS]

    profile = harness.services.profile
    sheet = book[ja.gettext("By district")]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        (profile.district("d01").name.get("ja"), len(tickets))
    ]

    referrals = Counter(t.referred_to for t in tickets if t.referred_to)
    sheet = book[ja.gettext("Referrals by partner")]
    got = dict(sheet.iter_rows(min_row=2, values_only=True))
    assert got == {profile.partner(k).name.get("ja"): n for k, n in referrals.items()}


async def test_report_chart_is_a_png_of_the_expected_size(harness: Harness) -> None:
    """The chart sent with the report is a valid PNG, 1000×560."""
    await _november(harness)
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/report 2026-11")
    [photo] = [
        m for m in admin.messages() if m.filename and m.document and m.document[:4] == b"\x89PNG"
    ]
    width, height = struct.unpack(">II", photo.document[16:24])
    assert (width, height) == CHART_SIZE
    from PIL import Image

    image = Image.open(io.BytesIO(photo.document))
    image.verify()


async def test_stats_month_and_bad_periods(harness: Harness) -> None:
    """/stats 2026-11 shows the month's totals and medians; a bad period is explained."""
    ja = harness.ja()
    tickets = await _november(harness)
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/stats 2026-11")
    text = admin.last.text
    title = ja.gettext("Statistics {period} (received: {total})").format(
        period="2026-11", total=len(tickets)
    )
    assert title in text
    firsts = [
        t.first_action_bday - t.created_bday for t in tickets if t.first_action_bday is not None
    ]
    assert (
        ja.gettext("Median business days to first staff action: {days}").format(
            days=f"{_median(firsts):.1f}"
        )
        in text
    )
    await admin.send("/stats sometime")
    assert admin.last.text == ja.gettext(
        "Please write /stats week, /stats month or /stats 2026-11."
    )
    await admin.send("/stats week")
    assert ja.gettext("By service") in admin.last.text


async def test_digest_preview_does_not_count(harness: Harness) -> None:
    """/digest shows the digest now without claiming the day."""
    from bot.numbers.daily import send_daily_digest

    await make_ticket(harness, tokyo(2026, 11, 26, 10))
    harness.clock.now = tokyo(2026, 11, 27, 8, 0)
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/digest")
    assert harness.ja().gettext("Morning digest {day}").format(day="2026-11-27") in admin.last.text
    harness.clock.now = tokyo(2026, 11, 27, 8, 30)
    assert await send_daily_digest(harness.services, harness.clock())


def test_report_and_digest_from_the_command_line(tmp_path) -> None:
    """`madoguchi report 2026-11 --out DIR` writes the XLSX and the PNG; `madoguchi digest` prints."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.update(MADOGUCHI_DATA_DIR=str(tmp_path / "data"), PYTHONIOENCODING="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "report", "2026-11", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    book = load_workbook(out / "madoguchi-report-2026-11.xlsx")
    assert (
        len(book.sheetnames) == 10
    )  # summary, 4 breakdowns, outcomes, people, food, topics, contacts
    assert (out / "madoguchi-intake-2026-11.png").read_bytes()[:4] == b"\x89PNG"
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "report", "November"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr
    digest = subprocess.run(
        [sys.executable, "-m", "bot", "digest"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert digest.returncode == 0, digest.stderr
    assert "朝のまとめ" in digest.stdout


async def test_stats_count_people_once_and_outcomes_chosen_at_close(harness: Harness) -> None:
    """Three requests from two residents: 延べ件数 3, 実人数 2; outcomes chosen at close are
    counted by kind."""
    from bot.numbers.figures import collect_stats
    from tests.staff_helpers import add_staff, resident_request

    staff = await add_staff(harness, 700001, "佐藤")
    resident, first = await resident_request(harness, user_id=5001)
    _, second = await resident_request(harness, user_id=5002, form="consultation")
    await staff.send(f"/close {first.reference} 食糧提供")
    await staff.send(f"/close {second.reference} 情報提供 電話で説明")
    await resident.send("/start")
    _, third = await resident_request(harness, user_id=5001, form="consultation")
    await staff.send(f"/close {third.reference} 情報提供")
    day = harness.services.calendar.local_day(harness.clock())
    async with harness.db() as session:
        stats = await collect_stats(
            session, harness.services, "today", day, day + timedelta(days=1)
        )
    assert (stats.total, stats.people) == (3, 2)
    assert stats.outcomes == {"food": 1, "info": 2}
    await staff.send("/stats month")
    ja = harness.ja()
    assert ja.gettext("People (each resident once)") in staff.last.text


async def test_stats_count_food_people_topics_and_logged_contacts(harness: Harness) -> None:
    """Food support by households and the people in them, consultations by topic, and the
    contacts staff logged with /contact, in Japanese words."""
    from bot.numbers.figures import collect_stats
    from tests.staff_helpers import add_staff, resident_request

    staff = await add_staff(harness, 700001, "佐藤")
    _, food = await resident_request(harness, user_id=5001, form="food")
    _, consult = await resident_request(harness, user_id=5002, form="consultation")
    await staff.send(f"/contact {consult.reference} 電話 本人と話した")
    await staff.send(f"/contact {food.reference} 訪問")
    await staff.send(f"/contact {food.reference} そのへん")
    day = harness.services.calendar.local_day(harness.clock())
    async with harness.db() as session:
        stats = await collect_stats(
            session, harness.services, "today", day, day + timedelta(days=1)
        )
    answers = food.answers
    assert stats.food_households == 1
    assert stats.food_people == int(answers["adults"]) + int(answers["children"])
    assert stats.topics == {consult.answers["topic"]: 1}
    assert stats.contacts == {"phone": 1, "home_visit": 1}
